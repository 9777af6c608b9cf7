"""Heavy work on a petition, run by a worker instead of the request: the PDF of a large
petition's signatures and a bulk invalidation. The official sees the progress and may cancel.

A job is claimed by a conditional UPDATE (pending -> running), so a re-delivered task does
nothing. Cancelling a pending job ends it at once; a running one is asked to stop
(``cancel_requested_at``) and stops at its next progress report: a bulk invalidation is one
transaction, so a cancelled one changes nothing; a cancelled PDF leaves no file.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import jurisdiction, task_names
from ...errors import TRANSIENT_DATABASE_ERRORS, DomainError, IllegalTransition, OutsideJurisdiction
from ...models import Petition, PetitionJob, PetitionJobKind, PetitionJobState
from .. import audit, queue
from ..verification import review
from . import exports, job_progress
from .uploads import Lease, lease_end

logger = logging.getLogger(__name__)

# A running job reads its cancel flag at most this often (seconds).
CANCEL_POLL_SECONDS = 1.0


class JobCancelled(Exception):
    """Raised from a job's progress report once an official has cancelled it."""


def runs_in_background(petition: Petition) -> bool:
    """The PDF of a petition this large is made by a worker (RECALL_SYNC_EXPORT_MAX_SIGNATURES)."""
    return petition.all_received > settings.RECALL_SYNC_EXPORT_MAX_SIGNATURES


def request_signatures_pdf(petition: Petition, *, actor: Any) -> PetitionJob:
    """A reading, not a change: an observer of the district may ask for it too."""
    if not (jurisdiction.is_member(actor) and jurisdiction.covers(actor, petition.district_id)):
        raise OutsideJurisdiction(_("This petition is not in your jurisdiction."))
    return _queue(PetitionJobKind.SIGNATURES_PDF, petition, actor, {})


def request_bulk_invalidation(
    criteria: review.Criteria, *, actor: Any, ground: str, note: str, expected: int
) -> PetitionJob:
    petition = review.check_bulk_invalidation(criteria, actor=actor, ground=ground, note=note)
    params = {
        "criteria": {k: _plain(v) for k, v in criteria.__dict__.items()},
        "ground": ground,
        "note": note.strip(),
        "expected": expected,
    }
    return _queue(PetitionJobKind.BULK_INVALIDATION, petition, actor, params)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _queue(kind: str, petition: Petition, actor: Any, params: dict[str, Any]) -> PetitionJob:
    job = PetitionJob.objects.create(kind=kind, petition=petition, requested_by=actor, params=params)
    queue.after_commit(task_names.RUN_PETITION_JOB, job.pk)
    return job


def cancel(job_id: int, *, actor: Any) -> PetitionJob:
    """Cancel a pending job now, or ask a running one to stop. A finished job cannot be cancelled."""
    job = PetitionJob.objects.select_related("petition").get(pk=job_id)
    if actor is None or actor.pk != job.requested_by_id:  # one's own export, even as an observer
        jurisdiction.authorize(actor, job.petition.district_id)
    now = timezone.now()
    if PetitionJob.objects.filter(pk=job_id, state=PetitionJobState.PENDING).update(
        state=PetitionJobState.CANCELLED, cancel_requested_at=now, cancelled_by=actor, finished_at=now
    ) or PetitionJob.objects.filter(pk=job_id, state=PetitionJobState.RUNNING, cancel_requested_at__isnull=True).update(
        cancel_requested_at=now, cancelled_by=actor
    ):
        audit.record("job.cancelled", actor=actor, petition_id=job.petition_id, obj=job, kind=job.kind)
    elif job.is_final:
        raise IllegalTransition(_("This job has already ended."), code="job_final")
    job.refresh_from_db()
    return job


def progress_of(job: PetitionJob) -> tuple[int, int]:
    """(done, total): the worker's last report while it runs (cache), else the stored counts."""
    if job.state == PetitionJobState.RUNNING:
        return job_progress.get(job) or (0, 0)
    return job.processed, job.total


def run(job_id: int) -> PetitionJob | None:
    """The worker's side: claim the job, do it, record the outcome. Safe to run twice."""
    if not PetitionJob.objects.filter(pk=job_id, state=PetitionJobState.PENDING).update(
        state=PetitionJobState.RUNNING, started_at=timezone.now(), leased_until=lease_end(), attempts=F("attempts") + 1
    ):
        return None  # cancelled, already run, or running in another worker
    lease = Lease(PetitionJob, job_id)
    lease.start()
    try:
        return _run(job_id)
    finally:
        lease.done.set()
        lease.join(timeout=5)


