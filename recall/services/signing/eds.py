"""Signing and withdrawing with the voter's own EDS key (NCALayer), verified by recall.eds.

The server issues a statement (the petition, the deputy, the district, the grounds, the date, in
the page's language) with a one-time challenge inside and keeps its exact bytes; the voter's
NCALayer signs it as CMS; the server verifies the CMS against those bytes with the configured
backend (built-in or NCANode). The IIN and the name come from the certificate, nothing of the
identity is typed. A refused signature stores nothing: the challenge stays unused (it expires),
no row is written. Each statement is accepted once: ``used_at`` moves by a conditional UPDATE in
the same transaction as the INSERT, so two posts of one CMS cannot both be stored.

Unlike the text-message path, a repeat signer is told so: only the key's holder can get this
answer, so it reveals nothing to someone probing an IIN.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import crypto
from ... import iin as iin_module
from ...eds import (
    DEFAULT_LABELS,
    EdsError,
    SignerInfo,
    Verifier,
    build_statement,
    make_verifier,
    new_challenge,
    revocation,
)
from ...eds import verify as eds_codes
from ...eds.parse import decode_cms, parse_cms
from ...errors import AlreadySigned, DomainError, InvalidInput, NotFound, PetitionNotCollecting
from ...models import (
    WITHDRAWABLE_STATES,
    Channel,
    ConfirmPurpose,
    EdsStatement,
    IdentityStrength,
    Petition,
    Signature,
    SignatureState,
)
from .. import queue, signing
from ..verification import review
from . import codes, signatures

logger = logging.getLogger(__name__)

# The largest CMS accepted (base64): a signed statement with a certificate chain is a few KB.
MAX_CMS_CHARS = 64 * 1024

# What the voter is told for each refusal of the verifier, in the page's language.
MESSAGES = {
    eds_codes.MALFORMED: gettext_lazy("The signature could not be read. Sign the statement again."),
    eds_codes.CONTENT_MISMATCH: gettext_lazy(
        "The signature is not over the statement issued on this page (it may be another petition's). "
        "Sign the statement shown here."
    ),
    eds_codes.BAD_SIGNATURE: gettext_lazy("The signature does not match the signed data: it was changed."),
    eds_codes.NOT_INDIVIDUAL: gettext_lazy(
        "This is not a personal certificate with an IIN (it may be an organisation's). Sign with your personal key."
    ),
    eds_codes.WRONG_KEY_USAGE: gettext_lazy(
        "This is an authentication key (AUTH). Sign with your signing key (RSA or GOST)."
    ),
    eds_codes.NOT_SIGNING_CERTIFICATE: gettext_lazy(
        "This certificate is not a personal signing certificate of the National Certification Authority. "
        "Sign with your personal signing key (RSA or GOST)."
    ),
    eds_codes.EXPIRED: gettext_lazy("Your certificate is expired or not yet valid. Renew your key at pki.gov.kz."),
    eds_codes.REVOKED: gettext_lazy("Your certificate has been revoked. Get a new key at pki.gov.kz."),
    eds_codes.UNTRUSTED_CHAIN: gettext_lazy(
        "The certificate was not issued by the National Certification Authority of Kazakhstan."
    ),
    eds_codes.REVOCATION_UNKNOWN: gettext_lazy(
        "Whether your certificate is revoked could not be checked just now. Try again in a few minutes."
    ),
    eds_codes.BACKEND_UNAVAILABLE: gettext_lazy(
        "Signatures cannot be verified just now. Try again in a few minutes, or sign with a text-message code."
    ),
    eds_codes.UNSUPPORTED_ALGORITHM: gettext_lazy(
        "This kind of key cannot be verified here yet. Sign with a text-message code."
    ),
}


class EdsRefused(DomainError):
    """A signature or statement that is not accepted; ``code`` is ``eds_<reason>``."""

    status = 400

    def __init__(self, reason: str, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message or str(MESSAGES.get(reason, "")), field=field, code=f"eds_{reason}")
        self.reason = reason
        if reason in eds_codes.TRANSIENT_CODES:
            self.status = 503  # the service could not decide: nothing is wrong with the signature


def enabled() -> bool:
    return bool(settings.RECALL_EDS_BACKEND)


@functools.cache
def verifier() -> Verifier:
    """The configured backend, made once per process (the built-in one parses its roots)."""
    backend = settings.RECALL_EDS_BACKEND
    timeout = settings.RECALL_EDS_TIMEOUT_SECONDS
    if backend == "builtin":
        if not settings.RECALL_EDS_TRUST_ROOTS:
            raise ImproperlyConfigured("RECALL_EDS_BACKEND=builtin needs RECALL_EDS_TRUST_ROOTS (the NCA root files).")
        return make_verifier(
            "builtin",
            trust_roots=settings.RECALL_EDS_TRUST_ROOTS,
            intermediates=settings.RECALL_EDS_INTERMEDIATES,
            timeout=timeout,
            check_revocation=settings.RECALL_EDS_CHECK_REVOCATION,
            revocation_store=SharedStore(),
            revocation_policy=revocation_policy(),
        )
    if backend == "ncanode":
        return make_verifier(
            "ncanode",
            base_url=settings.RECALL_EDS_NCANODE_URL,
            timeout=timeout,
            store=SharedStore(),
            down_seconds=settings.RECALL_EDS_RESPONDER_DOWN_SECONDS,
        )
    raise EdsRefused(eds_codes.BACKEND_UNAVAILABLE)


class SharedStore:
    """Revocation answers and down responders in the Django cache, shared by every process: one
    process's timeout spares the others the wait. A cache that cannot be reached is a miss."""

    def get(self, key: str) -> object | None:
        try:
            return cache.get(key)
        except Exception:  # noqa: BLE001 - the cache is an optimisation: without it, ask again
            return None

    def set(self, key: str, value: object, timeout: float) -> None:
        try:
            cache.set(key, value, timeout=max(1, int(timeout)))
        except Exception:  # noqa: BLE001
            logger.warning("revocation answer not kept: the cache is unavailable")


