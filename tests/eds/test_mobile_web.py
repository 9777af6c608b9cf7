"""Signing, withdrawing and opening one's data with eGov Mobile over HTTP, the phone played by
the stand-in SIGEX (tests/eds/fake_sigex.py); the browser test drives the same pages."""

from __future__ import annotations

import re

import pytest

from recall.models import EdsStatement, MobileSigning, RecallPolicy, Signature

pytestmark = pytest.mark.django_db

ADDRESS = "Караганда, ул. Абая, 1"


def begin(client, petition, language: str = "en") -> EdsStatement:
    response = client.post(f"/{language}/petitions/{petition.pk}/sign/mobile/")
    challenge = EdsStatement.objects.latest("pk")
    assert response["Location"] == f"/{language}/mobile/{challenge.challenge}/"
    return challenge


def show_qr(client, challenge: EdsStatement, language: str = "en", **body):
    body.setdefault("start", "1")
    if challenge.purpose == "sign":
        body.setdefault("address", ADDRESS)
        body.setdefault("consent", "on")
    response = client.post(f"/{language}/mobile/{challenge.challenge}/", body)
    assert response.status_code == 302, response.content.decode()
    return response


def poll(client, challenge: EdsStatement, language: str = "en") -> dict:
    response = client.post(f"/{language}/mobile/{challenge.challenge}/", {"poll": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def sign(client, petition, language: str = "en") -> dict:
    challenge = begin(client, petition, language)
    show_qr(client, challenge, language)
    assert poll(client, challenge, language) == {"state": "scanned"}
    return poll(client, challenge, language)


def test_the_sign_page_offers_egov_mobile_beside_eds(client, collecting, sigex):
    page = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert "With eGov Mobile" in page and "With a digital signature (EDS)" in page
    assert f'action="/en/petitions/{collecting.pk}/sign/mobile/"' in page


def test_without_a_backend_there_is_no_egov_mobile(client, collecting, settings):
    settings.RECALL_MOBILE_SIGN_BACKEND = ""
    assert "eGov Mobile" not in client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert client.post(f"/en/petitions/{collecting.pk}/sign/mobile/").status_code == 404


def test_where_the_policy_refuses_egov_mobile_it_is_not_offered_and_a_direct_post_is_refused(client, collecting, sigex):
    RecallPolicy.objects.filter(level=collecting.district.level).update(accept_egov_mobile=False)
    page = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert "With eGov Mobile" not in page and "With a digital signature (EDS)" in page
    response = client.post(f"/en/petitions/{collecting.pk}/sign/mobile/")
    assert response.status_code == 403 and 'data-testid="channel-refused"' in response.content.decode()
    assert not EdsStatement.objects.exists()


def test_the_page_shows_the_eds_statement_then_the_qr_code_and_the_link(client, collecting, sigex):
    challenge = begin(client, collecting)
    page = client.get(f"/en/mobile/{challenge.challenge}/").content.decode()
    assert "One-time code: " + challenge.challenge in page and "Show the QR code" in page
    show_qr(client, challenge)
    response = client.get(f"/en/mobile/{challenge.challenge}/")
    page = response.content.decode()
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert 'href="https://mgovsign.page.link/' in page
    assert re.search(r'<script src="[^"]*recall/mobile\.js" defer></script>', page)
    assert "<script>" not in page
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("style-src")[0]


def test_the_address_is_asked_before_the_qr_code(client, collecting, sigex):
    challenge = begin(client, collecting)
    page = client.post(f"/en/mobile/{challenge.challenge}/", {"start": "1", "consent": "on"}).content.decode()
    assert "This field is required" in page
    assert not MobileSigning.objects.exists() and sigex.requests == []


def test_a_signature_from_egov_mobile_gives_the_receipt(client, collecting, ahmetov, sigex):
    assert sign(client, collecting) == {"state": "done", "next": "/en/receipt/"}
    signature = Signature.objects.get()
    assert signature.channel == "egov_mobile"
    assert signature.personal["iin"] == "900101300017" and signature.personal["address"] == ADDRESS
    assert signature.eds_cms
    assert client.get("/en/receipt/").status_code == 200


def test_the_statement_handed_to_the_phone_is_the_eds_statement(client, collecting, sigex):
    import base64

    challenge = begin(client, collecting)
    show_qr(client, challenge)
    poll(client, challenge)
    [document] = next(iter(sigex.procedures.values())).documents
    assert base64.b64decode(document["document"]["file"]["data"]).decode() == challenge.statement


def test_a_phone_that_has_not_scanned_yet_is_waited_for(client, collecting, sigex):
    sigex.phone = "hold"
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    assert poll(client, challenge) == {"state": "waiting"}
    assert not Signature.objects.exists()


def test_an_expired_qr_code_is_explained(client, collecting, sigex):
    sigex.phone = "expire"
    challenge = begin(client, collecting, "ru")
    show_qr(client, challenge, "ru")
    answer = poll(client, challenge, "ru")
    assert answer["state"] == "error" and "QR" in answer["message"]
    assert not MobileSigning.objects.exists() and not Signature.objects.exists()


def test_a_cancelled_signing_is_explained_and_a_new_qr_code_can_be_had(client, collecting, ahmetov, sigex):
    sigex.phone = "cancel"
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    answer = poll(client, challenge)
    assert answer == {
        "state": "error",
        "message": "Signing was cancelled in eGov Mobile, or this QR code was already used. Start again to get a new one.",
    }
    sigex.phone = "sign"
    show_qr(client, challenge)
    poll(client, challenge)
    assert poll(client, challenge)["state"] == "done"


def test_a_signature_over_other_data_is_refused(client, collecting, sigex):
    sigex.phone = "other_data"
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    poll(client, challenge)
    answer = poll(client, challenge)
    assert answer["state"] == "error" and "not over the statement issued on this page" in answer["message"]
    assert not Signature.objects.exists()


def test_a_non_individual_certificate_is_refused(client, collecting, sigex, certs):
    sigex.signer = certs["organisation"]
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    poll(client, challenge)
    answer = poll(client, challenge)
    assert answer["state"] == "error" and "not a personal certificate" in answer["message"]
    assert not Signature.objects.exists()


def test_a_signed_statement_is_not_used_twice(client, collecting, ahmetov, sigex):
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    poll(client, challenge)
    poll(client, challenge)
    answer = poll(client, challenge)
    assert answer["state"] == "error" and "already been signed once" in answer["message"]
    assert Signature.objects.count() == 1


def test_a_replayed_cms_is_refused_on_another_statement(client, collecting, ahmetov, sigex):
    assert sign(client, collecting)["state"] == "done"
    sigex.phone = "replay"
    answer = sign(client, collecting)
    assert answer["state"] == "error" and "not over the statement issued on this page" in answer["message"]
    assert Signature.objects.count() == 1


def test_the_same_voter_signing_again_is_told(client, collecting, ahmetov, sigex):
    sign(client, collecting)
    answer = sign(client, collecting)
    assert answer["state"] == "error" and "already recorded on this petition" in answer["message"]


def test_without_javascript_i_have_signed_moves_on(client, collecting, ahmetov, sigex):
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    client.post(f"/en/mobile/{challenge.challenge}/", {"poll": "1"})
    response = client.post(f"/en/mobile/{challenge.challenge}/", {"poll": "1"})
    assert response["Location"] == "/en/receipt/"


def withdraw(client, receipt: str, language: str = "en") -> EdsStatement:
    response = client.post(f"/{language}/withdraw/", {"receipt": receipt, "iin": "900101300017", "mobile": "1"})
    statement = EdsStatement.objects.filter(purpose="withdraw").latest("pk")
    assert response["Location"] == f"/{language}/mobile/{statement.challenge}/"
    return statement


def test_the_withdraw_page_offers_egov_mobile(client, sigex):
    assert "Withdraw with eGov Mobile" in client.get("/en/withdraw/").content.decode()


def test_withdrawing_with_egov_mobile(client, collecting, ahmetov, sigex):
    sign(client, collecting)
    signature = Signature.objects.get()
    statement = withdraw(client, signature.receipt)
    show_qr(client, statement)
    poll(client, statement)
    assert poll(client, statement) == {"state": "done", "next": "/en/withdrawn/"}
    signature.refresh_from_db()
    assert signature.state == "withdrawn"


def test_withdrawing_with_someone_else_s_key_is_refused(client, collecting, ahmetov, sigex, certs):
    sign(client, collecting)
    signature = Signature.objects.get()
    statement = withdraw(client, signature.receipt)
    sigex.signer = certs["ec"]
    show_qr(client, statement)
    poll(client, statement)
    answer = poll(client, statement)
    assert answer["state"] == "error" and "only the signer can withdraw" in answer["message"]
    signature.refresh_from_db()
    assert signature.state != "withdrawn"


def test_withdrawing_a_cancelled_signing_changes_nothing(client, collecting, ahmetov, sigex):
    sign(client, collecting)
    signature = Signature.objects.get()
    statement = withdraw(client, signature.receipt)
    sigex.phone = "cancel"
    show_qr(client, statement)
    assert poll(client, statement)["state"] == "error"
    signature.refresh_from_db()
    assert signature.state != "withdrawn"


def open_data(client, receipt: str) -> EdsStatement:
    response = client.post("/en/my-data/", {"receipt": receipt, "iin": "900101300017", "mobile": "1"})
    statement = EdsStatement.objects.filter(purpose="view").latest("pk")
    assert response["Location"] == f"/en/mobile/{statement.challenge}/"
    return statement


def test_the_own_data_page_opens_with_egov_mobile(client, collecting, ahmetov, sigex):
    assert "Open with eGov Mobile" in client.get("/en/my-data/").content.decode()
    sign(client, collecting)
    statement = open_data(client, Signature.objects.get().receipt)
    assert "\nRequest to see the data kept on my signature under the petition" in statement.statement
    show_qr(client, statement)
    poll(client, statement)
    assert poll(client, statement) == {"state": "done", "next": "/en/my-data/view/"}
    assert client.get("/en/my-data/view/").status_code == 200


def test_the_own_data_page_refuses_someone_else_s_key(client, collecting, ahmetov, sigex, certs):
    sign(client, collecting)
    statement = open_data(client, Signature.objects.get().receipt)
    sigex.signer = certs["ec"]
    show_qr(client, statement)
    poll(client, statement)
    answer = poll(client, statement)
    assert answer["state"] == "error" and "only the signer can see" in answer["message"]
    assert client.get("/en/my-data/view/")["Location"] == "/en/my-data/"


def test_the_own_data_page_explains_an_expired_qr_code(client, collecting, ahmetov, sigex):
    sign(client, collecting)
    statement = open_data(client, Signature.objects.get().receipt)
    sigex.phone = "expire"
    show_qr(client, statement)
    answer = poll(client, statement)
    assert answer == {"state": "error", "message": "The QR code has expired. Start again to get a new one."}


def test_a_signature_from_egov_mobile_is_verified_like_an_eds_one(client, collecting, ahmetov, sigex):
    from recall.services.verification.batches import verify_all

    sign(client, collecting)
    verify_all()
    signature = Signature.objects.get()
    assert signature.state == "valid"  # no birth date compared: the certificate carries none


def test_an_egov_mobile_signature_is_not_withdrawn_by_text_message(client, collecting, ahmetov, sigex):
    sign(client, collecting)
    receipt = Signature.objects.get().receipt
    page = client.post("/en/withdraw/", {"receipt": receipt, "iin": "900101300017", "phone": "+77011234567"})
    assert "This signature was made with eGov Mobile: withdraw it with eGov Mobile too." in page.content.decode()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "Подписание в eGov Mobile было отменено, или этот QR-код уже использован."),
        ("kk", "eGov Mobile-да қол қою тоқтатылды немесе бұл QR код бұрын пайдаланылған."),
    ],
)
def test_a_cancelled_signing_is_explained_in_the_page_s_language(client, collecting, sigex, language, text):
    sigex.phone = "cancel"
    challenge = begin(client, collecting, language)
    show_qr(client, challenge, language)
    assert text in poll(client, challenge, language)["message"]
    page = client.post(f"/{language}/mobile/{challenge.challenge}/", {"poll": "1"}).content.decode()
    assert "eGov Mobile" in page


