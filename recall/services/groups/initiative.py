"""An initiative group applies on the web: a voter of the district starts the application,
invites members by link, each member confirms with their own one-time code, and the initiator
submits once the policy's minimum is reached. Submitting goes through
``lifecycle.apply``, so the application reaches the commission as "applied" with its
registration deadline exactly as one an official enters. See docs/domain.md, "Applying".

Every person is checked against the district's register when they confirm, not only when they
type their IIN: the register may change in between.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ... import task_names
from ...calendar import add_months, local_date, local_midnight
from ...crypto import iin_digest
from ...crypto import phone_digest as digest_of_phone
from ...errors import InvalidInput, NotFound, PolicyViolation
from ...models import (
    FAILED_ATTEMPT_STATES,
    Channel,
    Deputy,
    GroundsCategory,
    GroupCode,
    GroupCodePurpose,
    GroupDraft,
    GroupDraftMember,
    GroupInvitation,
    Petition,
    PetitionTransition,
    Signature,
    Voter,
    policy_for,
)
from ...notifications import sms
from ...phones import mask_phone, normalize_phone
from .. import audit, queue, signing
from ..lifecycle import applications
from ..signing.codes import CodeFailed, _code_hash, _new_code, phone_limits, valid_minutes

LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class Started:
    token: str
    phone_masked: str


# --- Checks -------------------------------------------------------------------------------------


def check_deputy(deputy: Deputy, *, on: dt.date | None = None) -> None:
    """Raise if voters may not start a recall of this deputy today: the mandate (single-member
    only), an open petition, the moratorium at the start and end of the term, the cooldown after
    a failed attempt. The commission checks the same again when it registers."""
    applications.check_application_deputy(deputy)
    policy = policy_for(deputy.level)
    today = on or local_date(timezone.now())
    earliest = add_months(deputy.term_start, policy.no_recall_after_start_months)
    latest = add_months(deputy.term_end, -policy.no_recall_before_end_months)
    if today < earliest or today >= latest:
        raise PolicyViolation(
            _("A recall of this deputy may be started only between %(start)s and %(end)s.")
            % {"start": earliest.isoformat(), "end": (latest - dt.timedelta(days=1)).isoformat()},
            field="deputy",
            code="moratorium",
        )
    if policy.cooldown_months:
        cutoff = local_midnight(add_months(today, -policy.cooldown_months))
        last = (
            PetitionTransition.objects.filter(
                petition__deputy=deputy, to_state__in=FAILED_ATTEMPT_STATES, at__gte=cutoff
            )
            .order_by("-at")
            .first()
        )
        if last is not None:
            again = add_months(local_date(last.at), policy.cooldown_months)
            raise PolicyViolation(
                _("An earlier recall attempt against this deputy ended recently; another may start on %(date)s.")
                % {"date": again.isoformat()},
                field="deputy",
                code="cooldown",
            )


def _register_row(number: str) -> Voter | None:
    """The register's row of this (well-formed) IIN, whatever it says, or None. Nothing in the
    group's pages or answers depends on it: the commission checks each member's right to vote
    in the district when it registers the application (``applications.registration_problems``),
    so typing an IIN, with or without a code, tells nobody what the register holds about it."""
    return Voter.objects.filter(iin_digest=iin_digest(number)).first()


def _member_voter(voter_id: int | None) -> Voter | None:
    return Voter.objects.filter(pk=voter_id).first() if voter_id else None


def clean_grounds(grounds: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: (grounds.get(lang) or "").strip() for lang in LANGUAGES}
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    if not cleaned:
        raise InvalidInput(_("State the grounds in at least one language."), field="grounds_kk", code="required")
    return cleaned


# --- One-time codes -----------------------------------------------------------------------------


def _check_limit(voter_digest: str, phone_digest: str) -> None:
    """The signing codes' limits (recall.services.signing.codes): per IIN and number pair in a
    day, and per number in the hour, per client address and in all."""
    since = timezone.now() - dt.timedelta(days=1)
    recent = GroupCode.objects.filter(voter_digest=voter_digest, phone_digest=phone_digest, created_at__gte=since)
    if recent.count() >= settings.RECALL_OTP_PER_PAIR_PER_DAY:
        raise CodeFailed(
            _("Too many confirmation requests for this IIN and phone number today; try again tomorrow."),
            field="iin",
            code="too_many_requests",
        )
    refusal = phone_limits("group", phone_digest)
    if refusal is not None:
        raise CodeFailed(str(refusal), field="phone", code="too_many_requests")


def _create_code(
    *, purpose: str, voter: Voter | None, number: str, phone: str, payload: dict, **links: object
) -> Started:
    """``voter``: the IIN's register row, if any; the request is the same either way."""
    phone_digest = digest_of_phone(phone)
    voter_digest = iin_digest(number)
    _check_limit(voter_digest, phone_digest)
    now = timezone.now()
    with transaction.atomic():
        code = GroupCode.objects.create(
            token=secrets.token_urlsafe(32),
            purpose=purpose,
            voter_digest=voter_digest,
            phone_digest=phone_digest,
            payload={**payload, "phone": phone, "iin": number, "voter_id": voter.pk if voter else None},
            phone_masked=mask_phone(phone),
            language=translation.get_language() or settings.LANGUAGE_CODE,
            expires_at=now + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS),
            **links,
        )
        queue.after_commit(task_names.SEND_GROUP_CODE, code.pk, inline_if_down=True)
    return Started(code.token, code.phone_masked)