def revocation_policy() -> revocation.Policy:
    return revocation.Policy(
        timeout=settings.RECALL_EDS_REVOCATION_TIMEOUT_SECONDS,
        max_age=settings.RECALL_EDS_REVOCATION_MAX_AGE_SECONDS,
        down_seconds=settings.RECALL_EDS_RESPONDER_DOWN_SECONDS,
    )


def refresh_crls() -> dict[str, bool]:
    """Beat: every CRL a certificate has named, fetched again before it expires."""
    if settings.RECALL_EDS_BACKEND != "builtin" or not settings.RECALL_EDS_CHECK_REVOCATION:
        return {}
    return revocation.refresh_crls(SharedStore(), revocation_policy())


@receiver(setting_changed)
def _reset_verifier(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("RECALL_EDS_"):
        verifier.cache_clear()


# --- Statements -------------------------------------------------------------------------------


def _labels(purpose: str, language: str) -> dict[str, str]:
    labels = dict(DEFAULT_LABELS.get(language, DEFAULT_LABELS["en"]))
    if purpose == ConfirmPurpose.WITHDRAW:
        labels["title"] = _("Withdrawal of my signature under the petition to recall a deputy")
    elif purpose == ConfirmPurpose.VIEW:
        labels["title"] = _("Request to see the data kept on my signature under the petition to recall a deputy")
    return labels


def issue(
    petition: Petition,
    *,
    purpose: str = ConfirmPurpose.SIGN,
    signature: Signature | None = None,
    client_id: int | None = None,
    channel: str = Channel.EDS,
) -> EdsStatement:
    """A statement to sign, in the active language, valid for RECALL_EDS_CHALLENGE_TTL_SECONDS;
    ``client_id``: issued to a partner through the API, and accepted only from it; ``channel``:
    the way it will be signed (NCALayer or eGov Mobile), which the level's policy must accept."""
    if not enabled():
        raise NotFound(_("Signing with EDS is not available on this site."))
    if purpose == ConfirmPurpose.SIGN:
        signatures.signable_petition(petition.pk, channel=channel)
    if purpose != ConfirmPurpose.VIEW and not petition.accepts_signatures():
        raise PetitionNotCollecting()
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    challenge = new_challenge()
    district = petition.district
    statement = build_statement(
        petition_id=petition.pk,
        deputy=petition.deputy.full_name,
        district=f"{district.body_local}, {district.name_local}",
        grounds=petition.grounds.text,
        date=timezone.localdate(),
        language=language,
        challenge=challenge,
        labels=_labels(purpose, language),
    )
    now = timezone.now()
    return EdsStatement.objects.create(
        challenge=challenge,
        purpose=purpose,
        petition=petition,
        signature=signature,
        client_id=client_id,
        statement=statement.decode("utf-8"),
        language=language,
        expires_at=now + dt.timedelta(seconds=settings.RECALL_EDS_CHALLENGE_TTL_SECONDS),
    )


def statement_base64(challenge: EdsStatement) -> str:
    """What the page hands to NCALayer (it signs the decoded bytes)."""
    return base64.b64encode(challenge.statement.encode("utf-8")).decode("ascii")


def site_statement(value: str) -> EdsStatement | None:
    """The statement the site's EDS page shows (with its petition), used or not; None for an
    unknown one or one issued to a partner (signed in the partner's app, never on the site)."""
    return (
        EdsStatement.objects.select_related("petition__deputy", "petition__district")
        .filter(challenge=value, client__isnull=True)
        .first()
    )


def purge_old_statements(cutoff: dt.datetime) -> int:
    """Delete the statements issued before ``cutoff`` (each is a row; a used one has done its
    work, an unused one has expired). Returns how many."""
    deleted, _rows = EdsStatement.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def open_challenge(value: str) -> EdsStatement:
    """An issued statement that can still be signed, or EdsRefused saying why not."""
    challenge = (
        EdsStatement.objects.select_related("petition__deputy", "petition__district").filter(challenge=value).first()
    )
    if challenge is None:
        raise NotFound(_("This statement does not exist; start again."))
    if challenge.used_at is not None:
        raise EdsRefused("challenge_used", _("This statement has already been signed once; start again."))
    if challenge.expires_at <= timezone.now():
        raise EdsRefused("challenge_expired", _("This statement has expired; start again to get a new one."))
    return challenge


def _cms_bytes(cms: str) -> bytes:
    text = "".join((cms or "").split())
    if not text:
        raise EdsRefused("no_signature", _("Sign the statement with NCALayer first."), field="cms")
    if len(text) > MAX_CMS_CHARS:
        raise EdsRefused(eds_codes.MALFORMED, field="cms")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EdsRefused(eds_codes.MALFORMED, field="cms") from exc


def verify(
    challenge: EdsStatement, cms: str, *, at: dt.datetime | None = None, may_hold: bool = False
) -> tuple[SignerInfo, str]:
    """Who signed exactly this statement, and the CMS as stored (base64); EdsRefused otherwise.
    ``may_hold``: a signature whose certificate's status only a responder now down could give
    comes back marked ``revocation_pending`` (a new signature, held for the worker, which
    verifies the stored CMS again: so only one that carries its statement); otherwise, and
    for any proof of identity (withdrawing, one's own data), it is refused as unknown."""
    der = _cms_bytes(cms)
    try:
        info = verifier().verify(der, expected_content=challenge.statement.encode("utf-8"), at=at or timezone.now())
    except EdsError as error:
        # The code only: the detail names the certificate's subject (the signer's name and IIN).
        logger.info("EDS signature refused: %s", error.code)
        raise EdsRefused(error.code) from error
    try:
        iin_module.validate(info.iin)
    except iin_module.InvalidIIN as exc:
        raise EdsRefused(eds_codes.NOT_INDIVIDUAL) from exc
    if info.revocation_pending and not (may_hold and parse_cms(decode_cms(der)).content is not None):
        logger.info("EDS signature refused: %s", eds_codes.REVOCATION_UNKNOWN)
        raise EdsRefused(eds_codes.REVOCATION_UNKNOWN)
    return info, base64.b64encode(der).decode("ascii")


def _use(challenge: EdsStatement, *, at: dt.datetime) -> None:
    """Mark the statement used, once; a second post of the same statement finds it used."""
    if not EdsStatement.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=at):
        raise EdsRefused("challenge_used", _("This statement has already been signed once; start again."))


