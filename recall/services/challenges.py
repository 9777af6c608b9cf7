"""One-time codes that confirm a voter's signature or withdrawal.

A challenge holds what the voter entered (encrypted), the code's HMAC (never the code), an
expiry, an attempt counter and a resend counter. Each counter moves by a conditional UPDATE, so
parallel guesses cannot exceed the limit. For a voter who has already signed no code is sent
(the number gets a notice instead) and the challenge can never be confirmed; the screen is the
same, so nobody can find out from the site who signed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..crypto import iin_digest
from ..errors import DomainError, InvalidInput, NotFound, PetitionNotCollecting
from ..models import SIGNABLE_STATES, ChallengePurpose, Signature, SignatureState, SigningChallenge
from ..notifications import sms
from . import signing

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class ChallengeFailed(DomainError):
    code = "challenge_failed"
    status = 400


def normalize_phone(value: str) -> str:
    """A Kazakh mobile number as +7XXXXXXXXXX; accepts 8 7XX..., +7 (7XX) ... and the like."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] != "7":
        raise InvalidInput(
            _("Enter a Kazakh mobile number, for example +7 701 123 45 67."), field="phone", code="invalid_phone"
        )
    return "+7" + digits


def mask_phone(phone: str) -> str:
    return f"+7 ••• ••• •• {phone[-2:]}" if phone else ""


def _code_hash(token: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{token}:{code}".encode(), "sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _send_after_commit(phone: str, text: str) -> None:
    def send() -> None:
        try:
            sms.send(phone, text)
        except Exception:
            logger.exception("could not send a text message")

    transaction.on_commit(send)


@dataclass(frozen=True)
class Started:
    token: str
    phone_masked: str


def _create(
    *,
    purpose: str,
    petition_id: int,
    voter_digest: str,
    payload: dict,
    phone: str,
    signature: Signature | None = None,
    live: bool = True,
) -> SigningChallenge:
    token = secrets.token_urlsafe(32)
    code = _new_code()
    now = timezone.now()
    challenge = SigningChallenge.objects.create(
        token=token,
        purpose=purpose,
        petition_id=petition_id,
        signature=signature,
        voter_digest=voter_digest,
        payload=payload,
        phone_masked=mask_phone(phone),
        code_hash=_code_hash(token, code) if live else "",
        sends=1,
        last_sent_at=now,
        expires_at=now + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS),
    )
    if live:
        _send_after_commit(phone, _("Your confirmation code: %(code)s. Do not share it.") % {"code": code})
    return challenge


def start_signing(petition_id: int, signer: signing.Signer) -> Started:
    """The first step on the web: check the petition, then send a code (or, to a voter who has
    already signed, a notice instead)."""
    signing.signable_petition(petition_id)
    # duplicate_of IS NULL lets the partial unique index answer (a repeat implies a first).
    already = Signature.objects.filter(
        petition_id=petition_id, voter_id=signer.digest, duplicate_of__isnull=True
    ).exists()
    payload = {
        "iin": signer.iin,
        "full_name": signer.full_name,
        "birth_date": signer.birth_date.isoformat(),
        "address": signer.address,
        "phone": signer.phone,
    }
    with transaction.atomic():
        challenge = _create(
            purpose=ChallengePurpose.SIGN,
            petition_id=petition_id,
            voter_digest=signer.digest,
            payload=payload,
            phone=signer.phone,
            live=not already,
        )
        if already:
            _send_after_commit(
                signer.phone,
                _(
                    "A signature with your IIN is already recorded on recall petition No. %(id)s. "
                    "If you did not sign it, contact the election commission."
                )
                % {"id": petition_id},
            )
    return Started(challenge.token, challenge.phone_masked)


def resend(token: str) -> Started:
    """Send a new code, at most RECALL_OTP_MAX_RESENDS times and not more often than the interval."""
    challenge = _open_challenge(token)
    now = timezone.now()
    wait = dt.timedelta(seconds=settings.RECALL_OTP_RESEND_INTERVAL_SECONDS)
    if challenge.last_sent_at and now - challenge.last_sent_at < wait:
        seconds = int((challenge.last_sent_at + wait - now).total_seconds()) + 1
        raise ChallengeFailed(
            _("Please wait %(s)s seconds before asking for a new code.") % {"s": seconds}, code="resend_too_soon"
        )
    code = _new_code()
    updates = {
        "sends": F("sends") + 1,
        "last_sent_at": now,
        "attempts": 0,
        "expires_at": now + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS),
    }
    if challenge.code_hash:
        updates["code_hash"] = _code_hash(token, code)
    with transaction.atomic():
        changed = SigningChallenge.objects.filter(
            pk=challenge.pk, sends__lte=settings.RECALL_OTP_MAX_RESENDS, completed_at__isnull=True
        ).update(**updates)
        if not changed:
            raise ChallengeFailed(
                _("No more codes can be sent for this request; start again."), code="too_many_resends"
            )
        if challenge.code_hash:  # a dead challenge sends nothing again, but answers the same
            phone = challenge.payload.get("phone", "")
            _send_after_commit(phone, _("Your confirmation code: %(code)s. Do not share it.") % {"code": code})
    return Started(token, challenge.phone_masked)


