"""How long a petition's personal data is kept, and its destruction by crypto-shredding.

A petition's personal data is kept while the petition is open, then for the appeals period and
the retention period of its level's policy (``RecallPolicy.appeal_days`` / ``retention_days``),
counted from the moment it reached its final state (refused, withdrawn, expired, insufficient,
retained, recalled, mandate ended). Then ``purge`` destroys it in one transaction:

- the petition's data key (recall.crypto): every token made with it, in this database and in
  every backup of it, can never be decrypted again;
- the ciphertexts themselves and every digest that links a signature to a voter (the IIN,
  name-word and birth digests, the partner's request fingerprint), the EDS material;
- its one-time-code and EDS requests, the initiative group's membership and phone numbers, the
  collectors' names, the group's e-mail, the paper imports' error lines.

What stays is anonymous: each signature's channel, state, ground, days and receipt code (a
random code only its holder can link to anyone), the counts, the decisions, the daily series
and the public ledger, which still verifies (the ledger holds only commitments and days).

Running it twice is harmless: the petition row is locked, and a petition already purged is
skipped. The nightly beat job and ``manage.py purge_personal_data`` both call ``purge_due``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ...errors import InvalidInput
from ...models import (
    AWAITING_WORKERS,
    FINAL_STATES,
    CodeRequest,
    EdsStatement,
    GroupCode,
    GroupDraft,
    GroupDraftMember,
    GroupInvitation,
    InitiativeMember,
    Notice,
    NoticeMessage,
    OutcomeSubscription,
    PaperImport,
    Petition,
    PetitionDataKey,
    PetitionFollower,
    PetitionTransition,
    SheetBatch,
    Signature,
    policy_for,
)
from .. import audit
from ..jobs import petition_jobs
from . import keys

logger = logging.getLogger(__name__)

ACTION = "petition.personal_data_purged"


def final_at(petition: Petition) -> dt.datetime | None:
    """When the petition reached the final state it is in; None while it is open."""
    if petition.state not in FINAL_STATES:
        return None
    stamp = getattr(petition, "final_state_at", None)
    if stamp is not None:
        return stamp
    return PetitionTransition.objects.filter(petition=petition, to_state=petition.state).aggregate(at=Max("at"))["at"]


def purge_date(petition: Petition, *, at: dt.datetime | None = None) -> dt.date | None:
    """The day the petition's personal data is destroyed: the final state's day plus the
    appeals period plus the retention period of its level (None while it is open)."""
    at = at or final_at(petition)
    if at is None:
        return None
    policy = policy_for(petition.district.level)
    return timezone.localdate(at) + dt.timedelta(days=policy.appeal_days + policy.retention_days)


def destroyed_at(petition: Petition) -> dt.datetime | None:
    return PetitionDataKey.objects.filter(petition=petition).values_list("destroyed_at", flat=True).first()


@dataclass(frozen=True)
class Due:
    petition: Petition
    purge_date: dt.date
    signatures: int


def with_purge_facts(petitions: QuerySet[Petition]) -> QuerySet[Petition]:
    """Petitions annotated with when they reached their final state (``final_state_at``) and
    when their personal data was destroyed (``data_key_destroyed_at``): one query for a list."""
    last_final = (
        PetitionTransition.objects.filter(petition=OuterRef("pk"), to_state=OuterRef("state"))
        .order_by("-at")
        .values("at")[:1]
    )
    return petitions.annotate(final_state_at=Subquery(last_final), data_key_destroyed_at=F("data_key__destroyed_at"))


def due(as_of: dt.date | None = None) -> list[Due]:
    """Final petitions whose purge date is on or before ``as_of`` (today), not yet purged,
    with their number of signatures: what a purge run would destroy."""
    as_of = as_of or timezone.localdate()
    petitions = (
        with_purge_facts(Petition.objects.filter(state__in=FINAL_STATES))
        .filter(data_key_destroyed_at__isnull=True, final_state_at__isnull=False)
        .select_related("deputy", "district")
        .annotate(signature_total=Count("signatures"))
        .order_by("pk")
    )
    found = []
    for petition in petitions:
        day = purge_date(petition, at=petition.final_state_at)
        if day is not None and day <= as_of:
            found.append(Due(petition, day, petition.signature_total))
    return found


_CLEAR_SIGNATURES = """
    UPDATE recall_signature SET
        personal = NULL, eds_cms = NULL, voter_digest = NULL,
        name_digest = '', birth_digest = '', name_tokens = '{}', name_near = '{}',
        name_parts = NULL, request_hash = '', idempotency_key = NULL, collector = ''
    WHERE petition_id = %s
