"""Signing, withdrawing and opening one's own data with eGov Mobile (QR code or deep link).

The statement is the EDS path's (recall.services.signing.eds.issue: the same bytes, the same
one-time challenge); only the device that signs differs. ``start`` registers a procedure with
the QR signing service (``RECALL_MOBILE_SIGN_BACKEND``: "sigex", recall/eds/egov_qr.py) and
keeps it as a ``MobileSigning`` row; the voter's page then polls ``advance``, and each poll asks
the service one thing with a short timeout (hand the statement over, then fetch the CMS), so no
request waits for the person with the phone. The CMS that comes back goes through
``eds.sign_with_eds`` / ``withdraw_with_eds`` / ``view_with_eds``: the same verification,
certificate profile, one-use challenge and register check as a CMS from NCALayer, and the
signature is stored with channel ``egov_mobile``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from ...eds.egov_qr import Pending, QrSigningError, SigexQrClient
from ...errors import NotFound
from ...models import Channel, ConfirmPurpose, EdsStatement, MobileSigning, Signature
from . import eds

logger = logging.getLogger(__name__)

WAITING = "waiting"  # the QR code is shown; the phone has not taken the statement yet
SCANNED = "scanned"  # the phone has the statement; the voter has not signed yet


def enabled() -> bool:
    """On when a QR signing service is configured and an EDS backend can verify what it returns."""
    return settings.RECALL_MOBILE_SIGN_BACKEND == "sigex" and eds.enabled()


@functools.cache
def client() -> SigexQrClient:
    return SigexQrClient(settings.RECALL_MOBILE_SIGN_SIGEX_URL, timeout=settings.RECALL_MOBILE_SIGN_TIMEOUT_SECONDS)


@receiver(setting_changed)
def _reset_client(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("RECALL_MOBILE_SIGN_"):
        client.cache_clear()


def _expired() -> eds.EdsRefused:
    return eds.EdsRefused("mobile_expired", _("The QR code has expired. Start again to get a new one."))


def _unavailable() -> eds.EdsRefused:
    refusal = eds.EdsRefused(
        "mobile_unavailable",
        _("Signing with eGov Mobile is not available just now. Try again in a few minutes, or sign with EDS."),
    )
    refusal.status = 503
    return refusal


def _cancelled() -> eds.EdsRefused:
    return eds.EdsRefused(
        "mobile_cancelled",
        _("Signing was cancelled in eGov Mobile, or this QR code was already used. Start again to get a new one."),
    )


def start(challenge_value: str) -> MobileSigning:
    """A QR signing procedure for the site's statement ``challenge_value`` (a new one replaces an
    earlier one: the voter asked for a fresh QR code)."""
    if not enabled():
        raise NotFound(_("Signing with eGov Mobile is not available on this site."))
    statement = eds.open_challenge(challenge_value)
    if statement.client_id is not None:
        raise NotFound(_("This statement does not exist; start again."))
    try:
        procedure = client().register(_("Petition to recall a deputy"))
    except (QrSigningError, Pending) as error:
        logger.warning("QR signing: registration failed: %s", error)
        raise _unavailable() from error
    row, _created = MobileSigning.objects.update_or_create(
        statement=statement,
        defaults={
            "qr_code": procedure.qr_code,
            "mobile_link": procedure.mobile_link,
            "business_link": procedure.business_link,
            "data_url": procedure.data_url,
            "sign_url": procedure.sign_url,
            "expire_at": procedure.expire_at,
            "data_sent_at": None,
        },
    )
    return row


def procedure(statement: EdsStatement) -> MobileSigning | None:
    """The statement's procedure while it can still be signed, or None."""
    row = MobileSigning.objects.filter(statement=statement).first()
    if row is None or row.expire_at <= timezone.now():
        return None
    return row


@dataclass(frozen=True)
class Done:
    """What the signed statement did: a signature stored, withdrawn, or its data opened."""

    purpose: str
    signature: Signature | None = None
    signature_id: int | None = None


def advance(challenge_value: str, *, address: str = "") -> str | Done:
    """One step of the procedure: WAITING or SCANNED while the voter is at it, ``Done`` once the
    signed statement is accepted; EdsRefused (expired, cancelled, the signature refused) ends
    the procedure, and the voter starts again with a new QR code over the same statement."""
    statement = eds.open_challenge(challenge_value)
    row = MobileSigning.objects.filter(statement=statement).first()
    if row is None:
        raise NotFound(_("Start signing with eGov Mobile first."))
    try:
        if row.expire_at <= timezone.now() and row.data_sent_at is None:
            raise _expired()
        if row.data_sent_at is None:
            return _send(row, statement)
        cms = _fetch(row)
        if cms is None:
            return SCANNED
        return _complete(statement, cms, address=address)
    except eds.EdsRefused as refusal:
        if refusal.reason not in eds.eds_codes.TRANSIENT_CODES and refusal.reason != "mobile_unavailable":
            row.delete()
        raise


def _send(row: MobileSigning, statement: EdsStatement) -> str:
    names = [_("Petition to recall a deputy: statement %(challenge)s") % {"challenge": statement.challenge[:8]}] * 3
    meta = [{"name": "petition", "value": str(statement.petition_id)}, {"name": "purpose", "value": statement.purpose}]
    try:
        client().send_data(row.data_url, names=names, data=statement.statement.encode("utf-8"), meta=meta)
    except Pending:
        return WAITING
    except QrSigningError as error:
        raise _refusal(row, error) from error
    MobileSigning.objects.filter(pk=row.pk, data_sent_at__isnull=True).update(data_sent_at=timezone.now())
    return SCANNED


def _fetch(row: MobileSigning) -> str | None:
    try:
        signatures = client().signatures(row.sign_url)
    except Pending:
        return None
    except QrSigningError as error:
        raise _refusal(row, error) from error
    if len(signatures) != 1:
        raise eds.EdsRefused(eds.eds_codes.MALFORMED)
    return signatures[0]


def _refusal(row: MobileSigning, error: QrSigningError) -> eds.EdsRefused:
    # SIGEX's message is for developers, in Russian: it is logged, the voter gets ours.
    logger.info("QR signing refused: %s", error.message)
    if error.unavailable:
        return _unavailable()
    if row.expire_at <= timezone.now():
        return _expired()
    return _cancelled()


def _complete(statement: EdsStatement, cms: str, *, address: str) -> Done:
    if statement.purpose == ConfirmPurpose.SIGN:
        signature = eds.sign_with_eds(
            statement.challenge, cms, petition_id=statement.petition_id, address=address, channel=Channel.EGOV_MOBILE
        )
        return Done(ConfirmPurpose.SIGN, signature=signature, signature_id=signature.pk)
    if statement.purpose == ConfirmPurpose.WITHDRAW:
        signature = eds.withdraw_with_eds(statement.challenge, cms)
        return Done(ConfirmPurpose.WITHDRAW, signature=signature, signature_id=signature.pk)
    return Done(ConfirmPurpose.VIEW, signature_id=eds.view_with_eds(statement.challenge, cms))
