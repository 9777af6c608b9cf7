"""One-time codes that confirm a voter's signature or withdrawal.

A code request holds what the voter entered (encrypted), the code's HMAC (never the code), an
expiry, an attempt counter and a resend counter. Each counter moves by a conditional UPDATE, so
parallel guesses cannot exceed the limit. The code is made and texted by a notification worker
that is given only the code request's id.

Nobody can probe who signed (README, "Who signed stays private"): the request path does the
same work whether the IIN has signed or not, the typed number always gets a code, and a code
confirmed for an IIN that has signed stores a marked duplicate with a receipt of its own, shown
like a first signature on the receipt and check pages. The real signer is told of every request
made with their IIN, by a text message to the number their signature was made with.

Requests are limited per number and per IIN and number pair (never per IIN alone: a stranger
with a voter's IIN and phones of their own could lock the voter out), a number the voter has
already confirmed for the IIN is always let through, and requests are kept (encrypted) a day.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ... import phone_ownership, ratelimit, task_names
from ...crypto import iin_digest, phone_digest
from ...errors import DomainError, NotFound, PetitionNotCollecting
from ...models import Channel, CodeRequest, ConfirmPurpose, Signature, SignatureState
from ...notifications import sms
from ...notifications.wording import petition_short
from ...phones import mask_phone
from .. import queue, signing, verification
from ..notices import outcome_notices
from ..verification import review

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class CodeFailed(DomainError):
    code = "challenge_failed"  # the stable error code partners already read
    status = 400


def _code_hash(token: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{token}:{code}".encode(), "sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class Started:
    token: str
    phone_masked: str


def _check_limits(*, phone: str, voter_digest: str, known_phone: bool = False) -> None:
    """A brake on text-message floods and on guessing, designed so that nobody else's requests
    use up a voter's own: per IIN and number pair in 24 hours (never per IIN alone), and per
    number in the hour: a few from one client address (``phone_limits``), a few more from all
    addresses together. A stranger typing other IINs with the victim's number spends their
    address's share and some of the hour's, not the victim's; the number gets at most the
    hour's few texts whatever is typed. The voter's own number for this IIN (``known_phone``:
    the one the signature was made with; or one a code has confirmed for the IIN while requests
    are kept) is let through. It is looked at only past a limit, so the usual request does the
    same work for everyone."""
    since = timezone.now() - dt.timedelta(days=1)
    number = phone_digest(phone)
    per_pair = (
        CodeRequest.objects.filter(created_at__gte=since, phone_digest=number, voter_digest=voter_digest).count()
        >= settings.RECALL_OTP_PER_PAIR_PER_DAY
    )
    refusal = _PAIR_REFUSAL if per_pair else phone_limits("code", number)
    if refusal is None or known_phone:
        return
    confirmed = CodeRequest.objects.filter(
        voter_digest=voter_digest, phone_digest=number, completed_at__isnull=False
    ).exists()
    if confirmed:
        return
    raise CodeFailed(str(refusal), field="phone", code="too_many_requests")


_PAIR_REFUSAL = gettext_lazy("Too many confirmation requests for this IIN and phone number today; try again tomorrow.")


def phone_limits(scope: str, number_digest: str) -> Promise | None:
    """Count one text to the number (its digest); the refusal to show when over a limit. From
    this request's client address (recall.ratelimit.client_origin), then from everywhere."""
    here, _wait = ratelimit.hit(
        f"phone-here:{scope}",
        f"{number_digest}:{ratelimit.client_origin()}",
        settings.RECALL_OTP_PHONE_RATE_PER_ADDRESS,
    )
    if not here:
        return gettext_lazy("Too many confirmation requests for this phone number from here; try again in an hour.")
    anywhere, _wait = ratelimit.hit(f"phone:{scope}", number_digest, settings.RECALL_OTP_PHONE_RATE)
    if not anywhere:
        return gettext_lazy("Too many confirmation requests for this phone number; try again in an hour.")
    return None


def _create(
    *,
    purpose: str,
    petition_id: int,
    voter_digest: str,
    payload: dict,
    phone: str,
    signature: Signature | None = None,
    known_phone: bool = False,
) -> CodeRequest:
    """Store the code request; the notification worker sends the code after commit."""
    _check_limits(phone=phone, voter_digest=voter_digest, known_phone=known_phone)
    now = timezone.now()
    code_request = CodeRequest.objects.create(
        token=secrets.token_urlsafe(32),
        purpose=purpose,
        petition_id=petition_id,
        signature=signature,
        voter_digest=voter_digest,
        phone_digest=phone_digest(phone),
        payload=payload,
        phone_masked=mask_phone(phone),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        sends=1,
        last_sent_at=now,
        expires_at=now + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS),
    )
    queue.after_commit(task_names.SEND_CHALLENGE_CODE, code_request.pk, inline_if_down=True)
    return code_request