# --- Signing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdsSigner:
    """The signer as the certificate names them, and the address they typed."""

    info: SignerInfo
    address: str

    @property
    def digest(self) -> str:
        return crypto.iin_digest(self.info.iin)

    def as_dict(self) -> dict[str, str]:
        return {
            "iin": self.info.iin,
            "full_name": self.info.full_name,
            "address": self.address,
            "certificate_serial": self.info.serial_number,
            "certificate_issuer": self.info.issuer,
        }


def check_address(address: str) -> str:
    address = " ".join((address or "").split())
    if not address:
        raise InvalidInput(_("Enter the address of residence."), field="address", code="required")
    if len(address) > signing.MAX_ADDRESS:
        raise InvalidInput(_("The address is too long."), field="address", code="too_long")
    return address


def _row(
    petition_id: int, signer: EdsSigner, cms: str, *, signed_at: dt.datetime, channel: str, **fields: object
) -> Signature:
    return Signature(
        petition_id=petition_id,
        voter_id=signer.digest,
        channel=channel,
        identity_strength=IdentityStrength.CERTIFICATE,
        signed_at=signed_at,
        received_at=timezone.now(),
        iin_checksum_ok=True,
        # Nothing was typed to compare the IIN's digits with; the register's own flag still counts.
        iin_data_mismatch=False,
        name_digest=crypto.name_digest(signer.info.full_name),
        # The certificate's name, word by word: the name rule of recall.names applies to it too.
        **crypto.typed_name_digests(signer.info.full_name, signer.info.iin).as_columns(),
        # The certificate carries no birth date: verification does not compare it for EDS.
        birth_digest="",
        personal=signer.as_dict(),
        eds_cms=cms,
        receipt=signing.new_receipt(),
        **fields,
    )


