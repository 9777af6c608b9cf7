"""Fixtures of the EDS tests: one responder and test CAs for the session, certificates by role,
and the service set to verify with the built-in backend against the test CA.

The pure tests (the verifiers, the statement, NCALayer's protocol) need neither the ORM nor
Django's test database; the service's tests ask for ``collecting`` and the like.
"""

from __future__ import annotations

import datetime as dt

import pytest

from recall.eds.builtin import BuiltinVerifier
from recall.eds.statement import build_statement, new_challenge
from tests.factories import VoterFactory

from .ca import Issued, TestCA, now
from .responder import Responder


@pytest.fixture(scope="session")
def responder():
    server = Responder().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _responder_up(responder):
    """Each test starts with a reachable responder, whatever the previous one switched."""
    responder.mode = "up"
    yield
    responder.mode = "up"


@pytest.fixture(scope="session")
def ca(responder) -> TestCA:
    return responder.register(TestCA(responder.url))


@pytest.fixture(autouse=True)
def eds_settings(settings, ca):
    """The service verifies EDS signatures in-process against the test CA's root."""
    settings.RECALL_EDS_BACKEND = "builtin"
    settings.RECALL_EDS_TRUST_ROOTS = [ca.root_pem()]
    settings.RECALL_EDS_TIMEOUT_SECONDS = 2


# certs["rsa"] names АХМЕТОВ ЕРЛАН САРСЕНОВИЧ, IIN 900101300017.
AHMETOV = "Ахметов Ерлан Сарсенович"


@pytest.fixture
def ahmetov(collecting):
    """The register row of certs["rsa"]'s holder, in the collecting petition's district."""
    return VoterFactory(iin="900101300017", full_name=AHMETOV, district=collecting.district)


@pytest.fixture(scope="session")
def other_ca(responder) -> TestCA:
    """A CA nobody configured as trusted."""
    return responder.register(TestCA(responder.url, slug="other", name="OTHER CA"))


@pytest.fixture(scope="session")
def certs(ca: TestCA) -> dict[str, Issued]:
    """One certificate per case, issued once (RSA key generation is the slow part)."""
    today = now()
    issued = {
        "rsa": ca.issue(iin="900101300017", surname="АХМЕТОВ", given_name="ЕРЛАН", patronymic="САРСЕНОВИЧ"),
        "ec": ca.issue(iin="850615400026", surname="ИВАНОВА", given_name="АННА", patronymic="", key_type="ec"),
        "auth": ca.issue(kind="auth"),
        "bare": ca.issue(kind="bare"),
        "server": ca.issue(kind="server"),
        "no_policy": ca.issue(kind="no_policy"),
        "organisation": ca.issue(organisation=('ТОО "РОГА И КОПЫТА"', "123456789021")),
        "expired": ca.issue(not_before=today - dt.timedelta(days=400), not_after=today - dt.timedelta(days=1)),
        "not_yet_valid": ca.issue(not_before=today + dt.timedelta(days=2)),
        "revoked_ocsp": ca.issue(crl=False),  # only OCSP can tell
        "revoked_crl": ca.issue(ocsp=False),  # only the CRL can tell
        "crl_only": ca.issue(ocsp=False),
        "no_revocation_info": ca.issue(ocsp=False, crl=False),
    }
    ca.revoke(issued["revoked_ocsp"])
    ca.revoke(issued["revoked_crl"])
    return issued


@pytest.fixture(scope="session")
def untrusted(other_ca: TestCA) -> Issued:
    return other_ca.issue()


@pytest.fixture
def builtin(ca: TestCA) -> BuiltinVerifier:
    return BuiltinVerifier([ca.root_pem()], timeout=2)


@pytest.fixture
def statement() -> bytes:
    return make_statement(petition_id=12)


def make_statement(petition_id: int = 12, challenge: str | None = None, language: str = "ru") -> bytes:
    return build_statement(
        petition_id=petition_id,
        deputy="Иванов Иван Иванович",
        district="Мажилис, одномандатный округ № 9",
        grounds="Систематическое отсутствие на заседаниях без уважительных причин",
        date=dt.date(2026, 11, 25),
        language=language,
        challenge=challenge or new_challenge(),
    )


@pytest.fixture(scope="session")
def sigex_server():
    from .fake_sigex import FakeSigex

    server = FakeSigex().start()
    yield server
    server.stop()


@pytest.fixture
def sigex(sigex_server, settings, certs):
    """The stand-in SIGEX, its phone signing with certs["rsa"]; the service set to use it."""
    sigex_server.reset()
    sigex_server.signer = certs["rsa"]
    sigex_server.hold_seconds = 2.0
    settings.RECALL_MOBILE_SIGN_BACKEND = "sigex"
    settings.RECALL_MOBILE_SIGN_SIGEX_URL = sigex_server.url
    settings.RECALL_MOBILE_SIGN_TIMEOUT_SECONDS = 0.5
    yield sigex_server
    sigex_server.reset()