def _open_challenge(token: str) -> SigningChallenge:
    challenge = SigningChallenge.objects.filter(token=token, completed_at__isnull=True).first()
    if challenge is None:
        raise NotFound(_("This confirmation has already been used or does not exist; start again."))
    if challenge.expires_at <= timezone.now():
        raise ChallengeFailed(_("The code has expired. Ask for a new one."), code="code_expired")
    return challenge


def _check_code(challenge: SigningChallenge, code: str) -> None:
    # Count the attempt first, conditionally: parallel guesses cannot exceed the limit.
    counted = SigningChallenge.objects.filter(
        pk=challenge.pk, attempts__lt=settings.RECALL_OTP_MAX_ATTEMPTS, completed_at__isnull=True
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise ChallengeFailed(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
    code = re.sub(r"\D", "", code or "")
    if not challenge.code_hash or not hmac.compare_digest(challenge.code_hash, _code_hash(challenge.token, code)):
        raise ChallengeFailed(_("The code is not correct."), code="wrong_code")


def _complete(challenge: SigningChallenge) -> None:
    if not SigningChallenge.objects.filter(pk=challenge.pk, completed_at__isnull=True).update(
        completed_at=timezone.now()
    ):
        raise NotFound(_("This confirmation has already been used; start again."))


def confirm_signing(token: str, code: str) -> Signature:
    challenge = _open_challenge(token)
    if challenge.purpose != ChallengePurpose.SIGN:
        raise NotFound()
    _check_code(challenge, code)
    data = challenge.payload
    signer = signing.Signer(
        data["iin"], data["full_name"], dt.date.fromisoformat(data["birth_date"]), data["address"], data["phone"]
    )
    with transaction.atomic():
        _complete(challenge)
        return signing.sign_on_web(challenge.petition_id, signer)


# --- Checking and withdrawing -------------------------------------------------------------------


def find_signature(receipt: str, iin: str) -> Signature:
    """The signature with this receipt, if the IIN is the signer's; one answer for both misses."""
    number = signing.check_iin(iin)
    signature = (
        Signature.objects.select_related("petition__deputy", "petition__district")
        .filter(receipt=signing.normalize_receipt(receipt))
        .first()
    )
    if signature is None or not hmac.compare_digest(signature.voter_id, iin_digest(number)):
        raise NotFound(_("No signature matches this receipt code and IIN."), field="receipt")
    return signature


WITHDRAWABLE = (SignatureState.RECEIVED, SignatureState.REVIEW, SignatureState.VALID)


def start_withdrawal(receipt: str, iin: str, phone: str) -> Started:
    """The code goes to the number the voter signed with if there is one (web), else to the
    number given now (a partner's signature)."""
    signature = find_signature(receipt, iin)
    petition = signature.petition
    if signature.state not in WITHDRAWABLE:
        raise ChallengeFailed(_("This signature cannot be withdrawn any more."), code="not_withdrawable")
    if petition.state not in SIGNABLE_STATES or timezone.now() >= petition.window_end:
        raise PetitionNotCollecting(_("Signatures can be withdrawn only while the collection window is open."))
    target = signature.personal.get("phone") or phone
    with transaction.atomic():
        challenge = _create(
            purpose=ChallengePurpose.WITHDRAW,
            petition_id=petition.pk,
            voter_digest=signature.voter_id,
            payload={"phone": target},
            phone=target,
            signature=signature,
        )
    return Started(challenge.token, challenge.phone_masked)


def confirm_withdrawal(token: str, code: str) -> Signature:
    challenge = _open_challenge(token)
    if challenge.purpose != ChallengePurpose.WITHDRAW or challenge.signature_id is None:
        raise NotFound()
    _check_code(challenge, code)
    from . import review

    with transaction.atomic():
        _complete(challenge)
        return review.withdraw_by_signer(challenge.signature_id)