def send_code(code_id: int) -> str:
    """Run by the notification worker: a fresh code, kept as an HMAC, texted in the page's language."""
    record = GroupCode.objects.filter(pk=code_id, completed_at__isnull=True).first()
    if record is None or record.expires_at <= timezone.now():
        return "nothing"
    code = _new_code()
    if not GroupCode.objects.filter(pk=record.pk, completed_at__isnull=True).update(
        code_hash=_code_hash(record.token, code)
    ):
        return "nothing"
    with translation.override(record.language):
        sms.send(record.payload["phone"], code_message(record, code))
    return "code"


def code_message(record: GroupCode, code: str) -> str:
    """The service, the act the code confirms and the deputy it concerns, and for how long:
    a code asked for by someone else is then not typed in blindly."""
    minutes = valid_minutes()
    values = {
        "service": _("Deputy recall petitions"),
        "code": code,
        "valid": ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes},
    }
    if record.purpose == GroupCodePurpose.ENTER:
        text = _("%(service)s: code %(code)s to OPEN your initiative group's page. Valid for %(valid)s.")
    else:
        if record.purpose == GroupCodePurpose.START:
            deputy = Deputy.objects.select_related("district").filter(pk=record.payload.get("deputy_id")).first()
            text = _(
                "%(service)s: code %(code)s to START an application to recall %(deputy)s (%(district)s) as its "
                "initiator. Valid for %(valid)s."
            )
        else:
            draft = GroupDraft.objects.select_related("deputy__district").filter(pk=record.draft_id).first()
            deputy = draft.deputy if draft else None
            text = _(
                "%(service)s: code %(code)s to JOIN the initiative group for the recall of %(deputy)s (%(district)s). "
                "Valid for %(valid)s."
            )
        values["deputy"] = deputy.name_as_object if deputy else ""
        values["district"] = deputy.district.name_local if deputy else ""
    return (text % values) + " " + _("Do not share it.")


def code_by_token(token: str) -> GroupCode | None:
    return GroupCode.objects.filter(token=token, completed_at__isnull=True).first()


def pending(token: str, purpose: str) -> GroupCode:
    record = GroupCode.objects.filter(token=token, purpose=purpose, completed_at__isnull=True).first()
    if record is None:
        raise NotFound(_("This confirmation has already been used or does not exist; start again."))
    return record


