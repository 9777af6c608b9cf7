"""Signing and withdrawing with EDS through the service (recall.services.signing.eds): the test
CA's certificates, its local OCSP/CRL responder, the built-in backend and the fake NCANode."""

from __future__ import annotations

import base64
import datetime as dt
import logging

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone, translation

from recall import crypto
from recall.errors import AlreadySigned
from recall.models import Channel, EdsStatement, Ground, Signature, SignatureState
from recall.services.signing import codes, eds, held
from recall.services.verification import counts
from recall.services.verification.batches import verify_all
from tests.factories import VoterFactory

from .ca import Issued, flip_signature_byte, replace_content, sign_cms
from .conftest import AHMETOV
from .fake_ncanode import FakeNCANode

pytestmark = pytest.mark.django_db

ADDRESS = "Караганда, ул. Абая, 1"


def signed(challenge: EdsStatement, signer: Issued, **options) -> str:
    return base64.b64encode(sign_cms(challenge.statement.encode(), signer, **options)).decode()


def sign(collecting, signer: Issued, *, language: str = "ru") -> Signature:
    with translation.override(language):
        challenge = eds.issue(collecting)
        return eds.sign_with_eds(
            challenge.challenge, signed(challenge, signer), petition_id=collecting.pk, address=ADDRESS
        )


def refused(collecting, cms_for, *, language: str = "en", challenge=None, petition_id=None) -> str:
    """The message of the refusal; and nothing was stored."""
    before = Signature.objects.count()
    with translation.override(language):
        challenge = challenge or eds.issue(collecting)
        with pytest.raises(eds.EdsRefused) as caught:
            eds.sign_with_eds(
                challenge.challenge,
                cms_for(challenge),
                petition_id=petition_id or collecting.pk,
                address=ADDRESS,
            )
        message = str(caught.value.message)
    assert Signature.objects.count() == before
    return message


# --- the statement ------------------------------------------------------------------------------


def test_the_statement_names_the_petition_deputy_grounds_and_date_in_the_pages_language(collecting):
    with translation.override("kk"):
        challenge = eds.issue(collecting)
    text = challenge.statement
    assert f"Петиция №: {collecting.pk}\n" in text
    assert f"Депутат: {collecting.deputy.full_name}\n" in text
    assert "Кері шақыру негіздері: The deputy has not met voters since the election.\n" in text
    assert f"Күні: {timezone.localdate().isoformat()}\n" in text
    assert f"Бір реттік код: {challenge.challenge}\n" in text
    assert challenge.language == "kk"


def test_a_petition_not_collecting_issues_no_statement(applied):
    with pytest.raises(eds.PetitionNotCollecting):
        eds.issue(applied)


def test_without_a_backend_no_statement_is_issued(collecting, settings):
    settings.RECALL_EDS_BACKEND = ""
    with pytest.raises(eds.NotFound):
        eds.issue(collecting)


# --- a good signature ---------------------------------------------------------------------------