def send_code(request_id: int) -> str:
    """Run by the notification worker: make a fresh code, keep its HMAC, text it, in the
    language of the page the voter used. For a signing request with an IIN that has signed,
    then tell the number the signature was made with (each request and each resend)."""
    code_request = (
        CodeRequest.objects.select_related("petition__deputy", "petition__district")
        .filter(pk=request_id, completed_at__isnull=True)
        .first()
    )
    if code_request is None or code_request.expires_at <= timezone.now():
        return "nothing"
    with translation.override(code_request.language):
        return _send(code_request)


def _send(code_request: CodeRequest) -> str:
    phone = code_request.payload.get("phone", "")
    if code_request.purpose == ConfirmPurpose.SIGN and not _phone_checked(code_request, phone):
        return "not the IIN's phone"
    code = _new_code()
    changed = CodeRequest.objects.filter(pk=code_request.pk, completed_at__isnull=True).update(
        code_hash=_code_hash(code_request.token, code)
    )
    if not changed:
        return "nothing"
    # The code first: the typed number's message leaves at the same moment in either case.
    sms.send(phone, code_message(code_request, code))
    if code_request.purpose == ConfirmPurpose.SIGN and _tell_signer(code_request, phone):
        return "code, signer told"
    return "code"


def _phone_checked(code_request: CodeRequest, phone: str) -> bool:
    """Ask the phone ownership backend, if one is configured (recall.phone_ownership), before a
    signing code leaves. A number that is not the IIN's gets no code, and the request can never
    be confirmed; the number is texted why (only its holder reads it: the page said what it
    says for any request). PhoneOwnershipUnavailable reaches the task, which retries (the
    backend's own timeout must stay well under the task's 30-second limit)."""
    ownership = phone_ownership.backend()
    if ownership is None:
        return True
    owned = bool(ownership.owns(iin=code_request.payload["iin"], phone=phone))
    # A resend asks again: a number registered to the IIN since the first answer gets its code.
    changed = CodeRequest.objects.filter(pk=code_request.pk, completed_at__isnull=True).update(
        phone_of_iin=owned, can_confirm=owned, **({} if owned else {"code_hash": ""})
    )
    if changed and not owned:
        sms.send(phone, not_owner_message(code_request))
    return owned and bool(changed)


def not_owner_message(code_request: CodeRequest) -> str:
    return _(
        "%(service)s: no code was sent to sign %(petition)s: the mobile-citizens database does not link this "
        "number to the IIN that was typed. Register your number on egov.kz, or sign with EDS."
    ) % {"service": _("Deputy recall petitions"), "petition": petition_short(code_request.petition)}


def valid_minutes() -> int:
    """How long a code is valid, in whole minutes (as the text message and the page say)."""
    return max(1, round(settings.RECALL_OTP_TTL_SECONDS / 60))


def code_message(code_request: CodeRequest, code: str) -> str:
    """What the code is for, for how long, and that it is not to be shown to anyone: the service
    and the action are named so that a code asked for by someone else is not typed in blindly."""
    minutes = valid_minutes()
    values = {
        "service": _("Deputy recall petitions"),
        "code": code,
        "petition": petition_short(code_request.petition),
        "valid": ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes},
    }
    if code_request.purpose == ConfirmPurpose.WITHDRAW:
        text = _("%(service)s: code %(code)s to WITHDRAW your signature from %(petition)s. Valid for %(valid)s.")
    elif code_request.purpose == ConfirmPurpose.VIEW:
        text = _(
            "%(service)s: code %(code)s to SEE THE DATA held about your signature on %(petition)s; nothing changes. "
            "Valid for %(valid)s."
        )
    else:
        text = _("%(service)s: code %(code)s to SIGN %(petition)s. Valid for %(valid)s.")
    return (text % values) + " " + _("Do not share it.")