def _confirm(token: str, purpose: str, code: str) -> GroupCode:
    record = pending(token, purpose)
    if record.expires_at <= timezone.now():
        raise CodeFailed(_("The code has expired. Ask for a new one."), code="code_expired")
    # The attempt is counted first and conditionally: parallel guesses cannot exceed the limit.
    if not GroupCode.objects.filter(
        pk=record.pk, attempts__lt=settings.RECALL_OTP_MAX_ATTEMPTS, completed_at__isnull=True
    ).update(attempts=F("attempts") + 1):
        raise CodeFailed(_("Too many wrong codes. Start again."), code="too_many_attempts")
    digits = re.sub(r"\D", "", code or "")
    if not record.code_hash or not hmac.compare_digest(record.code_hash, _code_hash(record.token, digits)):
        raise CodeFailed(_("The code is not correct."), code="wrong_code")
    if not GroupCode.objects.filter(pk=record.pk, completed_at__isnull=True).update(completed_at=timezone.now()):
        raise NotFound(_("This confirmation has already been used; start again."))
    return record


# --- Starting, inviting, joining, submitting ----------------------------------------------------


def start_application(
    *, deputy_id: int, grounds_category: str, grounds: dict[str, str], iin: str, phone: str, contact_email: str = ""
) -> Started:
    deputy = Deputy.objects.filter(pk=deputy_id).first()
    if deputy is None:
        raise InvalidInput(_("Choose the deputy."), field="deputy", code="required")
    if grounds_category not in GroundsCategory.values:
        raise InvalidInput(_("Choose the grounds."), field="grounds_category", code="required")
    check_deputy(deputy)
    texts = clean_grounds(grounds)
    phone = normalize_phone(phone)
    number = signing.check_iin(iin)  # its form only: the register is the commission's to check
    voter = _register_row(number)
    payload = {"deputy_id": deputy.pk, "category": grounds_category, "grounds": texts, "email": contact_email}
    return _create_code(purpose=GroupCodePurpose.START, voter=voter, number=number, phone=phone, payload=payload)


def confirm_application(token: str, code: str) -> GroupDraftMember:
    """The initiator's code: the draft exists from now on, with its initiator as leader."""
    record = _confirm(token, GroupCodePurpose.START, code)
    data = record.payload
    deputy = Deputy.objects.get(pk=data["deputy_id"])
    check_deputy(deputy)
    with transaction.atomic():
        draft = GroupDraft.objects.create(
            deputy=deputy,
            grounds_category=data["category"],
            grounds=data["grounds"],
            contact_email=data["email"],
            language=record.language,
        )
        leader = GroupDraftMember.objects.create(
            draft=draft,
            iin_digest=record.voter_digest,
            voter=_member_voter(data["voter_id"]),
            is_leader=True,
            contact={"phone": data["phone"], "iin": data["iin"]},
        )
        audit.record("group.started", actor=None, obj=draft, deputy_id=deputy.pk)
    return leader