def sign_with_eds(
    challenge_value: str,
    cms: str,
    *,
    petition_id: int,
    address: str,
    client_id: int | None = None,
    channel: str = Channel.EDS,
) -> Signature:
    """Store a signature made with EDS over the statement ``challenge_value`` names, on the
    site (``client_id`` None) or submitted by the partner the statement was issued to.
    ``channel``: EGOV_MOBILE when eGov Mobile made the CMS (recall.services.signing.mobile).

    Raises EdsRefused (the signature, the certificate or the statement), InvalidInput (the
    address), AlreadySigned (on the site: this IIN already signed the petition; for a partner:
    it submitted this voter before) or PetitionNotCollecting.
    """
    challenge = open_challenge(challenge_value)
    if challenge.purpose != ConfirmPurpose.SIGN or challenge.client_id != client_id:
        raise NotFound(_("This statement does not exist; start again."))
    if challenge.petition_id != petition_id:
        raise EdsRefused("other_petition", _("This statement belongs to another petition."))
    address = check_address(address)
    info, stored_cms = verify(challenge, cms, may_hold=True)
    now = timezone.now()
    signature = _row(
        challenge.petition_id,
        EdsSigner(info, address),
        stored_cms,
        signed_at=now,
        channel=channel,
        client_id=client_id,
    )
    if info.revocation_pending:
        # Everything verified but the certificate's status, whose responder is down: held with a
        # receipt, not counted, until the worker asks again (recall.services.signing.held).
        signature.state = SignatureState.REVOCATION_PENDING
    for _attempt in range(3):
        try:
            with transaction.atomic():
                _use(challenge, at=now)
                signatures._insert(signature, now)
        except IntegrityError as error:
            if not signatures._is_repeat(error) or signature.duplicate_of_id:
                raise
            _repeat(signature, client_id, error)
            if signature.duplicate_of_id is None:  # the first one was rolled back meanwhile
                continue
        else:
            queue.request_verification()
            return signature
    raise AlreadySigned()