def receipt_message(signature: Signature) -> str:
    return _(
        "%(service)s: your signature on %(petition)s has been received and awaits verification. "
        "Receipt code: %(receipt)s. Check it at %(url)s"
    ) % {
        "service": _("Deputy recall petitions"),
        "petition": petition_short(signature.petition),
        "receipt": signing.format_receipt(signature.receipt),
        # The check page opens with the receipt filled in (never the IIN).
        "url": f"{settings.SITE_URL}/check/?receipt={signing.format_receipt(signature.receipt)}",
    }


def send_receipt(signature_id: int, language: str) -> str:
    """Run by the notification worker after a signature on the web: the receipt, to the number
    the signer confirmed (a repeat's typed number gets its own receipt, like a first)."""
    signature = (
        Signature.objects.select_related("petition__deputy", "petition__district")
        .filter(pk=signature_id, channel=Channel.WEB, receipt__isnull=False)
        .first()
    )
    phone = (signature.personal or {}).get("phone", "") if signature else ""
    if not phone:
        return "nothing"
    with translation.override(language):
        sms.send(phone, receipt_message(signature))
    return "receipt"


def _tell_signer(code_request: CodeRequest, phone: str) -> bool:
    """Text the number an earlier signature with this IIN was made with (or its partner
    recorded) that someone asked to sign again; not when it is the number asking. At most one
    such text an hour per signature, however many requests: a stranger repeating the IIN must
    not turn the warning into a flood. The requests not texted are counted and the next text
    says how many there were (the commission's records keep every request)."""
    first = Signature.objects.filter(
        petition_id=code_request.petition_id, voter_id=code_request.voter_digest, duplicate_of__isnull=True
    ).first()
    recorded = (first.personal or {}).get("phone", "") if first else ""
    if not recorded or recorded == phone:
        return False
    missed_key = f"recall:told-signer-missed:{first.pk}"
    first_this_hour, _wait = ratelimit.hit("told-signer", str(first.pk), "1/hour")
    try:
        if not first_this_hour:
            if not cache.add(missed_key, 1, timeout=8 * 86400):
                cache.incr(missed_key)
            return False
        missed = cache.get(missed_key) or 0
        cache.delete(missed_key)
    except Exception:  # noqa: BLE001 - the cache is down: the count is lost, the warning is not
        missed = 0
    text = _(
        "Someone asked to sign recall petition No. %(id)s again with your IIN, from the number %(phone)s. "
        "Your signature stays recorded once. If this was not you, contact the election commission."
    ) % {"id": code_request.petition_id, "phone": code_request.phone_masked}
    if missed:
        text += " " + ngettext(
            "Since our last message, %(n)s more request was made and not texted.",
            "Since our last message, %(n)s more requests were made and not texted.",
            missed,
        ) % {"n": missed}
    sms.send(recorded, text)
    return True


def start_signing(petition_id: int, signer: signing.Signer, *, notify_outcome: bool = False) -> Started:
    """The first step on the web: check the petition, then have a code sent. The same work
    and the same answer whether this IIN has signed or not: the worker tells a signer.
    ``notify_outcome``: the signer asks to be texted the petition's outcome once signed."""
    signing.signable_petition(petition_id, channel=Channel.WEB)
    with transaction.atomic():
        code_request = _create(
            purpose=ConfirmPurpose.SIGN,
            petition_id=petition_id,
            voter_digest=signer.digest,
            payload={**signer.as_dict(), "notify_outcome": bool(notify_outcome)},
            phone=signer.phone,
        )
    return Started(code_request.token, code_request.phone_masked)


def resend(token: str) -> Started:
    """Send a new code, at most RECALL_OTP_MAX_RESENDS times and not more often than the interval
    (also once the previous code has expired: that is when people ask for another)."""
    code_request = _open_request(token, expired_ok=True)
    now = timezone.now()
    wait = dt.timedelta(seconds=settings.RECALL_OTP_RESEND_INTERVAL_SECONDS)
    if code_request.last_sent_at and now - code_request.last_sent_at < wait:
        seconds = int((code_request.last_sent_at + wait - now).total_seconds()) + 1
        raise CodeFailed(
            _("Please wait %(s)s seconds before asking for a new code.") % {"s": seconds}, code="resend_too_soon"
        )
    updates = {
        "sends": F("sends") + 1,
        "last_sent_at": now,
        "attempts": 0,
        "expires_at": now + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS),
    }
    with transaction.atomic():
        changed = CodeRequest.objects.filter(
            pk=code_request.pk, sends__lte=settings.RECALL_OTP_MAX_RESENDS, completed_at__isnull=True
        ).update(**updates)
        if not changed:
            raise CodeFailed(_("No more codes can be sent for this request; start again."), code="too_many_resends")
        queue.after_commit(task_names.SEND_CHALLENGE_CODE, code_request.pk, inline_if_down=True)
    return Started(token, code_request.phone_masked)


