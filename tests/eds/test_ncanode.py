"""The NCANode backend against the fake NCANode (tests.eds.fake_ncanode), same cases as built-in."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine

from recall.eds import EdsError, make_verifier, outages
from recall.eds.ncanode import NcaNodeVerifier, parse_time

from .ca import flip_signature_byte, replace_content, sign_cms
from .conftest import make_statement
from .fake_ncanode import FakeNCANode


@pytest.fixture(scope="session")
def fake_ncanode(responder, ca, certs):
    node = FakeNCANode(
        ca_certs=[ca.intermediate, ca.root],  # NCANODE_CA_URL: the NCA's issuing certificates
        ocsp_url=f"{responder.url}/ocsp",  # NCANODE_OCSP_URL
        crl_urls=[f"{responder.url}/crl/test-sub.crl"],  # NCANODE_CRL_URL
        timeout=2,
    ).start()
    yield node
    node.stop()


@pytest.fixture(autouse=True)
def _ncanode_up(fake_ncanode):
    fake_ncanode.mode = "up"
    fake_ncanode.requests.clear()
    yield
    fake_ncanode.mode = "up"


@pytest.fixture
def ncanode(fake_ncanode) -> NcaNodeVerifier:
    return NcaNodeVerifier(fake_ncanode.url, timeout=3)


def verify(verifier, cms: bytes, content: bytes):
    return verifier.verify(cms, expected_content=content, at=dt.datetime.now(dt.UTC))


def refused(verifier, cms: bytes, content: bytes) -> EdsError:
    with pytest.raises(EdsError) as caught:
        verify(verifier, cms, content)
    return caught.value


# --- the request and the answer -------------------------------------------------------------


def test_a_good_rsa_signature(ncanode, fake_ncanode, certs, statement):
    info = verify(ncanode, sign_cms(statement, certs["rsa"]), statement)
    assert (info.iin, info.full_name) == ("900101300017", "АХМЕТОВ ЕРЛАН САРСЕНОВИЧ")
    assert info.serial_number == format(certs["rsa"].cert.serial_number, "x")
    assert info.backend == "ncanode"
    path, payload = fake_ncanode.requests[0]
    assert path == "/cms/verify"
    assert payload["revocationCheck"] == ["OCSP", "CRL"]
    assert "data" not in payload  # attached: NCANode reads the content from the CMS
    assert fake_ncanode.requests[1][0] == "/cms/extract"  # and says what it saw as signed


def test_a_good_ecdsa_signature(ncanode, certs, statement):
    assert verify(ncanode, sign_cms(statement, certs["ec"]), statement).full_name == "ИВАНОВА АННА"


def test_a_detached_signature_sends_the_statement_as_data(ncanode, fake_ncanode, certs, statement):
    cms = sign_cms(statement, certs["rsa"], attached=False)
    assert verify(ncanode, cms, statement).iin
    path, payload = fake_ncanode.requests[0]
    assert path == "/cms/verify" and payload["data"]
    assert refused(ncanode, cms, make_statement(petition_id=13)).code == "content_mismatch"


def test_only_ocsp_can_be_asked(fake_ncanode, certs, statement):
    verifier = NcaNodeVerifier(fake_ncanode.url, revocation_checks=["OCSP"])
    assert verify(verifier, sign_cms(statement, certs["rsa"]), statement).iin
    assert fake_ncanode.requests[0][1]["revocationCheck"] == ["OCSP"]


def test_make_verifier_builds_the_ncanode_backend(fake_ncanode, certs, statement):
    verifier = make_verifier("ncanode", base_url=fake_ncanode.url + "/", timeout=3)
    assert verify(verifier, sign_cms(statement, certs["rsa"]), statement).iin


# --- the same refusals as the built-in backend ----------------------------------------------------


def test_a_statement_of_another_petition(ncanode, fake_ncanode, certs, statement):
    other = make_statement(petition_id=13)
    assert refused(ncanode, sign_cms(other, certs["rsa"]), statement).code == "content_mismatch"
    assert fake_ncanode.requests == []  # refused before asking NCANode


def test_content_changed_inside_the_cms(ncanode, certs, statement):
    forged = statement.replace(b"12", b"13", 1)
    tampered = replace_content(sign_cms(statement, certs["rsa"]), forged)
    assert refused(ncanode, tampered, statement).code == "content_mismatch"
    assert refused(ncanode, tampered, forged).code == "bad_signature"  # NCANode: digest mismatch


def test_a_flipped_signature_byte(ncanode, certs, statement):
    assert refused(ncanode, flip_signature_byte(sign_cms(statement, certs["rsa"])), statement).code == "bad_signature"


def test_garbage_is_malformed_without_asking_ncanode(ncanode, fake_ncanode, statement):
    assert refused(ncanode, b"not a cms at all", statement).code == "malformed"
    assert fake_ncanode.requests == []


def test_an_authentication_key(ncanode, certs, statement):
    assert refused(ncanode, sign_cms(statement, certs["auth"]), statement).code == "wrong_key_usage"


def test_an_organisation(ncanode, certs, statement):
    assert refused(ncanode, sign_cms(statement, certs["organisation"]), statement).code == "not_individual"


@pytest.mark.parametrize("kind", ["expired", "not_yet_valid"])
def test_outside_the_validity(ncanode, certs, statement, kind):
    assert refused(ncanode, sign_cms(statement, certs[kind]), statement).code == "expired"


def test_revoked_by_ocsp(fake_ncanode, certs, statement):
    verifier = NcaNodeVerifier(fake_ncanode.url, revocation_checks=["OCSP"])
    assert refused(verifier, sign_cms(statement, certs["revoked_ocsp"]), statement).code == "revoked"


def test_revoked_by_crl(fake_ncanode, certs, statement):
    verifier = NcaNodeVerifier(fake_ncanode.url, revocation_checks=["CRL"])
    assert refused(verifier, sign_cms(statement, certs["revoked_crl"]), statement).code == "revoked"


def test_a_certificate_from_an_untrusted_root(ncanode, untrusted, statement):
    assert refused(ncanode, sign_cms(statement, untrusted), statement).code == "untrusted_chain"


def test_an_unreachable_ocsp_responder_fails_closed(ncanode, certs, statement, responder):
    responder.mode = "down"
    assert refused(ncanode, sign_cms(statement, certs["rsa"]), statement).code == "revocation_unknown"


# --- NCANode itself -------------------------------------------------------------------------------


def test_ncanode_unreachable(ncanode, fake_ncanode, certs, statement):
    fake_ncanode.mode = "down"
    assert refused(ncanode, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"


def test_nothing_listening_at_all(certs, statement):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    verifier = NcaNodeVerifier(f"http://127.0.0.1:{port}", timeout=1)
    assert refused(verifier, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"


def test_ncanode_failing(ncanode, fake_ncanode, certs, statement):
    fake_ncanode.mode = "error"
    assert refused(ncanode, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"


def test_ncanode_too_slow(fake_ncanode, certs, statement):
    fake_ncanode.mode, fake_ncanode.delay = "slow", 1.5
    verifier = NcaNodeVerifier(fake_ncanode.url, timeout=0.5)
    assert refused(verifier, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"


def test_a_hung_ncanode_costs_one_timeout_then_none_for_every_process(fake_ncanode, certs, statement):
    """NCANode that does not answer in time is marked down in the shared store: the next
    signatures, in this process or another, are refused at once (503) instead of each waiting."""
    fake_ncanode.mode, fake_ncanode.delay = "slow", 1.5
    store = outages.MemoryStore()
    first = NcaNodeVerifier(fake_ncanode.url, timeout=0.5, store=store, down_seconds=30)
    started = time.monotonic()
    assert refused(first, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"
    assert 0.4 < time.monotonic() - started < 1.4
    other = NcaNodeVerifier(fake_ncanode.url, timeout=0.5, store=store, down_seconds=30)
    asked = len(fake_ncanode.requests)
    started = time.monotonic()
    assert refused(other, sign_cms(statement, certs["rsa"]), statement).code == "backend_unavailable"
    assert time.monotonic() - started < 0.3 and len(fake_ncanode.requests) == asked
    # After the down period it is asked again, and answers.
    fake_ncanode.mode = "up"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)):
        assert verify(other, sign_cms(statement, certs["rsa"]), statement).iin


def test_ncanode_reporting_another_certificate_is_refused(ncanode, fake_ncanode, certs, statement, monkeypatch):
    original = fake_ncanode.cms_verify

    def other_serial(payload):
        status, body = original(payload)
        body["signers"][0]["certificates"][0]["serialNumber"] = "abc"
        return status, body

    monkeypatch.setattr(fake_ncanode, "cms_verify", other_serial)
    assert refused(ncanode, sign_cms(statement, certs["rsa"]), statement).code == "malformed"


def test_ncanodes_documented_inner_list_name_is_read_too(ncanode, fake_ncanode, certs, statement, monkeypatch):
    """openapi.yml calls the inner list "signers"; the Java DTO serialises "certificates"."""
    original = fake_ncanode.cms_verify

    def documented(payload):
        status, body = original(payload)
        body["signers"][0]["signers"] = body["signers"][0].pop("certificates")
        return status, body

    monkeypatch.setattr(fake_ncanode, "cms_verify", documented)
    assert verify(ncanode, sign_cms(statement, certs["rsa"]), statement).iin


def test_ncanodes_extract_must_agree_with_the_statement(ncanode, fake_ncanode, certs, statement, monkeypatch):
    monkeypatch.setattr(fake_ncanode, "cms_extract", lambda payload: (200, {"status": 200, "data": "b3RoZXI="}))
    assert refused(ncanode, sign_cms(statement, certs["rsa"]), statement).code == "content_mismatch"


def test_ncanode_dates():
    assert parse_time("2022-05-02T08:38:13.000+00:00") == dt.datetime(2022, 5, 2, 8, 38, 13, tzinfo=dt.UTC)
    assert parse_time(1651480693000) == dt.datetime(2022, 5, 2, 8, 38, 13, tzinfo=dt.UTC)
    assert parse_time("nonsense") is None


def test_revocation_checks_are_validated():
    with pytest.raises(ValueError):
        NcaNodeVerifier("http://ncanode:14579", revocation_checks=["NONE"])


def gost_cms(statement: bytes, signer) -> bytes:
    """An NCALayer-like CMS whose key and signature claim Kalkan's GOST 34.10-2015 (512-bit).

    Nothing here can check GOST: the point is that the NCANode backend reads such a CMS without
    crypto and leaves the verification to NCANode, while the built-in backend refuses it."""
    from asn1crypto import cms

    info = cms.ContentInfo.load(sign_cms(statement, signer))
    signed = info["content"]
    cert = signed["certificates"][0].chosen
    cert["tbs_certificate"]["subject_public_key_info"]["algorithm"] = {"algorithm": "1.2.398.3.10.1.1.2.2"}
    cert["tbs_certificate"]["signature"] = {"algorithm": "1.2.398.3.10.1.1.2.3.2"}
    cert["signature_algorithm"] = {"algorithm": "1.2.398.3.10.1.1.2.3.2"}
    signed["signer_infos"][0]["signature_algorithm"] = {"algorithm": "1.2.398.3.10.1.1.2.3.2"}
    return info.dump(force=True)


def test_gost_signatures_are_left_to_ncanode(ncanode, fake_ncanode, certs, statement, monkeypatch, builtin):
    cms = gost_cms(statement, certs["rsa"])
    assert refused(builtin, cms, statement).code == "unsupported_algorithm"

    def kalkan_says_valid(payload):  # what a real NCANode answers for a good GOST signature
        return 200, {
            "status": 200,
            "message": "OK",
            "valid": True,
            "signers": [
                {
                    "certificates": [
                        {
                            "valid": True,
                            "revocations": [
                                {"revoked": False, "by": "CRL", "revocationTime": None, "reason": None},
                                {"revoked": False, "by": "OCSP", "revocationTime": None, "reason": "OK"},
                            ],
                            "notBefore": "2026-01-01T00:00:00.000+00:00",
                            "notAfter": "2099-01-01T00:00:00.000+00:00",
                            "keyUsage": "SIGN",
                            "serialNumber": format(certs["rsa"].cert.serial_number, "x"),
                            "signAlg": "ECGOST34310",
                            "keyUser": ["INDIVIDUAL"],
                            "subject": {"iin": "900101300017", "surName": "АХМЕТОВ", "lastName": "САРСЕНОВИЧ"},
                        }
                    ],
                    "tsp": None,
                }
            ],
        }

    monkeypatch.setattr(fake_ncanode, "cms_verify", kalkan_says_valid)
    info = verify(ncanode, cms, statement)
    assert (info.iin, info.full_name) == ("900101300017", "АХМЕТОВ ЕРЛАН САРСЕНОВИЧ")
    assert fake_ncanode.requests[0][1]["cms"]  # the whole CMS went to NCANode


def test_ber_as_kalkan_writes_it_is_read(ncanode, certs, statement):
    from .ca import to_ber

    assert verify(ncanode, to_ber(sign_cms(statement, certs["rsa"])), statement).iin == "900101300017"