def test_a_good_signature_is_stored_with_the_certificates_iin_and_name_and_the_cms(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    signature.refresh_from_db()
    assert signature.channel == Channel.EDS
    assert signature.voter_id == crypto.iin_digest("900101300017")
    assert signature.personal["full_name"] == "АХМЕТОВ ЕРЛАН САРСЕНОВИЧ"
    assert signature.personal["address"] == ADDRESS
    assert signature.personal["certificate_serial"] == format(certs["rsa"].cert.serial_number, "x")
    assert "birth_date" not in signature.personal
    assert base64.b64decode(signature.eds_cms)[:1] == b"\x30"  # the DER as received
    assert signature.receipt


def test_the_cms_is_stored_encrypted(collecting, ahmetov, certs):
    from django.db import connection

    signature = sign(collecting, certs["rsa"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT eds_cms FROM recall_signature WHERE id = %s", [signature.pk])
        [stored] = cursor.fetchone()
    assert stored and signature.eds_cms not in stored
    assert crypto.decrypt(stored)["v"] == Signature.objects.get(pk=signature.pk).eds_cms


def test_key_rotation_re_encrypts_the_cms(collecting, certs, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    signature = sign(collecting, certs["rsa"])
    cms = Signature.objects.get(pk=signature.pk).eds_cms
    settings.RECALL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.RECALL_ENCRYPTION_KEYS]
    call_command("rotate_keys")
    settings.RECALL_ENCRYPTION_KEYS = settings.RECALL_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert Signature.objects.get(pk=signature.pk).eds_cms == cms


def test_a_voter_in_the_register_is_valid_with_the_certificates_name(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    verify_all()
    signature.refresh_from_db()
    assert signature.state == SignatureState.VALID  # no birth date compared, the name matches


def test_a_name_differing_from_the_register_goes_to_an_official(collecting, certs):
    VoterFactory(iin="900101300017", full_name="Ахметов Ерлан", district=collecting.district)
    signature = sign(collecting, certs["rsa"])
    verify_all()
    signature.refresh_from_db()
    assert (signature.state, signature.review_reasons) == (SignatureState.REVIEW, ["name_mismatch"])


def test_an_iin_not_in_the_districts_register_is_stored_and_found_invalid(collecting, certs):
    signature = sign(collecting, certs["rsa"])  # nobody with this IIN in the register
    verify_all()
    signature.refresh_from_db()
    assert (signature.state, signature.ground) == (SignatureState.INVALID, Ground.NOT_IN_REGISTER)


def test_an_iin_registered_in_another_district_is_found_invalid(collecting, certs, karaganda2):
    VoterFactory(iin="900101300017", full_name=AHMETOV, district=karaganda2)
    signature = sign(collecting, certs["rsa"])
    verify_all()
    signature.refresh_from_db()
    assert (signature.state, signature.ground) == (SignatureState.INVALID, Ground.OUTSIDE_DISTRICT)


def test_an_ecdsa_key_without_a_patronymic_signs_too(collecting, certs):
    signature = sign(collecting, certs["ec"])
    assert signature.personal["full_name"] == "ИВАНОВА АННА"


def test_a_second_signature_with_the_same_iin_is_refused_and_says_so(collecting, ahmetov, certs):
    sign(collecting, certs["rsa"])
    with pytest.raises(AlreadySigned) as caught:
        sign(collecting, certs["rsa"], language="en")
    assert "already recorded" in str(caught.value.message)
    assert Signature.objects.filter(petition=collecting).count() == 1


# --- refusals: the statement --------------------------------------------------------------------


def test_a_replayed_statement_is_refused(collecting, ahmetov, certs):
    with translation.override("en"):
        challenge = eds.issue(collecting)
    cms = signed(challenge, certs["rsa"])
    eds.sign_with_eds(challenge.challenge, cms, petition_id=collecting.pk, address=ADDRESS)
    message = refused(collecting, lambda c: cms, challenge=challenge)
    assert message == "This statement has already been signed once; start again."


def test_a_signature_over_another_petitions_statement_is_refused(collecting, certs):
    with translation.override("en"):
        foreign = eds.issue(collecting)
    foreign.statement = foreign.statement.replace(f"No.: {collecting.pk}\n", f"No.: {collecting.pk + 1}\n")
    assert f"No.: {collecting.pk + 1}" in foreign.statement
    message = refused(collecting, lambda c: signed(foreign, certs["rsa"]))
    assert "not over the statement issued on this page" in message


def test_a_statement_issued_for_another_petition_is_refused_here(collecting, certs):
    message = refused(collecting, lambda c: signed(c, certs["rsa"]), petition_id=collecting.pk + 1000)
    assert message == "This statement belongs to another petition."


def test_an_expired_statement_is_refused(collecting, certs, settings):
    with translation.override("en"):
        challenge = eds.issue(collecting)
    later = timezone.now() + dt.timedelta(seconds=settings.RECALL_EDS_CHALLENGE_TTL_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        message = refused(collecting, lambda c: signed(c, certs["rsa"]), challenge=challenge)
    assert message == "This statement has expired; start again to get a new one."


def test_a_post_without_a_signature_is_refused(collecting):
    assert refused(collecting, lambda c: "") == "Sign the statement with NCALayer first."


def test_a_tampered_cms_is_refused(collecting, certs):
    message = refused(
        collecting, lambda c: base64.b64encode(flip_signature_byte(base64.b64decode(signed(c, certs["rsa"])))).decode()
    )
    assert message == "The signature does not match the signed data: it was changed."


def test_a_cms_whose_content_was_replaced_is_refused(collecting, certs):
    def swapped(challenge):
        der = sign_cms(challenge.statement.encode(), certs["rsa"])
        return base64.b64encode(replace_content(der, challenge.statement.encode() + b" ")).decode()

    assert "not over the statement issued" in refused(collecting, swapped)


def test_garbage_is_refused_as_unreadable(collecting):
    assert refused(collecting, lambda c: "bm90IGEgQ01T") == "The signature could not be read. Sign the statement again."


# --- refusals: the certificate ------------------------------------------------------------------

NOT_A_SIGNING_CERTIFICATE = (
    "This certificate is not a personal signing certificate of the National Certification Authority. "
    "Sign with your personal signing key (RSA or GOST)."
)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "Your certificate is expired or not yet valid. Renew your key at pki.gov.kz."),
        ("not_yet_valid", "Your certificate is expired or not yet valid. Renew your key at pki.gov.kz."),
        ("revoked_ocsp", "Your certificate has been revoked. Get a new key at pki.gov.kz."),
        ("revoked_crl", "Your certificate has been revoked. Get a new key at pki.gov.kz."),
        ("auth", "This is an authentication key (AUTH). Sign with your signing key (RSA or GOST)."),
        (
            "organisation",
            "This is not a personal certificate with an IIN (it may be an organisation's). "
            "Sign with your personal key.",
        ),
        *[(case, NOT_A_SIGNING_CERTIFICATE) for case in ("bare", "server", "no_policy")],
    ],
)
def test_a_certificate_that_cannot_sign_is_refused(collecting, certs, case, message):
    assert refused(collecting, lambda c: signed(c, certs[case])) == message


@pytest.mark.parametrize("case", ["bare", "server", "no_policy"])
def test_a_certificate_outside_the_profile_is_refused_with_its_own_code_and_nothing_is_counted(collecting, certs, case):
    # Chained to the configured root and valid, with an IIN: still not what the NCA issues to sign.
    with translation.override("en"), pytest.raises(eds.EdsRefused) as caught:
        challenge = eds.issue(collecting)
        eds.sign_with_eds(
            challenge.challenge, signed(challenge, certs[case]), petition_id=collecting.pk, address=ADDRESS
        )
    assert caught.value.code == "eds_not_signing_certificate"
    assert not Signature.objects.exists()


def test_a_certificate_not_chained_to_the_configured_root_is_refused(collecting, untrusted, caplog):
    caplog.set_level(logging.DEBUG)
    message = refused(collecting, lambda c: signed(c, untrusted))
    assert message == "The certificate was not issued by the National Certification Authority of Kazakhstan."
    # The log keeps the refusal's code, never the certificate's subject (a name, an IIN).
    logged = caplog.text
    assert "untrusted_chain" in logged
    names = [str(a.value) for a in untrusted.cert.subject if len(str(a.value)) > 3]
    assert names and not any(name in logged for name in names), logged


def test_an_unreachable_responder_holds_the_signature_with_a_receipt_and_counts_nothing(
    collecting, certs, responder, ahmetov
):
    """Everything but the certificate's status verified: stored as held, with a receipt, not
    counted and out of the verification batches until the worker knows the status."""
    responder.mode = "down"
    signature = sign(collecting, certs["rsa"])
    assert signature.state == SignatureState.REVOCATION_PENDING and signature.receipt
    assert verify_all() == 0  # the batches leave it alone
    collecting.refresh_from_db()
    assert (collecting.received_count, collecting.valid_count) == (0, 0)
    assert counts.refresh_queued() == 1  # waiting, as beat shows it on the public pages
    assert counts.reconcile([collecting.pk]) == {}
    # Still down: the worker leaves it held.
    assert held.decide_held() == {"passed": 0, "refused": 0, "held": 1}
    # Back: passed on, verified and counted.
    responder.mode = "up"
    cache.clear()  # the responder's "down" mark would otherwise last its 30 s
    assert held.decide_held() == {"passed": 1, "refused": 0, "held": 0}
    verify_all()
    signature.refresh_from_db()
    collecting.refresh_from_db()
    assert signature.state == SignatureState.VALID and collecting.valid_count == 1
    assert counts.reconcile([collecting.pk]) == {}


def test_a_held_signature_whose_certificate_was_revoked_is_refused_when_the_responder_returns(
    collecting, certs, responder
):
    VoterFactory(iin=certs["revoked_ocsp"].iin, full_name="Тестов Тест Тестович", district=collecting.district)
    responder.mode = "down"
    signature = sign(collecting, certs["revoked_ocsp"])
    assert signature.state == SignatureState.REVOCATION_PENDING
    responder.mode = "up"
    cache.clear()
    assert held.decide_held()["refused"] == 1
    signature.refresh_from_db()
    collecting.refresh_from_db()
    assert (signature.state, signature.ground) == (SignatureState.INVALID, Ground.CERTIFICATE_NOT_VALID)
    assert (collecting.received_count, collecting.invalid_count) == (1, 1)
    assert counts.reconcile([collecting.pk]) == {}


def test_withdrawing_is_not_held_an_unknown_status_refuses_it(collecting, certs, responder, ahmetov):
    signature = sign(collecting, certs["rsa"])
    verify_all()
    cache.clear()  # no answer kept from the signing (one kept until its nextUpdate would do)
    responder.mode = "down"
    with translation.override("en"):
        challenge = eds.start_withdrawal(signature.receipt, "900101300017")
        with pytest.raises(eds.EdsRefused) as caught:
            eds.withdraw_with_eds(challenge.challenge, signed(challenge, certs["rsa"]))
    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Ваш сертификат отозван. Получите новый ключ на pki.gov.kz."),
        ("kk", "Сіздің сертификатыңыз кері қайтарылған. pki.gov.kz сайтынан жаңа кілт алыңыз."),
    ],
)
def test_refusals_speak_the_voters_language(collecting, certs, language, message):
    assert refused(collecting, lambda c: signed(c, certs["revoked_ocsp"]), language=language) == message


