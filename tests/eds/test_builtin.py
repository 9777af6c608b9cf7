"""The built-in backend against the test CA and its local OCSP/CRL responder."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import threading
import time

import pytest
import time_machine

from recall import iin as iin_module
from recall.eds import EdsError, make_verifier, parse_statement, revocation
from recall.eds.builtin import BuiltinVerifier
from recall.eds.verify import ERROR_CODES, TRANSIENT_CODES

from .ca import flip_signature_byte, replace_content, sign_cms
from .conftest import make_statement

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def hung_server():
    """A responder that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def ca_with_responder(ca, url: str):
    """A certificate of the test CA whose OCSP and CRL addresses are ``url``'s."""
    base = ca.base_url
    ca.base_url = url
    try:
        return ca.issue(iin="850615400026", surname="ИВАНОВА", given_name="АННА", patronymic="")
    finally:
        ca.base_url = base


def verify(verifier, cms: bytes, content: bytes, at: dt.datetime | None = None):
    return verifier.verify(cms, expected_content=content, at=at or dt.datetime.now(dt.UTC))


def refused(verifier, cms: bytes, content: bytes) -> EdsError:
    with pytest.raises(EdsError) as caught:
        verify(verifier, cms, content)
    assert caught.value.code in ERROR_CODES
    return caught.value


# --- good signatures ---------------------------------------------------------------------------


def test_a_good_rsa_signature_gives_the_iin_and_names_from_the_certificate(builtin, certs, statement):
    signed_from = dt.datetime.now(dt.UTC).replace(microsecond=0)
    info = verify(builtin, sign_cms(statement, certs["rsa"]), statement)
    signed_by = dt.datetime.now(dt.UTC)
    assert info.iin == "900101300017"
    assert iin_module.validate(info.iin) == info.iin  # the caller's check passes on a real IIN
    assert (info.surname, info.given_name, info.patronymic) == ("АХМЕТОВ", "ЕРЛАН", "САРСЕНОВИЧ")
    assert info.full_name == "АХМЕТОВ ЕРЛАН САРСЕНОВИЧ"
    assert info.common_name == "АХМЕТОВ ЕРЛАН"
    assert info.serial_number == format(certs["rsa"].cert.serial_number, "x")
    assert "ҰКО (TEST NCA)" in info.issuer
    assert info.certificate == certs["rsa"].der
    assert info.not_before <= NOW <= info.not_after
    # The signing time the CMS carries is the moment it was made (not when the module was read:
    # a slow run would drift past any fixed tolerance).
    assert info.signing_time is not None and signed_from <= info.signing_time <= signed_by
    assert info.backend == "builtin"


def test_a_good_ecdsa_signature_without_a_patronymic(builtin, certs, statement):
    info = verify(builtin, sign_cms(statement, certs["ec"]), statement)
    assert (info.iin, info.full_name, info.patronymic) == ("850615400026", "ИВАНОВА АННА", "")


def test_base64_as_a_form_posts_it_is_accepted(builtin, certs, statement):
    cms_b64 = base64.b64encode(sign_cms(statement, certs["rsa"]))
    assert verify(builtin, cms_b64, statement).iin == "900101300017"


def test_a_detached_signature_is_checked_against_the_statement(builtin, certs, statement):
    cms = sign_cms(statement, certs["rsa"], attached=False)
    assert verify(builtin, cms, statement).iin == "900101300017"
    assert refused(builtin, cms, make_statement(petition_id=13)).code == "content_mismatch"


def test_sha512_digests_are_accepted(builtin, certs, statement):
    assert verify(builtin, sign_cms(statement, certs["rsa"], digest="sha512"), statement).iin


def test_the_signed_statement_names_its_petition_and_challenge(builtin, certs):
    """Replays are the caller's job: it reads the challenge back to accept it only once."""
    statement = make_statement(petition_id=77, challenge="A" * 43)
    verify(builtin, sign_cms(statement, certs["rsa"]), statement)
    values = parse_statement(statement)
    assert values["petition_id"] == "77"
    assert values["challenge"] == "A" * 43


def test_make_verifier_builds_the_builtin_backend(ca, certs, statement):
    verifier = make_verifier("builtin", trust_roots=[ca.root_pem()], timeout=2)
    assert isinstance(verifier, BuiltinVerifier)
    assert verify(verifier, sign_cms(statement, certs["rsa"]), statement).iin


def test_trust_roots_can_be_files(tmp_path, ca, certs, statement):
    path = tmp_path / "roots.pem"
    path.write_bytes(ca.root_pem())
    verifier = BuiltinVerifier([path], timeout=2)
    assert verify(verifier, sign_cms(statement, certs["rsa"]), statement).iin


# --- the content ----------------------------------------------------------------------------------


def test_a_statement_of_another_petition_is_a_content_mismatch(builtin, certs, statement):
    other = make_statement(petition_id=13)
    assert refused(builtin, sign_cms(other, certs["rsa"]), statement).code == "content_mismatch"