def purge_old_requests(cutoff: dt.datetime) -> int:
    """Delete the code requests made before ``cutoff``: they hold what the voter typed
    (encrypted), and the limits look back one day only. Returns how many."""
    deleted, _rows = CodeRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def request_by_token(token: str) -> CodeRequest | None:
    """The code request the confirmation page shows (with its petition and deputy), while it
    is not completed; None otherwise."""
    return (
        CodeRequest.objects.filter(token=token, completed_at__isnull=True)
        .select_related("petition__deputy", "petition__district")
        .first()
    )


def _open_request(token: str, *, expired_ok: bool = False) -> CodeRequest:
    code_request = CodeRequest.objects.filter(token=token, completed_at__isnull=True).first()
    if code_request is None:
        raise NotFound(_("This confirmation has already been used or does not exist; start again."))
    if code_request.expires_at <= timezone.now() and not expired_ok:
        raise CodeFailed(_("The code has expired. Ask for a new one."), code="code_expired")
    return code_request


def _check_code(code_request: CodeRequest, code: str) -> None:
    # Count the attempt first, conditionally: parallel guesses cannot exceed the limit.
    counted = CodeRequest.objects.filter(
        pk=code_request.pk, attempts__lt=settings.RECALL_OTP_MAX_ATTEMPTS, completed_at__isnull=True
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise CodeFailed(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
    code = re.sub(r"\D", "", code or "")
    stored = code_request.code_hash
    if (
        not code_request.can_confirm
        or not stored
        or not hmac.compare_digest(stored, _code_hash(code_request.token, code))
    ):
        used = CodeRequest.objects.filter(pk=code_request.pk).values_list("attempts", flat=True).first() or 0
        left = max(0, settings.RECALL_OTP_MAX_ATTEMPTS - used)
        if not left:
            raise CodeFailed(
                _("The code is not correct, and no tries are left. Ask for a new code."), code="wrong_code"
            )
        raise CodeFailed(
            ngettext("The code is not correct. %(n)s try left.", "The code is not correct. %(n)s tries left.", left)
            % {"n": left},
            code="wrong_code",
        )


def _confirmed(token: str, code: str, purpose: str) -> CodeRequest:
    """The open request with this token, for ``purpose`` (a withdrawal or a view names its
    signature), once ``code`` is right; NotFound or CodeFailed otherwise."""
    code_request = _open_request(token)
    if code_request.purpose != purpose or (purpose != ConfirmPurpose.SIGN and code_request.signature_id is None):
        raise NotFound()
    _check_code(code_request, code)
    return code_request


def _complete(code_request: CodeRequest) -> None:
    if not CodeRequest.objects.filter(pk=code_request.pk, completed_at__isnull=True).update(
        completed_at=timezone.now()
    ):
        raise NotFound(_("This confirmation has already been used; start again."))


def confirm_signing(token: str, code: str) -> Signature:
    """A right code stores the signature; for an IIN that has signed, a marked duplicate that
    is answered the same way (recall.services.signing.signatures.sign_on_web)."""
    code_request = _confirmed(token, code, ConfirmPurpose.SIGN)
    signer = signing.Signer.from_dict(code_request.payload)
    with transaction.atomic():
        _complete(code_request)
        signature = signing.sign_on_web(
            code_request.petition_id,
            signer,
            repeat_as_duplicate=True,
            phone_of_iin=bool(code_request.phone_of_iin),
        )
        if code_request.payload.get("notify_outcome"):
            outcome_notices.subscribe(signature, code_request.language)
        queue.after_commit(task_names.SEND_RECEIPT, signature.pk, code_request.language)
    return signature


# --- Checking and withdrawing -------------------------------------------------------------------


def find_signature(receipt: str, iin: str) -> Signature:
    """The signature with this receipt, if the IIN is the signer's; one answer for both misses."""
    number = signing.check_iin(iin)
    signature = (
        Signature.objects.select_related("petition__deputy", "petition__district")
        .filter(receipt=signing.normalize_receipt(receipt))
        .first()
    )
    # voter_id is None once the petition's personal data is purged: nothing matches any more.
    if (
        signature is None
        or signature.voter_id is None
        or not hmac.compare_digest(signature.voter_id, iin_digest(number))
    ):
        raise NotFound(_("No signature matches this receipt code and IIN."), field="receipt")
    return signature


def as_seen_by_signer(signature: Signature) -> Signature:
    """The signature as the check page shows it to whoever holds its receipt and IIN: a web
    repeat with the state and ground the rules give it as if it were the first (not saved)."""
    if signature.hidden_repeat and signature.state == SignatureState.INVALID:
        signature.state, signature.ground = verification.judged_as_first(signature.pk)
    return signature


@dataclass(frozen=True)
class ReceiptStatus:
    """What the receipt page shows of the signature just made."""

    state: str  # as its signer sees it on the check page: "counted" only once it is decided
    outcome_notices: bool  # its signer asked to be texted the petition's outcome
    texted: bool = False  # confirmed by a text-message code: its receipt went to that number


def receipt_status(receipt: str) -> ReceiptStatus:
    signature = Signature.objects.filter(receipt=receipt).first()
    if signature is None:
        return ReceiptStatus(SignatureState.RECEIVED, False)
    return ReceiptStatus(
        as_seen_by_signer(signature).state,
        outcome_notices.subscribed(signature),
        texted=signature.channel == Channel.WEB,
    )


def _to_number_on_record(signature: Signature, purpose: str, phone: str) -> Started:
    """A code for ``purpose`` on this signature, to the number on record (``phone``): that
    number is the voter's own, so the daily limits never lock them out."""
    with transaction.atomic():
        code_request = _create(
            purpose=purpose,
            petition_id=signature.petition_id,
            voter_digest=signature.voter_id,
            payload={"phone": phone},
            phone=phone,
            signature=signature,
            known_phone=True,
        )
    return Started(code_request.token, code_request.phone_masked)


def start_withdrawal(receipt: str, iin: str) -> Started:
    """The code goes to the number on record: the one the voter signed with (web) or the one
    the partner recorded. Never to a number typed now: anyone holding a receipt and the IIN
    could withdraw someone else's signature. A partner's signature without a number is
    withdrawn through its partner (recall.services.verification.review.withdraw_for_partner)."""
    signature = find_signature(receipt, iin)
    petition = signature.petition
    if not signature.withdrawable_by_signer():
        raise CodeFailed(_("This signature cannot be withdrawn any more."), code="not_withdrawable")
    if not petition.accepts_signatures():
        raise PetitionNotCollecting(_("Signatures can be withdrawn only while the collection window is open."))
    if signature.channel == Channel.EGOV_MOBILE:
        # A code to a number typed now would prove less than the key that signed.
        raise CodeFailed(
            _("This signature was made with eGov Mobile: withdraw it with eGov Mobile too."),
            field="receipt",
            code="eds_only",
        )
    if signature.channel == Channel.EDS:
        raise CodeFailed(
            _("This signature was made with EDS: withdraw it with your EDS key too."), field="receipt", code="eds_only"
        )
    target = signature.personal.get("phone", "")
    if not target:
        raise CodeFailed(
            _(
                "No phone number is on record for this signature: ask the partner who collected it, or the "
                "election commission, to withdraw it."
            ),
            field="receipt",
            code="withdraw_through_partner",
        )
    return _to_number_on_record(signature, ConfirmPurpose.WITHDRAW, target)


def confirm_withdrawal(token: str, code: str) -> Signature:
    code_request = _confirmed(token, code, ConfirmPurpose.WITHDRAW)
    with transaction.atomic():
        _complete(code_request)
        return review.withdraw_by_signer(code_request.signature_id)


def start_data_view(receipt: str, iin: str) -> Started:
    """The voter's own-data page (recall.services.privacy.own_data): a code to the number on record,
    as for a withdrawal, never to a number typed now."""
    signature = find_signature(receipt, iin)
    target = (signature.personal or {}).get("phone", "")
    if not target:
        message = (
            _("This signature was made with EDS and has no phone number on record: ask the election commission.")
            if signature.channel in (Channel.EDS, Channel.EGOV_MOBILE)
            else _("No phone number is on record for this signature: ask the election commission to show you its data.")
        )
        raise CodeFailed(message, field="receipt", code="no_phone_on_record")
    return _to_number_on_record(signature, ConfirmPurpose.VIEW, target)


def confirm_data_view(token: str, code: str) -> int:
    """A right code opens the page: returns the signature's id (the view keeps it a while)."""
    code_request = _confirmed(token, code, ConfirmPurpose.VIEW)
    _complete(code_request)
    return code_request.signature_id
