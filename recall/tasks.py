"""Celery tasks: thin wrappers that take ids and call services.

Every task is safe to run twice (a re-delivered message changes nothing twice): the services
claim their work with conditional UPDATEs or row locks. Retries are declared only for transient
errors (lost database or broker connections); domain errors are not retried. Verification and
notifications run on separate queues (CELERY_TASK_ROUTES).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import requests
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import task_names as names
from .errors import TRANSIENT_DATABASE_ERRORS
from .notifications.sms import SmsError
from .phone_ownership import PhoneOwnershipUnavailable
from .services import ledger, lifecycle, queue, verification
from .services.groups import initiative
from .services.jobs import exports, petition_jobs, register_import
from .services.ledger import sampling, witnesses
from .services.lifecycle import deadlines
from .services.notices import follow, outbox, webhooks
from .services.privacy import retention
from .services.signing import codes, eds, held
from .services.verification import counts, paper_import

logger = logging.getLogger(__name__)

TRANSIENT = (*TRANSIENT_DATABASE_ERRORS, ConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}
# A verification task hands over to a fresh one after this long, so it never hits its time limit.
VERIFY_SLICE_SECONDS = 120


@shared_task(name=names.VERIFY_SIGNATURES, soft_time_limit=300, time_limit=360, **RETRY)
def verify_signatures() -> int:
    """Verify the backlog of received signatures, batch by batch. A run that verified anything
    looks again a second later: the sign path asks at most once a second per process
    (recall.services.queue.request_verification), so what arrived meanwhile is picked up."""
    started = time.monotonic()
    total = 0
    while True:
        result = verification.verify_batch()
        total += result.verified
        if result.verified < settings.RECALL_VERIFY_BATCH_SIZE:
            break
        if time.monotonic() - started > VERIFY_SLICE_SECONDS:
            verify_signatures.delay()
            return total
    if total and not verify_signatures.app.conf.task_always_eager:
        try:
            verify_signatures.apply_async(countdown=queue.REQUEST_INTERVAL_SECONDS)
        except Exception:  # the broker went away: beat's re-queue follows up
            logger.warning("could not schedule the next verification run", exc_info=True)
    return total


@shared_task(name=names.REQUEUE_UNVERIFIED, soft_time_limit=30, time_limit=60, **RETRY)
def requeue_unverified() -> bool:
    """Beat: signatures still waiting (stored while the broker was down, or a lost task) are
    queued, and every petition's count of waiting signatures is refreshed for the public pages."""
    counts.refresh_queued()
    stale = timezone.now() - dt.timedelta(seconds=settings.RECALL_REQUEUE_AFTER_SECONDS)
    if counts.waiting_since(stale):
        verify_signatures.delay()
        return True
    return False


@shared_task(name=names.RECONCILE_COUNTS, soft_time_limit=3000, time_limit=3600, **RETRY)
def reconcile_counts() -> int:
    """Nightly: recompute every petition's counts from its signatures and repair drift."""
    repaired = counts.reconcile()
    if repaired:
        logger.warning("reconciliation repaired %s petitions", len(repaired))
    return len(repaired)


# A task that sends one text message: retried with backoff while the gateway fails.
ONE_TEXT_MESSAGE = {
    "soft_time_limit": 30,
    "time_limit": 60,
    "autoretry_for": (*TRANSIENT, SmsError),
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "max_retries": 3,
}


@shared_task(
    name=names.SEND_CHALLENGE_CODE,
    soft_time_limit=30,
    time_limit=45,
    autoretry_for=(*TRANSIENT, SmsError, PhoneOwnershipUnavailable),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=3,
)
def send_challenge_code(challenge_id: int) -> str:
    """A voter's one-time code (or the already-signed notice); retried if the gateway fails."""
    return codes.send_code(challenge_id)


@shared_task(
    name=names.SEND_RECEIPT,
    **ONE_TEXT_MESSAGE,
)
def send_receipt(signature_id: int, language: str) -> str:
    """The receipt of a signature made on the web, by text message; retried if the gateway fails."""
    return codes.send_receipt(signature_id, language)


