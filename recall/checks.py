"""System checks: settings that would otherwise fail only when a request needs them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import ratelimit
from .ledger import note
from .services.ledger import witnesses


@checks.register(checks.Tags.security)
def rates_are_readable(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    rates = {
        name: getattr(settings, name)
        for name in ("RECALL_WEB_FORM_RATE", "RECALL_OTP_PHONE_RATE_PER_ADDRESS", "RECALL_OTP_PHONE_RATE")
    }
    rates.update(
        {f"DEFAULT_THROTTLE_RATES[{k!r}]": v for k, v in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items()}
    )
    errors = []
    for name, rate in rates.items():
        try:
            ratelimit.parse_rate(rate)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(f"{name}: {error}", id="recall.E001"))
    return errors


@checks.register(checks.Tags.security)
def sessions_end_within_a_working_day(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Officials handle personal data: an idle session ends within 8 hours (each request
    renews it, SESSION_SAVE_EVERY_REQUEST)."""
    errors = []
    if settings.SESSION_COOKIE_AGE > 8 * 3600:
        errors.append(checks.Error("RECALL_SESSION_IDLE_MINUTES is more than 480 (8 hours).", id="recall.E003"))
    if not settings.SESSION_SAVE_EVERY_REQUEST:
        errors.append(
            checks.Error("SESSION_SAVE_EVERY_REQUEST must be on: sessions end after idle time.", id="recall.E004")
        )
    return errors


@checks.register(checks.Tags.security)
def ledger_key_is_readable(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The ledger's key must be an Ed25519 signer key: a typo would surface only at the first
    checkpoint, long after the deployment (production refuses to start without one at all)."""
    skey = settings.RECALL_LEDGER_SIGNING_KEY
    if not skey:
        return []
    try:
        signer = note.Signer.from_skey(skey)
    except (ValueError, note.NoteError) as error:
        return [checks.Error(f"RECALL_LEDGER_SIGNING_KEY: {error}", id="recall.E002")]
    if signer.alg != note.ALG_ED25519:
        return [checks.Error("RECALL_LEDGER_SIGNING_KEY must be an Ed25519 (0x01) key.", id="recall.E002")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def certified_summary_is_signed_and_timestamped(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The certified summary is refused without the commission's certificate and key and a
    timestamp authority: say so at deployment, not when the commission first issues one."""
    if not settings.RECALL_SUMMARY_REQUIRE_SIGNATURE:
        return []
    errors = []
    if not (settings.RECALL_SUMMARY_SIGNING_CERT and settings.RECALL_SUMMARY_SIGNING_KEY):
        errors.append(
            checks.Error(
                "The certified summary cannot be issued: RECALL_SUMMARY_SIGNING_CERT and RECALL_SUMMARY_SIGNING_KEY "
                "(the commission's certificate and key, PEM) are not set.",
                id="recall.E005",
            )
        )
    if not settings.RECALL_TSA_URL:
        errors.append(
            checks.Error(
                "The certified summary cannot be timestamped: RECALL_TSA_URL (an RFC 3161 timestamp authority) "
                "is not set.",
                id="recall.E006",
            )
        )
    return errors


@checks.register(checks.Tags.security)
def witnesses_are_readable(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        witnesses.accredited()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="recall.E007")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def the_beacon_is_public(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A stand-in beacon's rounds are signed by a key of the service's: a deployment's sample
    must take drand's rounds, which nobody here can predict."""
    if settings.RECALL_BEACON != "drand":
        return [checks.Error("RECALL_BEACON must be 'drand' in a deployment.", id="recall.E008")]
    if not witnesses.accredited():
        return [
            checks.Warning(
                "RECALL_LEDGER_WITNESSES is empty: no accredited witness cosigns the ledger, so nobody can tell "
                "a rewritten or split history from the true one.",
                id="recall.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def metrics_need_a_token(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """/metrics names every petition's checkpoint age, queue depths and failure rates: the
    operators', not the public's."""
    if settings.RECALL_METRICS_TOKEN:
        return []
    return [
        checks.Warning(
            "RECALL_METRICS_TOKEN is empty: anyone can read /metrics. Set it, or keep /metrics off the public proxy.",
            id="recall.W002",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def eds_has_trust_roots(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The built-in verifier trusts only RECALL_EDS_TRUST_ROOTS: without them every EDS
    signature would be refused (or, misconfigured, trusted from nowhere). NCANode carries the
    NCA's certificates itself."""
    if settings.RECALL_EDS_BACKEND == "builtin" and not settings.RECALL_EDS_TRUST_ROOTS:
        return [
            checks.Error(
                "RECALL_EDS_BACKEND is builtin but RECALL_EDS_TRUST_ROOTS names no root certificate: "
                "set the NCA's roots (manage.py install_nca_roots), use ncanode, or switch EDS off explicitly (RECALL_EDS_BACKEND=off).",
                id="recall.E009",
            )
        ]
    if settings.RECALL_EDS_BACKEND not in ("", "builtin", "ncanode"):
        return [
            checks.Error(
                f"RECALL_EDS_BACKEND {settings.RECALL_EDS_BACKEND!r}: builtin, ncanode or off.", id="recall.E009"
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def mobile_signing_is_verified(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """eGov Mobile's CMS is verified by the EDS backend: without one the option would silently
    not appear, and an unknown QR signing service would be a typo."""
    backend = settings.RECALL_MOBILE_SIGN_BACKEND
    if backend not in ("", "sigex"):
        return [checks.Error(f"RECALL_MOBILE_SIGN_BACKEND {backend!r}: sigex or empty.", id="recall.E010")]
    if backend and not settings.RECALL_EDS_BACKEND:
        return [
            checks.Error(
                "RECALL_MOBILE_SIGN_BACKEND is set but RECALL_EDS_BACKEND is off: eGov Mobile's signatures "
                "are verified by the EDS backend.",
                id="recall.E010",
            )
        ]
    return []