def test_a_refused_signature_leaves_the_statement_usable(collecting, certs):
    with translation.override("en"):
        challenge = eds.issue(collecting)
    refused(collecting, lambda c: signed(c, certs["auth"]), challenge=challenge)
    eds.sign_with_eds(challenge.challenge, signed(challenge, certs["rsa"]), petition_id=collecting.pk, address=ADDRESS)
    assert Signature.objects.filter(channel=Channel.EDS).count() == 1


def test_the_address_is_required(collecting, certs):
    challenge = eds.issue(collecting)
    with pytest.raises(eds.InvalidInput):
        eds.sign_with_eds(challenge.challenge, signed(challenge, certs["rsa"]), petition_id=collecting.pk, address=" ")
    assert not Signature.objects.exists()


# --- withdrawing ------------------------------------------------------------------------------


def withdraw(signature: Signature, iin: str, signer: Issued) -> Signature:
    with translation.override("en"):
        challenge = eds.start_withdrawal(signature.receipt, iin)
        return eds.withdraw_with_eds(challenge.challenge, signed(challenge, signer))


def test_the_signer_withdraws_with_the_same_key(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    verify_all()
    assert withdraw(signature, "900101300017", certs["rsa"]).state == SignatureState.WITHDRAWN


def test_the_withdrawal_statement_says_it_withdraws(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    with translation.override("ru"):
        challenge = eds.start_withdrawal(signature.receipt, "900101300017")
    assert challenge.statement.split("\n")[1] == "Отзыв моей подписи под петицией об отзыве депутата"


def test_someone_elses_key_cannot_withdraw(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    with pytest.raises(eds.EdsRefused) as caught:
        withdraw(signature, "900101300017", certs["ec"])
    assert caught.value.message == "This key belongs to someone else: only the signer can withdraw."
    signature.refresh_from_db()
    assert signature.state != SignatureState.WITHDRAWN


def test_a_withdrawal_statement_is_used_once(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    with translation.override("en"):
        challenge = eds.start_withdrawal(signature.receipt, "900101300017")
    cms = signed(challenge, certs["rsa"])
    eds.withdraw_with_eds(challenge.challenge, cms)
    with pytest.raises(eds.EdsRefused):
        eds.withdraw_with_eds(challenge.challenge, cms)


def test_an_eds_signature_cannot_be_withdrawn_by_text_message(collecting, ahmetov, certs):
    signature = sign(collecting, certs["rsa"])
    with translation.override("en"), pytest.raises(codes.CodeFailed) as caught:
        codes.start_withdrawal(signature.receipt, "900101300017")
    assert "withdraw it with your EDS key" in str(caught.value.message)


def test_a_signature_made_by_text_message_can_be_withdrawn_with_eds(collecting, ahmetov, certs):
    from recall.services import signing

    signer = signing.check_signer(
        iin="900101300017", full_name=AHMETOV, birth_date=dt.date(1990, 1, 1), address=ADDRESS, phone="+77011234567"
    )
    signature = signing.sign_on_web(collecting.pk, signer)
    assert withdraw(signature, "900101300017", certs["rsa"]).state == SignatureState.WITHDRAWN


# --- the NCANode backend ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_ncanode(responder, ca, certs):
    node = FakeNCANode(
        ca_certs=[ca.intermediate, ca.root],
        ocsp_url=f"{responder.url}/ocsp",
        crl_urls=[f"{responder.url}/crl/test-sub.crl"],
        timeout=2,
    ).start()
    yield node
    node.stop()


def test_with_the_ncanode_backend_a_good_signature_is_stored(collecting, certs, settings, fake_ncanode):
    settings.RECALL_EDS_BACKEND = "ncanode"
    settings.RECALL_EDS_NCANODE_URL = fake_ncanode.url
    signature = sign(collecting, certs["rsa"])
    assert signature.personal["iin"] == "900101300017"
    assert fake_ncanode.requests  # NCANode was asked, not the built-in verifier


def test_with_the_ncanode_backend_a_revoked_certificate_is_refused(collecting, certs, settings, fake_ncanode):
    settings.RECALL_EDS_BACKEND = "ncanode"
    settings.RECALL_EDS_NCANODE_URL = fake_ncanode.url
    message = refused(collecting, lambda c: signed(c, certs["revoked_ocsp"]))
    assert message == "Your certificate has been revoked. Get a new key at pki.gov.kz."


def test_an_unreachable_ncanode_asks_to_try_later(collecting, certs, settings):
    settings.RECALL_EDS_BACKEND = "ncanode"
    settings.RECALL_EDS_NCANODE_URL = "http://127.0.0.1:9"  # nothing listens on discard
    message = refused(collecting, lambda c: signed(c, certs["rsa"]))
    assert message.startswith("Signatures cannot be verified just now.")


def test_day_old_statements_are_purged(collecting):
    from recall.tasks import purge_expired

    old = eds.issue(collecting)
    EdsStatement.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    fresh = eds.issue(collecting)
    assert purge_expired()["eds_statements"] == 1
    assert list(EdsStatement.objects.values_list("pk", flat=True)) == [fresh.pk]