def test_the_same_petition_with_another_challenge_is_a_content_mismatch(builtin, certs, statement):
    reused = make_statement(petition_id=12)  # an older statement: same petition, old challenge
    assert refused(builtin, sign_cms(reused, certs["rsa"]), statement).code == "content_mismatch"


def test_content_changed_inside_the_cms_is_refused(builtin, certs, statement):
    forged = statement.replace(b"12", b"13", 1)
    tampered = replace_content(sign_cms(statement, certs["rsa"]), forged)
    assert refused(builtin, tampered, statement).code == "content_mismatch"
    # even when the server expects the forged text, the digest gives it away
    assert refused(builtin, tampered, forged).code == "bad_signature"


def test_a_flipped_signature_byte_is_a_bad_signature(builtin, certs, statement):
    for kind in ("rsa", "ec"):
        cms = flip_signature_byte(sign_cms(statement, certs[kind]))
        assert refused(builtin, cms, statement).code == "bad_signature"


@pytest.mark.parametrize("garbage", [b"", b"not a cms", b"\x30\x03\x02\x01\x01", b"MIIB" + b"A" * 40])
def test_garbage_is_malformed(builtin, statement, garbage):
    assert refused(builtin, garbage, statement).code == "malformed"


def test_a_cms_without_the_signers_certificate_is_malformed(builtin, certs, statement):
    from asn1crypto import cms

    info = cms.ContentInfo.load(sign_cms(statement, certs["rsa"]))
    info["content"]["certificates"] = []
    assert refused(builtin, info.dump(force=True), statement).code == "malformed"


# --- the certificate ------------------------------------------------------------------------------


def test_an_authentication_key_is_the_wrong_key(builtin, certs, statement):
    error = refused(builtin, sign_cms(statement, certs["auth"]), statement)
    assert error.code == "wrong_key_usage"


def test_an_organisations_certificate_is_not_an_individuals(builtin, certs, statement):
    assert refused(builtin, sign_cms(statement, certs["organisation"]), statement).code == "not_individual"


def test_an_expired_certificate(builtin, certs, statement):
    assert refused(builtin, sign_cms(statement, certs["expired"]), statement).code == "expired"


def test_a_certificate_not_yet_valid(builtin, certs, statement):
    assert refused(builtin, sign_cms(statement, certs["not_yet_valid"]), statement).code == "expired"


def test_a_signing_time_outside_the_validity_is_expired(builtin, certs, statement):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3000)
    cms = sign_cms(statement, certs["rsa"], signing_time=long_ago)
    assert refused(builtin, cms, statement).code == "expired"


def test_a_certificate_from_an_untrusted_root(builtin, untrusted, statement):
    assert refused(builtin, sign_cms(statement, untrusted), statement).code == "untrusted_chain"


def test_a_chain_left_out_of_the_cms_is_found_from_configuration(ca, certs, statement):
    cms = sign_cms(statement, certs["rsa"], include_chain=False)
    with_intermediate = BuiltinVerifier([ca.root_pem()], intermediates=[certs["rsa"].chain[0].public_bytes(_pem())])
    assert verify(with_intermediate, cms, statement).iin


# --- revocation ---------------------------------------------------------------------------------


def test_revoked_by_ocsp(builtin, certs, statement, responder):
    responder.requests.clear()
    assert refused(builtin, sign_cms(statement, certs["revoked_ocsp"]), statement).code == "revoked"
    assert "/ocsp" in responder.requests


def test_revoked_by_crl(builtin, certs, statement, responder):
    responder.requests.clear()
    assert refused(builtin, sign_cms(statement, certs["revoked_crl"]), statement).code == "revoked"
    assert "/crl/test-sub.crl" in responder.requests


def test_a_certificate_with_only_a_crl_is_accepted_when_not_listed(builtin, certs, statement):
    assert verify(builtin, sign_cms(statement, certs["crl_only"]), statement).iin


def test_an_unreachable_responder_holds_the_signature_instead_of_refusing_it(builtin, certs, statement, responder):
    """Everything but the status verified, and only a responder that does not answer kept it
    unknown: the signer is returned, marked pending, for the worker to decide later."""
    responder.mode = "down"
    info = verify(builtin, sign_cms(statement, certs["rsa"]), statement)
    assert info.revocation_pending and info.iin == "900101300017"
    # A tampered signature is still refused at once: the status is the last thing asked.
    assert refused(builtin, flip_signature_byte(sign_cms(statement, certs["rsa"])), statement).code == "bad_signature"
    assert "revocation_unknown" in TRANSIENT_CODES


def test_a_broken_responder_fails_closed(builtin, certs, statement, responder):
    responder.mode = "error"
    assert refused(builtin, sign_cms(statement, certs["rsa"]), statement).code == "revocation_unknown"


def test_a_certificate_declaring_no_revocation_source_fails_closed(builtin, certs, statement):
    cms = sign_cms(statement, certs["no_revocation_info"])
    assert refused(builtin, cms, statement).code == "revocation_unknown"


def test_revocation_checks_can_be_switched_off_for_development(ca, certs, statement, responder):
    responder.mode = "down"
    offline = BuiltinVerifier([ca.root_pem()], check_revocation=False)
    assert verify(offline, sign_cms(statement, certs["revoked_ocsp"]), statement).iin


