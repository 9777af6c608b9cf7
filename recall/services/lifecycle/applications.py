"""Applications and registration: an initiative group applies, the commission registers the
application (freezing the requirement and opening the window) or refuses it, and the
initiators may withdraw. See docs/domain.md, "Applying" and "Registering"."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from ... import iin as iin_module
from ... import jurisdiction
from ...calendar import add_months, local_date, local_midnight
from ...constraints import violated
from ...crypto import iin_digest
from ...errors import IllegalTransition, InvalidInput, PolicyViolation
from ...models import (
    FAILED_ATTEMPT_STATES,
    OPEN_STATES,
    DeadlineKind,
    Deputy,
    DeputyStatus,
    InitiativeMember,
    Mandate,
    Petition,
    PetitionState,
    PetitionTransition,
    Voter,
    VoterStatus,
    policy_for,
)
from .. import audit, ledger
from ..notices import outbox
from . import deadlines
from .transitions import move

# Outcomes after which the same deputy cannot face a new attempt for the policy's cooldown.
GROUNDS_LANGUAGES = ("kk", "ru", "en")


def grounds_columns(translations: Mapping[str, str]) -> dict[str, str]:
    """The grounds_text_<language> columns from a {language: text} mapping."""
    unknown = set(translations) - set(GROUNDS_LANGUAGES)
    if unknown:
        raise InvalidInput(
            _("Grounds can be given in Kazakh, Russian and English only."), field="grounds_text", code="invalid"
        )
    return {f"grounds_text_{lang}": (translations.get(lang) or "").strip() for lang in GROUNDS_LANGUAGES}


def required_signatures(registered_voters: int, threshold_percent: Decimal) -> int:
    """The threshold is a percentage of the district's registered voters, rounded up."""
    return math.ceil(Decimal(registered_voters) * Decimal(threshold_percent) / 100)


def apply(
    *,
    deputy: Deputy,
    grounds_category: str,
    grounds_text: str,
    initiative_iins: Iterable[str],
    contact_email: str = "",
    actor: Any | None,
    applied_at: dt.datetime | None = None,
    grounds_translations: Mapping[str, str] | None = None,
    check_members: bool = True,
) -> Petition:
    """Record an initiative group's application (the commission then registers or refuses it).
    ``grounds_translations``: the statement in each language it was given in ({"kk": ...}),
    shown in the page's language; ``grounds_text`` is the statement as applied.
    ``check_members=False`` (a group's own submission): members the register gives no place in
    the group are recorded as named, for the commission to see at registration; an official's
    entry is refused at once instead."""
    jurisdiction.authorize(actor, deputy.district_id)
    members = check_application(deputy=deputy, initiative_iins=initiative_iins, check_members=check_members)
    policy = policy_for(deputy.level)
    applied_at = applied_at or timezone.now()
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                deputy=deputy,
                district_id=deputy.district_id,
                grounds_category=grounds_category,
                grounds_text=grounds_text.strip(),
                **grounds_columns(grounds_translations or {}),
                contact_email=contact_email,
                applied_at=applied_at,
                registration_due=deadlines.due_date(policy, DeadlineKind.REGISTRATION, local_date(applied_at)),
            )
            InitiativeMember.objects.bulk_create(
                InitiativeMember(petition=petition, iin_digest=digest, voter=voter, is_leader=(i == 0))
                for i, (digest, voter) in enumerate(members)
            )
            audit.record("petition.applied", actor=actor, petition_id=petition.pk, obj=petition, members=len(members))
            if User.objects.filter(deputy_id=deputy.pk).exists():
                outbox.announce("deputy", petition.pk, PetitionState.APPLIED, petition_id=petition.pk)
    except IntegrityError as exc:
        if violated(exc, Petition, "one_open_petition_per_deputy"):
            raise PolicyViolation(
                _("This deputy already faces an open recall petition."), field="deputy", code="open_petition_exists"
            ) from exc
        raise
    return petition


def check_application(
    *, deputy: Deputy, initiative_iins: Iterable[str], check_members: bool = True
) -> list[tuple[str, Voter | None]]:
    """Raise if the application cannot be recorded; return the initiative group's members as
    (IIN digest, register row or None), the first the leader."""
    check_application_deputy(deputy)
    return _initiative_voters(initiative_iins, district_id=deputy.district_id, strict=check_members)


def check_application_deputy(deputy: Deputy) -> None:
    """Raise unless voters may apply to recall this deputy: single-member mandate, serving, no open petition."""
    if deputy.mandate != Mandate.SINGLE:
        raise PolicyViolation(
            _("Only deputies elected in single-member districts can be recalled by voters."),
            field="deputy",
            code="not_recallable",
        )
    if deputy.status != DeputyStatus.SERVING:
        raise PolicyViolation(_("This deputy no longer holds the mandate."), field="deputy", code="not_recallable")
    if Petition.objects.filter(deputy=deputy, state__in=OPEN_STATES).exists():
        raise PolicyViolation(
            _("This deputy already faces an open recall petition."), field="deputy", code="open_petition_exists"
        )