def _repeat(signature: Signature, client_id: int | None, error: IntegrityError) -> None:
    """A repeat of a signature on the petition. On the site, the key's holder is told: the key
    (and its PIN) prove they are the person the IIN names, so they learn only about themselves
    (README, "Who signed stays private"). A partner learns only of a repeat of its own
    submission, as in recall.services.signing.signatures.sign_for_partner; a repeat of one from any other
    channel is stored as a marked duplicate (verification counts it invalid) and answered like
    any other, so a partner never learns that someone else signed."""
    first = (
        Signature.objects.filter(
            petition_id=signature.petition_id, voter_id=signature.voter_id, duplicate_of__isnull=True
        )
        .only("id", "client_id", "receipt")
        .first()
    )
    if first is None:
        return
    if client_id is None:
        raise AlreadySigned(
            _("A signature with the IIN of this certificate is already recorded on this petition.")
        ) from error
    if first.client_id == client_id:
        raise AlreadySigned(
            _("This partner already submitted this voter's signature (receipt %(receipt)s).")
            % {"receipt": signing.format_receipt(first.receipt or "")},
        ) from error
    signature.duplicate_of_id = first.pk


# --- Withdrawing --------------------------------------------------------------------------------


def start_withdrawal(receipt: str, iin: str) -> EdsStatement:
    """A withdrawal statement for the signature with this receipt and IIN."""
    signature = codes.find_signature(receipt, iin)
    if signature.state not in WITHDRAWABLE_STATES:
        raise codes.CodeFailed(_("This signature cannot be withdrawn any more."), code="not_withdrawable")
    if not signature.petition.accepts_signatures():
        raise PetitionNotCollecting(_("Signatures can be withdrawn only while the collection window is open."))
    return issue(signature.petition, purpose=ConfirmPurpose.WITHDRAW, signature=signature)


def _signers_statement(challenge_value: str, cms: str, purpose: str) -> tuple[EdsStatement, Signature]:
    """The statement about a signature, signed by that signature's signer; EdsRefused otherwise."""
    challenge = open_challenge(challenge_value)
    if challenge.purpose != purpose or challenge.signature_id is None:
        raise NotFound(_("This statement does not exist; start again."))
    info, _cms = verify(challenge, cms)
    signature = challenge.signature
    if signature.voter_id is None or not hmac.compare_digest(signature.voter_id, crypto.iin_digest(info.iin)):
        message = (
            _("This key belongs to someone else: only the signer can withdraw.")
            if purpose == ConfirmPurpose.WITHDRAW
            else _("This key belongs to someone else: only the signer can see the signature's data.")
        )
        raise EdsRefused("other_signer", message)
    return challenge, signature


def withdraw_with_eds(challenge_value: str, cms: str) -> Signature:
    """Withdraw the signature the statement names, if the certificate's IIN is its signer's."""
    challenge, signature = _signers_statement(challenge_value, cms, ConfirmPurpose.WITHDRAW)
    with transaction.atomic():
        _use(challenge, at=timezone.now())
        return review.withdraw_by_signer(signature.pk)


# --- The voter's own data -----------------------------------------------------------------------


def start_data_view(receipt: str, iin: str) -> EdsStatement:
    """A statement asking to see the data kept on the signature with this receipt and IIN."""
    signature = codes.find_signature(receipt, iin)
    return issue(signature.petition, purpose=ConfirmPurpose.VIEW, signature=signature)


def view_with_eds(challenge_value: str, cms: str) -> int:
    """The signature's id, if the certificate's IIN is its signer's (the view opens its page)."""
    challenge, signature = _signers_statement(challenge_value, cms, ConfirmPurpose.VIEW)
    _use(challenge, at=timezone.now())
    return signature.pk
