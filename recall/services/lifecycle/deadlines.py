"""The commission's deadlines: registering an application and verifying the submitted
signatures within the policy's days (``registration_days``, ``verification_days``, counted as
``deadline_day_count`` says, over Kazakhstan's public holidays: recall.calendar).

Each petition awaiting a decision carries its due date (``registration_due`` from the day
the application was received, ``verification_due`` from the day the signatures were
submitted). Beat reminds the commission ``reminder_working_days`` working days before, once
per petition, deadline and due date (``DeadlineReminder``); a decision taken after the due
date is recorded as late in the audit log (recall.services.lifecycle.transitions.move).
See docs/domain.md, "Deadlines"."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...calendar import add_days, local_date, working_days_before
from ...models import DeadlineKind, DeadlineReminder, Petition, PetitionState, RecallPolicy, policy_for
from ..notices import outbox
from ..notices.outbox import Outgoing
from ..notices.progress import officials_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    # The petition's due-date column and the states in which it is running.
    field: str
    states: tuple[PetitionState, ...]
    policy_days: str


DEADLINES = (
    Deadline(DeadlineKind.REGISTRATION, "registration_due", (PetitionState.APPLIED,), "registration_days"),
    Deadline(
        DeadlineKind.VERIFICATION,
        "verification_due",
        (PetitionState.SUBMITTED, PetitionState.VERIFYING),
        "verification_days",
    ),
)
BY_KIND = {d.kind: d for d in DEADLINES}


def due_date(policy: RecallPolicy, kind: DeadlineKind, start: dt.date) -> dt.date:
    return add_days(start, getattr(policy, BY_KIND[kind].policy_days), policy.deadline_day_count)


def registration_due(level: str, applied_at: dt.datetime) -> dt.date:
    return due_date(policy_for(level), DeadlineKind.REGISTRATION, local_date(applied_at))


def verification_due(level: str, submitted_at: dt.datetime) -> dt.date:
    return due_date(policy_for(level), DeadlineKind.VERIFICATION, local_date(submitted_at))


def running(petition: Petition) -> tuple[Deadline, dt.date] | None:
    """The deadline the petition is waiting on now, with its due date, or None."""
    for deadline in DEADLINES:
        due = getattr(petition, deadline.field)
        if petition.state in deadline.states and due is not None:
            return deadline, due
    return None


def is_overdue(petition: Petition, today: dt.date | None = None) -> bool:
    current = running(petition)
    return current is not None and current[1] < (today or timezone.localdate())


def overdue_q(today: dt.date | None = None) -> Q:
    """Petitions past a running deadline (for the admin's lists and the dashboard)."""
    today = today or timezone.localdate()
    q = Q(pk__in=[])
    for d in DEADLINES:
        q |= Q(state__in=d.states, **{f"{d.field}__lt": today})
    return q


def due_soon_q(today: dt.date, until: dt.date) -> Q:
    q = Q(pk__in=[])
    for d in DEADLINES:
        q |= Q(state__in=d.states, **{f"{d.field}__gte": today, f"{d.field}__lte": until})
    return q


def overdue(today: dt.date | None = None) -> QuerySet[Petition]:
    return Petition.objects.filter(overdue_q(today))


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(today: dt.date | None = None) -> int:
    """Remind the commissions of deadlines that fall within their policy's reminder period
    (or have passed without a reminder). Safe to run twice: each reminder is claimed by
    inserting its ``DeadlineReminder`` row, and only the run that inserted it sends it."""
    today = today or timezone.localdate()
    sent = 0
    policies = {p.level: p for p in RecallPolicy.objects.all()}
    remind_on: dict[tuple[dt.date, int], dt.date] = {}  # one calendar read per due date, not per petition
    for deadline in DEADLINES:
        candidates = (
            Petition.objects.filter(state__in=deadline.states, **{f"{deadline.field}__isnull": False})
            .exclude(
                Exists(
                    DeadlineReminder.objects.filter(
                        petition=OuterRef("pk"), kind=deadline.kind, due=OuterRef(deadline.field)
                    )
                )
            )
            .select_related("deputy", "district")
        )
        for petition in candidates:
            due = getattr(petition, deadline.field)
            policy = policies.get(petition.district.level) or policy_for(petition.district.level)
            key = (due, policy.reminder_working_days)
            if key not in remind_on:
                remind_on[key] = working_days_before(due, policy.reminder_working_days)
            if today < remind_on[key]:
                continue
            sent += _remind(petition, deadline, due)
    return sent


def _remind(petition: Petition, deadline: Deadline, due: dt.date) -> int:
    """Claim the reminder (its row) and write its e-mails to the notice outbox in one
    transaction: both or neither, and the outbox sends them (recall.services.notices.outbox)."""
    recipients = officials_of(petition)
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _reminder_text(petition, deadline, due)
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(
                petition=petition, kind=deadline.kind, due=due, sent_at=timezone.now(), recipients=len(recipients)
            )
            if recipients:
                outbox.announce(
                    "reminder",
                    petition_id=petition.pk,
                    messages=[Outgoing("email", address, body, subject) for address in recipients],
                )
    except IntegrityError:
        return 0  # another run claimed it
    logger.info(
        "deadline reminder %s for petition %s due %s: %s addresses", deadline.kind, petition.pk, due, len(recipients)
    )
    return 1


def _reminder_text(petition: Petition, deadline: Deadline, due: dt.date) -> tuple[str, str]:
    values = {
        "id": petition.pk,
        "district": petition.district.code,
        "deputy": petition.deputy.name_as_object,
        "due": f"{due:%d.%m.%Y}",
        "url": f"{settings.SITE_URL}/admin/recall/petition/{petition.pk}/change/",
    }
    if deadline.kind == DeadlineKind.REGISTRATION:
        subject = _("Recall petition No. %(id)s (%(district)s): register or refuse the application by %(due)s") % values
        body = (
            _(
                "The application to recall %(deputy)s (%(district)s) must be registered or refused by %(due)s.\n\n%(url)s\n"
            )
            % values
        )
    else:
        subject = _("Recall petition No. %(id)s (%(district)s): certify the verification by %(due)s") % values
        body = (
            _(
                "The signatures submitted to recall %(deputy)s (%(district)s) must be verified and the result "
                "certified by %(due)s.\n\n%(url)s\n"
            )
            % values
        )
    return subject, body