def _initiative_voters(iins: Iterable[str], *, district_id: int, strict: bool) -> list[tuple[str, Voter | None]]:
    digests: list[str] = []
    for raw in iins:
        raw = raw.strip()
        if not raw:
            continue
        try:
            digests.append(iin_digest(iin_module.validate(raw)))
        except iin_module.InvalidIIN as exc:
            raise InvalidInput(
                _("Initiative group: %(iin)s is not a valid IIN.") % {"iin": iin_module.mask(raw)},
                field="initiative_iins",
                code="invalid_iin",
            ) from exc
    if not digests:
        raise InvalidInput(_("List the initiative group's members."), field="initiative_iins", code="required")
    found = {v.iin_digest: v for v in Voter.objects.filter(iin_digest__in=digests)}
    problems = []
    for digest in dict.fromkeys(digests):
        voter = found.get(digest)
        if voter is None:
            problems.append(_("a member is not in the voter register"))
        elif voter.district_id != district_id:
            problems.append(_("a member is registered in another district"))
        elif voter.status != VoterStatus.ACTIVE:
            problems.append(_("a member has no right to vote"))
    if problems and strict:
        raise InvalidInput(
            _("Initiative group: %(problems)s.") % {"problems": "; ".join(sorted(set(map(str, problems))))},
            field="initiative_iins",
            code="invalid_initiative_group",
        )
    return [(d, found.get(d)) for d in dict.fromkeys(digests)]


def registration_problems(petition: Petition, *, window_start: dt.datetime) -> list[str]:
    """Why the commission may not register this application now (empty: it may)."""
    deputy = petition.deputy
    policy = policy_for(petition.district.level)
    problems = []
    start_day = local_date(window_start)
    earliest = add_months(deputy.term_start, policy.no_recall_after_start_months)
    latest = add_months(deputy.term_end, -policy.no_recall_before_end_months)
    if start_day < earliest:
        problems.append(
            _("A recall may not start before %(date)s (the first %(months)s months of the term).")
            % {"date": earliest.isoformat(), "months": policy.no_recall_after_start_months}
        )
    if start_day >= latest:
        problems.append(
            _("A recall may not start after %(date)s (the last %(months)s months of the term).")
            % {"date": latest.isoformat(), "months": policy.no_recall_before_end_months}
        )
    if policy.cooldown_months:
        cutoff = local_midnight(add_months(start_day, -policy.cooldown_months))
        if (
            PetitionTransition.objects.filter(
                petition__deputy=deputy, to_state__in=FAILED_ATTEMPT_STATES, at__gte=cutoff
            )
            .exclude(petition=petition)
            .exists()
        ):
            problems.append(
                _("An earlier recall attempt against this deputy ended less than %(months)s months ago.")
                % {"months": policy.cooldown_months}
            )
    members = InitiativeMember.objects.filter(
        petition=petition, voter__district=petition.district_id, voter__status=VoterStatus.ACTIVE
    ).count()
    if members < policy.initiative_group_min:
        problems.append(
            _("The initiative group has %(n)s eligible members; the policy requires %(min)s.")
            % {"n": members, "min": policy.initiative_group_min}
        )
    if petition.district.registered_voters <= 0:
        problems.append(_("The district's voter register is empty; import it first."))
    return problems


def register(
    petition: Petition, *, actor: Any | None, window_start: dt.date | None = None, reason: str = ""
) -> Petition:
    """Register the application: freeze the requirement and open the collection window."""
    jurisdiction.authorize(actor, petition.district_id)
    now = timezone.now()
    start = max(now, local_midnight(window_start)) if window_start else now
    problems = registration_problems(petition, window_start=start)
    if problems:
        raise PolicyViolation(" ".join(map(str, problems)), code="registration_refused")
    policy = policy_for(petition.district.level)
    voters = petition.district.registered_voters
    required = required_signatures(voters, policy.threshold_percent)
    with transaction.atomic():
        petition = move(
            petition,
            "register",
            actor=actor,
            reason=reason,
            updates={
                "registered_voters": voters,
                "threshold_percent": policy.threshold_percent,
                "required_signatures": required,
                "window_start": start,
                "window_end": start + dt.timedelta(days=policy.collection_days),
            },
        )
        # The rule the petition is held to, in the public ledger before its first signature:
        # the sample's size and the projection's bands cannot be tuned to the signatures later.
        ledger.append_policy(petition.pk, policy, required)
        ledger.sign_checkpoint(petition.pk)
    if petition.window_start <= now:
        petition = move(petition, "open_window", actor=None, reason=_("window opened"))
    return petition


def refuse(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    return move(petition, "refuse", actor=actor, reason=reason)


def withdraw(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    """The initiators withdraw (recorded by an official on their written request)."""
    return move(petition, "withdraw", actor=actor, reason=reason)


# What officials may edit on an application (the admin's form and its "Grounds" section); once
# it is registered, only the group's e-mail.
EDITABLE_WHILE_APPLIED = (
    "grounds_category",
    "grounds_text",
    "grounds_text_kk",
    "grounds_text_ru",
    "grounds_text_en",
    "contact_email",
)


def update_details(petition: Petition, *, actor: Any | None, **changes: str) -> Petition:
    """Change what officials may edit: the group's e-mail, and while the application is not
    yet registered, its grounds (the deputy's answer is published in versions:
    recall.services.groups.deputies.publish_answer). Only these columns are written, so counts
    and states the workers wrote meanwhile are never overwritten."""
    jurisdiction.authorize(actor, petition.district_id)
    allowed = ("contact_email", *(EDITABLE_WHILE_APPLIED if petition.state == PetitionState.APPLIED else ()))
    unknown = set(changes) - set(allowed)
    if unknown:
        raise IllegalTransition(
            _("These details cannot be changed in the petition's current state: %(f)s.") % {"f": ", ".join(unknown)}
        )
    updates: dict[str, Any] = dict(changes)
    with transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(updated_at=timezone.now(), **updates)
        audit.record(
            "petition.details_changed", actor=actor, petition_id=petition.pk, obj=petition, fields=sorted(changes)
        )
    petition.refresh_from_db()
    return petition