def _run(job_id: int) -> PetitionJob | None:
    job = PetitionJob.objects.select_related("petition__deputy", "petition__district", "requested_by").get(pk=job_id)
    last_poll = 0.0
    reported = [0, 0]

    def progress(done: int, total: int) -> None:
        nonlocal last_poll
        reported[:] = [done, total]
        job_progress.set(job, done, total)
        if time.monotonic() - last_poll >= CANCEL_POLL_SECONDS:
            last_poll = time.monotonic()
            if PetitionJob.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists():
                raise JobCancelled

    try:
        outcome = _WORK[job.kind](job, progress)
    except JobCancelled:
        return _finish(job, state=PetitionJobState.CANCELLED, processed=reported[0], total=reported[1])
    except DomainError as error:
        return _finish(job, state=PetitionJobState.FAILED, error=str(error.message), total=reported[1])
    except ImproperlyConfigured as error:  # no font with Kazakh letters on the worker
        return _finish(job, state=PetitionJobState.FAILED, error=str(error))
    except TRANSIENT_DATABASE_ERRORS:
        PetitionJob.objects.filter(pk=job_id).update(state=PetitionJobState.PENDING, started_at=None, leased_until=None)
        raise
    except Exception:
        _finish(job, state=PetitionJobState.FAILED, error=_("Internal error; see the log."))
        raise
    return _finish(job, state=PetitionJobState.DONE, **outcome)


def _signatures_pdf(job: PetitionJob, progress: Any) -> dict[str, Any]:
    content = exports.signatures_pdf(job.petition, progress=progress)
    total = job_progress.get(job) or (0, 0)
    job.file.save(f"petition-{job.petition_id}-signatures-{job.pk}.pdf", ContentFile(content), save=False)
    return {"file": job.file.name, "total": total[1], "processed": total[1], "result": {"bytes": len(content)}}


def _bulk_invalidation(job: PetitionJob, progress: Any) -> dict[str, Any]:
    p = job.params
    criteria = review.Criteria(**{**p["criteria"], **_dates(p["criteria"])})
    done = review.bulk_invalidate(
        criteria,
        actor=job.requested_by,
        ground=p["ground"],
        note=p["note"],
        expected=p["expected"],
        progress=progress,
    )
    return {"total": done, "processed": done, "result": {"invalidated": done}}


def _dates(criteria: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    return {
        key: dt.datetime.fromisoformat(criteria[key]) for key in ("received_from", "received_to") if criteria.get(key)
    }


_WORK = {
    PetitionJobKind.SIGNATURES_PDF: _signatures_pdf,
    PetitionJobKind.BULK_INVALIDATION: _bulk_invalidation,
}


def _finish(job: PetitionJob, *, state: str, **fields: Any) -> PetitionJob:
    PetitionJob.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    logger.info("petition job %s (%s) %s", job.pk, job.kind, state)
    return job


def purge_petition_files(petition_id: int) -> int:
    """Delete every file the petition's jobs made (its purge: the PDFs hold names and masked
    IINs), whatever their age or state."""
    purged = 0
    for job in PetitionJob.objects.filter(petition_id=petition_id).exclude(file=""):
        job.file.delete(save=False)
        PetitionJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged


def purge_files(older_than: Any) -> int:
    """Delete the PDFs of jobs that ended before ``older_than`` (they hold IINs)."""
    purged = 0
    for job in PetitionJob.objects.filter(finished_at__lt=older_than).exclude(file=""):
        job.file.delete(save=False)
        PetitionJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged


def recover_stale_jobs(now: Any | None = None) -> dict[str, int]:
    """Beat: a running job whose lease ran out lost its worker (uploads.Lease). Put it back to
    pending and queue it again while it has runs left; else fail it, saying why. A bulk
    invalidation is one transaction, so a dead worker's run changed nothing."""
    now = now or timezone.now()
    taken, failed = 0, 0
    stale = PetitionJob.objects.filter(state=PetitionJobState.RUNNING, leased_until__lt=now)
    for job in stale.select_related("petition__deputy", "petition__district", "requested_by"):
        still_stale = {"pk": job.pk, "state": PetitionJobState.RUNNING, "leased_until__lt": now}
        if job.attempts < settings.RECALL_JOB_ATTEMPTS:
            if PetitionJob.objects.filter(**still_stale).update(
                state=PetitionJobState.PENDING, started_at=None, leased_until=None
            ):
                queue.after_commit(task_names.RUN_PETITION_JOB, job.pk)
                taken += 1
        elif PetitionJob.objects.filter(**still_stale).exists():
            message = _("The worker running this job stopped %(n)s times; nothing was changed. Request it again.")
            _finish(job, state=PetitionJobState.FAILED, error=message % {"n": job.attempts})
            failed += 1
    return {"taken_over": taken, "failed": failed}