# --- algorithms and arguments -------------------------------------------------------------------


def test_gost_is_refused_with_a_pointer_to_ncanode(builtin, certs, statement):
    from asn1crypto import cms

    info = cms.ContentInfo.load(sign_cms(statement, certs["rsa"]))
    signer = info["content"]["signer_infos"][0]
    signer["signature_algorithm"] = {"algorithm": "1.2.398.3.10.1.1.2.3.2"}  # Kalkan GOST 34.10-2015
    error = refused(builtin, info.dump(force=True), statement)
    assert error.code == "unsupported_algorithm"
    assert "NCANode" in error.message


def test_a_naive_datetime_is_a_programming_error(builtin, certs, statement):
    with pytest.raises(ValueError):
        builtin.verify(sign_cms(statement, certs["rsa"]), expected_content=statement, at=dt.datetime.now())


def test_an_unknown_error_code_cannot_be_raised():
    with pytest.raises(ValueError):
        EdsError("oops", "no such code")


def _pem():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.PEM


def test_ber_as_kalkan_writes_it_is_read(builtin, certs, statement):
    from .ca import to_ber

    ber = to_ber(sign_cms(statement, certs["rsa"]))
    assert ber[:2] == b"\x30\x80"
    assert verify(builtin, ber, statement).iin == "900101300017"
    tampered = to_ber(replace_content(sign_cms(statement, certs["rsa"]), statement.replace(b"12", b"13", 1)))
    assert refused(builtin, tampered, statement).code == "content_mismatch"


def test_ca_issuers_urls_are_never_followed(builtin, certs, statement, responder):
    """A missing intermediate is not fetched from the certificate's AIA (an attacker's URL)."""
    responder.requests.clear()
    cms = sign_cms(statement, certs["rsa"], include_chain=False)
    assert refused(builtin, cms, statement).code == "untrusted_chain"
    assert not [path for path in responder.requests if path.startswith("/cert/")]


# --- revocation answers kept, short timeouts, responders marked down ------------------------------


def test_an_ocsp_answer_is_kept_until_its_next_update(ca, certs, statement, responder):
    verifier = BuiltinVerifier([ca.root_pem()], timeout=2)
    responder.requests.clear()
    verify(verifier, sign_cms(statement, certs["rsa"]), statement)
    asked = responder.requests.count("/ocsp")
    assert asked == 1
    verify(verifier, sign_cms(statement, certs["rsa"]), statement)  # the same key signs again
    assert responder.requests.count("/ocsp") == 1
    # The responder's answers name a nextUpdate an hour away: after it, asked again.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)):
        verify(verifier, sign_cms(statement, certs["rsa"]), statement, at=dt.datetime.now(dt.UTC))
    assert responder.requests.count("/ocsp") == 2


def test_a_revoked_answer_is_kept_too(ca, certs, statement, responder):
    verifier = BuiltinVerifier([ca.root_pem()], timeout=2)
    assert refused(verifier, sign_cms(statement, certs["revoked_ocsp"]), statement).code == "revoked"
    responder.mode = "down"
    assert refused(verifier, sign_cms(statement, certs["revoked_ocsp"]), statement).code == "revoked"


def test_beat_refreshes_the_crls_a_request_would_need(ca, certs, statement, responder):
    store = revocation.MemoryStore()
    verifier = BuiltinVerifier([ca.root_pem()], timeout=2, revocation_store=store)
    verify(verifier, sign_cms(statement, certs["crl_only"]), statement)  # names its CRL once
    refreshed = revocation.refresh_crls(store, revocation.Policy(timeout=2))
    assert refreshed and all(refreshed.values())
    responder.requests.clear()
    verify(verifier, sign_cms(statement, certs["crl_only"]), statement)
    assert not [p for p in responder.requests if p.startswith("/crl/")]  # the request fetched none


def test_a_hung_responder_costs_one_short_timeout_then_none(ca, certs, statement, responder, hung_server):
    """A responder that accepts and never answers: the first signature waits the short timeout
    and is held; the next ones skip the responder, marked down in the shared store."""
    store = revocation.MemoryStore()
    policy = revocation.Policy(timeout=0.5, down_seconds=30)
    verifier = BuiltinVerifier([ca.root_pem()], revocation_store=store, revocation_policy=policy)
    hung = ca_with_responder(ca, hung_server)
    started = time.monotonic()
    assert verify(verifier, sign_cms(statement, hung), statement).revocation_pending
    first = time.monotonic() - started
    started = time.monotonic()
    assert verify(verifier, sign_cms(statement, hung), statement).revocation_pending
    second = time.monotonic() - started
    assert 0.4 < first < 2.5, first
    assert second < 0.4, second
    # Another process reading the same store skips it too.
    other = BuiltinVerifier([ca.root_pem()], revocation_store=store, revocation_policy=policy)
    started = time.monotonic()
    assert verify(other, sign_cms(statement, hung), statement).revocation_pending
    assert time.monotonic() - started < 0.4