@shared_task(
    name=names.SEND_GROUP_CODE,
    **ONE_TEXT_MESSAGE,
)
def send_group_code(code_id: int) -> str:
    """An initiative group member's one-time code; retried if the gateway fails."""
    return initiative.send_code(code_id)


@shared_task(name=names.SEND_FOLLOW_NOTICE, **ONE_TEXT_MESSAGE)
def send_follow_notice(follower_id: int) -> str:
    """A follower's confirmation link (or link to stop); retried if the gateway fails."""
    return follow.send_confirmation(follower_id)


@shared_task(name=names.SEND_NOTICES, soft_time_limit=300, time_limit=360, **RETRY)
def send_notices(notice_id: int) -> int:
    """A notice from the outbox (recall.services.notices.outbox): its messages written, then sent;
    what fails is tried again by the sweep. How many messages this run sent."""
    return outbox.process(notice_id)


@shared_task(name=names.SWEEP_NOTICES, soft_time_limit=120, time_limit=150, **RETRY)
def sweep_notices() -> dict[str, int]:
    """Beat, every 15 s: notices whose task was lost (the broker was down) or whose worker died,
    and messages due again, are written and sent."""
    return outbox.sweep()


@shared_task(name=names.IMPORT_REGISTER_FILE, soft_time_limit=1800, time_limit=1900, **RETRY)
def import_register_file(job_id: int) -> str | None:
    job = register_import.run_job(job_id)
    return job.state if job else None


@shared_task(name=names.DECIDE_HELD_SIGNATURES, soft_time_limit=240, time_limit=300, **RETRY)
def decide_held_signatures() -> dict[str, int]:
    """Beat, every minute: EDS signatures held while a revocation responder was down are
    verified again, and passed on or refused once their status is known."""
    return held.decide_held()


@shared_task(name=names.REFRESH_CRLS, soft_time_limit=120, time_limit=150, **RETRY)
def refresh_crls() -> dict[str, bool]:
    """Beat, every 10 minutes: the CRLs certificates have named, fetched again before they
    expire, so no signing request has to fetch one."""
    return eds.refresh_crls()


@shared_task(name=names.RECOVER_JOBS, **RETRY)
def recover_jobs() -> dict[str, dict[str, int]]:
    """Every minute: jobs whose worker died (their lease ran out) are taken over or failed."""
    return {
        "register": register_import.recover_stale_jobs(),
        "paper": paper_import.recover_stale_jobs(),
        "petition_jobs": petition_jobs.recover_stale_jobs(),
    }


@shared_task(name=names.IMPORT_PAPER_SHEET, soft_time_limit=1800, time_limit=1900, **RETRY)
def import_paper_sheet(job_id: int) -> str | None:
    job = paper_import.run_job(job_id)
    return job.state if job else None


@shared_task(name=names.DELIVER_WEBHOOK, soft_time_limit=60, time_limit=90, **RETRY)
def deliver_webhook(delivery_id: int) -> str:
    result = webhooks.deliver(delivery_id)
    if result.retry_in is not None:
        deliver_webhook.apply_async(args=[delivery_id], countdown=result.retry_in)
    return result.state