def test_the_kazakh_page_shows_the_qr_code_in_kazakh(client, collecting, sigex):
    challenge = begin(client, collecting, "kk")
    show_qr(client, challenge, "kk")
    page = client.get(f"/kk/mobile/{challenge.challenge}/").content.decode()
    assert "eGov Mobile күтілуде: QR кодты сканерлеңіз немесе сілтемені ашыңыз." in page


def test_polls_are_not_counted_as_forms(client, collecting, ahmetov, sigex, settings):
    settings.RECALL_WEB_FORM_RATE = "3/hour"
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    answers = [poll(client, challenge)["state"] for _ in range(5)]
    assert answers[:2] == ["scanned", "done"] and answers[2:] == ["error"] * 3


def test_a_poll_while_another_is_in_flight_does_not_ask_sigex(client, collecting, sigex):
    from django.core.cache import cache

    challenge = begin(client, collecting)
    show_qr(client, challenge)
    cache.add(f"mobile-poll:{challenge.challenge}", 1, 10)
    assert poll(client, challenge) == {"state": "waiting"}
    assert [path for _method, path in sigex.requests if path.endswith("/data")] == []
    cache.delete(f"mobile-poll:{challenge.challenge}")
    assert poll(client, challenge) == {"state": "scanned"}


def test_purging_old_statements_removes_their_procedures(client, collecting, sigex):
    import datetime as dt

    from django.utils import timezone

    from recall.services.signing import eds

    challenge = begin(client, collecting)
    show_qr(client, challenge)
    eds.purge_old_statements(timezone.now() + dt.timedelta(seconds=1))
    assert not MobileSigning.objects.exists() and not EdsStatement.objects.exists()