def purge_abandoned(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily (beat): an application never submitted within RECALL_GROUP_DRAFT_DAYS is deleted
    with its members (their phones), invitations and code requests; code requests older than a
    day (what a voter typed) go whatever their draft."""
    now = now or timezone.now()
    abandoned = GroupDraft.objects.filter(
        submitted_at__isnull=True, created_at__lt=now - dt.timedelta(days=settings.RECALL_GROUP_DRAFT_DAYS)
    )
    codes_deleted, _rows = GroupCode.objects.filter(
        Q(created_at__lt=now - dt.timedelta(days=1)) | Q(draft__in=abandoned) | Q(invitation__draft__in=abandoned)
    ).delete()
    members, _rows = GroupDraftMember.objects.filter(draft__in=abandoned).delete()
    drafts, _rows = abandoned.delete()
    return {"drafts": drafts, "members": members, "codes": codes_deleted}


def invite(draft: GroupDraft) -> GroupInvitation:
    if draft.submitted_at:
        raise PolicyViolation(_("The application has been submitted; the group is closed."), code="submitted")
    hours = settings.RECALL_GROUP_INVITATION_HOURS
    return GroupInvitation.objects.create(
        draft=draft, token=secrets.token_urlsafe(32), expires_at=timezone.now() + dt.timedelta(hours=hours)
    )


def open_invitation(token: str) -> GroupInvitation:
    invitation = GroupInvitation.objects.select_related("draft__deputy").filter(token=token).first()
    if invitation is None:
        raise NotFound(_("This invitation does not exist."))
    if invitation.expires_at <= timezone.now():
        raise PolicyViolation(
            _("This invitation has expired; ask the initiator for a new link."), code="invitation_expired"
        )
    if invitation.draft.submitted_at:
        raise PolicyViolation(_("The application has been submitted; the group is closed."), code="submitted")
    if invitation.accepted_at:
        raise PolicyViolation(
            _("This invitation has already been used; ask the initiator for a new link."), code="invitation_used"
        )
    return invitation


def start_joining(invitation_token: str, *, iin: str, phone: str) -> Started:
    invitation = open_invitation(invitation_token)
    phone = normalize_phone(phone)
    number = signing.check_iin(iin)  # its form only: the register is the commission's to check
    voter = _register_row(number)
    return _create_code(
        purpose=GroupCodePurpose.JOIN,
        voter=voter,
        number=number,
        phone=phone,
        payload={},
        draft=invitation.draft,
        invitation=invitation,
    )


def confirm_joining(token: str, code: str) -> GroupDraftMember:
    record = _confirm(token, GroupCodePurpose.JOIN, code)
    # Checked again: the link may have expired, or the group been submitted, since the code was sent.
    invitation = open_invitation(record.invitation.token)
    if GroupDraftMember.objects.filter(draft=invitation.draft_id, iin_digest=record.voter_digest).exists():
        raise InvalidInput(_("You are already a member of this group."), field="iin", code="already_member")
    try:
        with transaction.atomic():
            # A link admits one voter: of two who confirm at once, the second finds it used.
            taken = GroupInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
                accepted_at=timezone.now()
            )
            if not taken:
                raise PolicyViolation(
                    _("This invitation has already been used; ask the initiator for a new link."),
                    code="invitation_used",
                )
            member = GroupDraftMember.objects.create(
                draft=invitation.draft,
                iin_digest=record.voter_digest,
                voter=_member_voter(record.payload["voter_id"]),
                contact={"phone": record.payload["phone"], "iin": record.payload["iin"]},
            )
            audit.record("group.joined", actor=None, obj=invitation.draft)
    except IntegrityError as exc:
        raise InvalidInput(_("You are already a member of this group."), field="iin", code="already_member") from exc
    return member


def start_entering(*, iin: str, phone: str) -> Started:
    """A member asks for a code to open their group's dashboard (no passwords)."""
    number = signing.check_iin(iin)
    phone = normalize_phone(phone)
    membership = (
        GroupDraftMember.objects.filter(iin_digest=iin_digest(number))
        .select_related("draft")
        .order_by("-draft__created_at")
        .first()
    )
    voter = membership.voter if membership else None
    if membership is None or membership.contact.get("phone") != phone:
        # One answer for "no such member" and "another phone": the page reveals nothing.
        raise NotFound(_("No initiative group member has this IIN and phone number."), field="iin")
    return _create_code(
        purpose=GroupCodePurpose.ENTER, voter=voter, number=number, phone=phone, payload={}, draft=membership.draft
    )


def confirm_entering(token: str, code: str) -> GroupDraftMember:
    record = _confirm(token, GroupCodePurpose.ENTER, code)
    return GroupDraftMember.objects.select_related("draft").get(draft=record.draft_id, iin_digest=record.voter_digest)


def minimum(draft: GroupDraft) -> int:
    return policy_for(draft.deputy.level).initiative_group_min


def member_iin(member: GroupDraftMember) -> str:
    """The IIN the member confirmed (members who joined before it was kept: their register row's)."""
    return member.contact.get("iin") or member.voter.personal["iin"]


def member_count(draft: GroupDraft) -> int:
    """Members who confirmed their code. Their right to vote in the district is not counted
    here: the group's page would tell whoever joined with another's IIN what the register says."""
    return GroupDraftMember.objects.filter(draft=draft).count()


def submit(member: GroupDraftMember) -> Petition:
    """The initiator submits: the application reaches the commission as "applied"."""
    if not member.is_leader:
        raise PolicyViolation(_("Only the initiator may submit the application."), code="not_leader")
    draft = member.draft
    policy = policy_for(draft.deputy.level)
    if member_count(draft) < policy.initiative_group_min:
        raise PolicyViolation(
            _("The group needs at least %(min)s members.") % {"min": policy.initiative_group_min},
            code="group_too_small",
        )
    check_deputy(draft.deputy)
    joined = list(draft.members.order_by("-is_leader", "joined_at"))
    first_language = next(lang for lang in LANGUAGES if lang in draft.grounds)
    with transaction.atomic():
        # The conditional UPDATE claims the draft: a double click submits once.
        if not GroupDraft.objects.filter(pk=draft.pk, submitted_at__isnull=True).update(submitted_at=timezone.now()):
            raise PolicyViolation(_("The application has already been submitted."), code="submitted")
        petition = applications.apply(
            deputy=draft.deputy,
            grounds_category=draft.grounds_category,
            grounds_text="\n\n".join(
                [draft.grounds[first_language]]
                + [text for lang, text in draft.grounds.items() if lang != first_language]
            ),
            # Each language travels on as it was given: the page shows the voter's.
            grounds_translations={lang: text for lang, text in draft.grounds.items() if text},
            initiative_iins=[member_iin(m) for m in joined],
            # The commission checks each member's right to vote when it registers the application.
            check_members=False,
            contact_email=draft.contact_email,
            actor=None,
        )
        GroupDraft.objects.filter(pk=draft.pk).update(petition=petition)
    draft.refresh_from_db()
    return petition


# --- What the group sees ------------------------------------------------------------------------


def progress(petition: Petition) -> dict[str, object]:
    """The group's view of its petition: the public counts, how many signatures wait for an
    official, the daily series by channel, and a projection at the pace so far. Counts only:
    the group never sees who signed."""
    rows = (
        Signature.objects.filter(petition=petition, duplicate_of__isnull=True)
        .annotate(day=TruncDate("received_at"))
        .values("day", "channel")
        .annotate(n=Count("id"))
        .order_by("day", "channel")
    )
    series: dict[dt.date, dict[str, int]] = {}
    for row in rows:
        series.setdefault(row["day"], {})[row["channel"]] = row["n"]
    channels = [c for c in Channel.values if any(c in day for day in series.values())]
    return {
        "series": [(day, [by_channel.get(c, 0) for c in channels]) for day, by_channel in series.items()],
        "channels": [Channel(c).label for c in channels],
        "awaiting_official": petition.review_count,
        "projection": projection(petition),
    }


def projection(petition: Petition, *, now: dt.datetime | None = None) -> dict[str, object] | None:
    """Valid signatures expected by the window's end at the average daily pace so far, and the
    day the requirement would be met at that pace (None before the window opens)."""
    if petition.window_start is None or petition.window_end is None or not petition.required_signatures:
        return None
    now = now or timezone.now()
    if now <= petition.window_start:
        return None
    elapsed = max((min(now, petition.window_end) - petition.window_start).total_seconds() / 86400, 1.0)
    total = (petition.window_end - petition.window_start).total_seconds() / 86400
    pace = petition.valid_count / elapsed
    expected = int(pace * total)
    missing = max(petition.required_signatures - petition.valid_count, 0)
    reached_on = None
    if missing == 0:
        reached_on = local_date(petition.threshold_reached_at or now)
    elif pace > 0:
        day = local_date(now) + dt.timedelta(days=math.ceil(missing / pace))
        reached_on = day if day <= local_date(petition.window_end) else None
    return {"pace": round(pace, 1), "expected": expected, "reached_on": reached_on}