@shared_task(name=names.RETRY_WEBHOOKS, soft_time_limit=60, time_limit=90, **RETRY)
def retry_webhooks() -> int:
    """Beat: re-send deliveries whose task was lost (broker restart, worker killed)."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name=names.ADVANCE_WINDOWS, soft_time_limit=120, time_limit=150, **RETRY)
def advance_windows() -> dict[str, int]:
    """Beat: open windows that start, close those that end (expired or submitted)."""
    return {"opened": lifecycle.open_due_windows(), "closed": lifecycle.close_due_windows()}


@shared_task(name=names.PURGE_EXPIRED, soft_time_limit=300, time_limit=360, **RETRY)
def purge_expired() -> dict[str, int]:
    """Daily: one-time-code challenges (they hold what the voter typed) are kept one day, and
    so are EDS statements (each one is a row; a used one has done its work), the PDFs of
    background exports (they hold IINs) and the group's code requests; group applications
    never submitted go after RECALL_GROUP_DRAFT_DAYS; expired sessions (receipts, member ids)
    are cleared."""
    cutoff = timezone.now() - dt.timedelta(days=1)
    deleted = codes.purge_old_requests(cutoff)
    statements = eds.purge_old_statements(cutoff)
    exports_purged = petition_jobs.purge_files(cutoff)
    groups = initiative.purge_abandoned()
    retention.clear_expired_sessions()
    return {
        "challenges": deleted,
        "eds_statements": statements,
        "job_files": exports_purged,
        "group_drafts": groups["drafts"],
        "group_codes": groups["codes"],
    }


@shared_task(name=names.PURGE_PERSONAL_DATA, soft_time_limit=1800, time_limit=1900, **RETRY)
def purge_personal_data() -> dict[int, int]:
    """Nightly: destroy the personal data of petitions whose retention period has ended (the
    same service as ``manage.py purge_personal_data``); returns signatures purged per petition."""
    return retention.purge_due(system_label="beat").purged


@shared_task(name=names.SIGN_LEDGER_CHECKPOINTS, **RETRY)
def sign_ledger_checkpoints() -> int:
    """Every few seconds: a signed checkpoint for each petition whose public ledger grew."""
    return ledger.sign_due_checkpoints()


# A witness that cannot be reached now is tried again with backoff; its refusals are not retried
# (recall.services.ledger.witnesses raises only for network errors and 5xx answers).
WITNESS_RETRY = {
    "autoretry_for": (*TRANSIENT, requests.RequestException),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


@shared_task(name=names.PUSH_CHECKPOINT, soft_time_limit=60, time_limit=90, **WITNESS_RETRY)
def push_checkpoint(checkpoint_id: int, witness: str | None = None) -> dict[str, str]:
    """A new checkpoint to the accredited witnesses (C2SP tlog-witness add-checkpoint)."""
    return witnesses.push(checkpoint_id, only=witness)


@shared_task(name=names.PUSH_LEDGER_WITNESSES, soft_time_limit=240, time_limit=300, **RETRY)
def push_ledger_witnesses() -> int:
    """Every minute: latest checkpoints a witness has not cosigned yet, or whose cosignature is
    older than RECALL_LEDGER_WITNESS_REFRESH_SECONDS, go to it again (one task each)."""
    due = witnesses.due_pushes()
    for checkpoint_id, name in due:
        queue.after_commit(names.PUSH_CHECKPOINT, checkpoint_id, name)
    return len(due)


@shared_task(name=names.DRAW_DUE_SAMPLES, soft_time_limit=120, time_limit=150, **RETRY)
def draw_due_samples() -> int:
    """Every 15 s: a sample whose beacon round now exists is drawn."""
    return sampling.draw_due()


@shared_task(name=names.ISSUE_CERTIFIED_SUMMARY, soft_time_limit=120, time_limit=150, **RETRY)
def issue_certified_summary(petition_id: int, actor_id: int | None = None) -> int | None:
    """The certified summary after a certification (the timestamp authority is a network call)."""
    issued = exports.issue_certified_summary(petition_id, actor_id=actor_id)
    return issued.pk if issued else None


@shared_task(name=names.SEND_DEADLINE_REMINDERS, soft_time_limit=120, time_limit=150, **RETRY)
def send_deadline_reminders() -> int:
    """Hourly: remind the commissions of registration and verification deadlines, once each."""
    return deadlines.send_reminders()


@shared_task(name=names.RUN_PETITION_JOB, soft_time_limit=1800, time_limit=1900, **RETRY)
def run_petition_job(job_id: int) -> str | None:
    """A PDF export or bulk invalidation requested in the admin (recall.services.jobs.petition_jobs)."""
    job = petition_jobs.run(job_id)
    return job.state if job else None