"""


def purge(
    petition_id: int, *, actor: Any | None = None, system_label: str = audit.SYSTEM, as_of: dt.date | None = None
) -> int | None:
    """Destroy the petition's personal data (see the module's text) if its purge date has
    come by ``as_of`` (today). Returns the number of signatures purged, or None when there was
    nothing to do (already purged, or raced by another run). Raises InvalidInput for a
    petition that is open or whose purge date is still ahead."""
    with transaction.atomic():
        # The lock serialises two runs: the second sees the destroyed key and does nothing.
        petition = Petition.objects.select_for_update(of=("self",)).select_related("district").get(pk=petition_id)
        if PetitionDataKey.objects.filter(petition_id=petition_id, destroyed_at__isnull=False).exists():
            return None
        day = purge_date(petition)
        if day is None:
            raise InvalidInput(_("The petition is still open: its personal data is kept."), code="petition_open")
        if day > (as_of or timezone.localdate()):
            raise InvalidInput(
                _("The personal data of this petition is kept until %(date)s.") % {"date": day}, code="not_due"
            )
        if Signature.objects.filter(petition_id=petition_id, state__in=AWAITING_WORKERS).exists():
            # Verification would judge them without the data (and change the counts after the purge).
            raise InvalidInput(
                _("Some signatures of this petition still await verification: its personal data is kept until then."),
                code="awaiting_verification",
            )
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(_CLEAR_SIGNATURES, [petition_id])
            signatures = cursor.rowcount
        challenges, _rows = CodeRequest.objects.filter(petition_id=petition_id).delete()
        statements, _rows = EdsStatement.objects.filter(petition_id=petition_id).delete()
        members, _rows = InitiativeMember.objects.filter(petition_id=petition_id).delete()
        # A signer's wish to hear the outcome (and the page language it was asked in).
        OutcomeSubscription.objects.filter(petition_id=petition_id).delete()
        # Those who followed the petition without signing: their addresses and digests.
        PetitionFollower.objects.filter(petition_id=petition_id).delete()
        # The notice outbox's messages (addresses and texts) and their announcements.
        NoticeMessage.objects.filter(petition_id=petition_id).delete()
        Notice.objects.filter(petition_id=petition_id).delete()
        drafts = GroupDraft.objects.filter(petition_id=petition_id)
        GroupCode.objects.filter(Q(draft__in=drafts) | Q(invitation__draft__in=drafts)).delete()
        GroupInvitation.objects.filter(draft__in=drafts).delete()
        SheetBatch.objects.filter(petition_id=petition_id).update(collector="", issued_by=None)
        GroupDraftMember.objects.filter(draft__in=drafts).delete()
        drafts.update(contact_email="")
        PaperImport.objects.filter(petition_id=petition_id).update(errors=[])
        Petition.objects.filter(pk=petition_id).update(contact_email="")
        # The key last: the rows above no longer need it. Insert-or-update, for a petition
        # that never had a key (nothing was encrypted for it).
        PetitionDataKey.objects.bulk_create(
            [PetitionDataKey(petition_id=petition_id, wrapped_key=None, destroyed_at=now)],
            update_conflicts=True,
            unique_fields=["petition"],
            update_fields=["wrapped_key", "destroyed_at"],
        )
        audit.record(
            ACTION,
            actor=actor,
            system_label=system_label,
            petition_id=petition_id,
            obj=petition,
            signatures=signatures,
            challenges=challenges,
            eds_statements=statements,
            initiative_members=members,
            purge_date=day.isoformat(),
        )
    keys.forget_data_keys()
    # Files last, once the rows are gone: a background export's PDF holds names and masked IINs.
    petition_jobs.purge_petition_files(petition_id)
    return signatures


def clear_expired_sessions() -> None:
    """Daily (beat): expired sessions hold receipts and group member ids; Django keeps them
    until ``clearsessions`` runs (the session engine's own clean-up)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@dataclass(frozen=True)
class Run:
    due: list[Due]
    purged: dict[int, int]
    # Petitions due but kept for now, with the reason (signatures still awaiting verification).
    skipped: dict[int, str] = field(default_factory=dict)


def purge_due(
    *, as_of: dt.date | None = None, dry_run: bool = False, actor: Any | None = None, system_label: str = audit.SYSTEM
) -> Run:
    """Purge every petition due by ``as_of`` (today); a dry run only lists them."""
    found = due(as_of)
    purged: dict[int, int] = {}
    skipped: dict[int, str] = {}
    if not dry_run:
        for item in found:
            try:
                done = purge(item.petition.pk, actor=actor, system_label=system_label, as_of=as_of)
            except InvalidInput as error:  # one petition kept must not stop the others
                logger.warning("personal data of petition %s kept: %s", item.petition.pk, error.message)
                skipped[item.petition.pk] = str(error.message)
                continue
            if done is not None:
                purged[item.petition.pk] = done
    return Run(found, purged, skipped)
