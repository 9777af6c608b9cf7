"""The voters' EDS pages over HTTP (the browser test drives the same pages with NCALayer)."""

from __future__ import annotations

import base64
import re

import pytest

from recall.models import EdsStatement, Signature
from recall.services.signing import eds

from .ca import flip_signature_byte, sign_cms

pytestmark = pytest.mark.django_db

ADDRESS = "Караганда, ул. Абая, 1"


def start(client, petition, language: str = "en") -> EdsStatement:
    response = client.post(f"/{language}/petitions/{petition.pk}/sign/eds/")
    assert response.status_code == 302
    challenge = EdsStatement.objects.get()
    assert response["Location"] == f"/{language}/eds/{challenge.challenge}/"
    return challenge


def cms_over(challenge: EdsStatement, signer, *, tamper: bool = False) -> str:
    der = sign_cms(challenge.statement.encode(), signer)
    return base64.b64encode(flip_signature_byte(der) if tamper else der).decode()


def post_signature(client, challenge: EdsStatement, cms: str, language: str = "en"):
    body = {"address": ADDRESS, "consent": "on", "cms": cms}
    return client.post(f"/{language}/eds/{challenge.challenge}/", body)


def test_the_sign_page_offers_eds_beside_the_text_message_path(client, collecting):
    page = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert "With a digital signature (EDS)" in page and "With a code by text message" in page
    assert f'action="/en/petitions/{collecting.pk}/sign/eds/"' in page


def test_without_a_backend_the_sign_page_has_only_the_text_message_path(client, collecting, settings):
    settings.RECALL_EDS_BACKEND = ""
    page = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert "EDS" not in page and 'name="phone"' in page


def test_the_eds_page_shows_the_statement_and_hands_it_to_eds_js_without_inline_script(client, collecting):
    challenge = start(client, collecting, "kk")
    response = client.get(f"/kk/eds/{challenge.challenge}/")
    page = response.content.decode()
    assert "Бір реттік код: " + challenge.challenge in page
    assert f'data-eds-statement="{eds.statement_base64(challenge)}"' in page
    assert 'data-eds-locale="kk"' in page
    assert re.search(r'<script src="[^"]*recall/eds\.js" defer></script>', page)
    assert "<script>" not in page
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("style-src")[0]


def test_a_good_signature_gives_the_receipt(client, collecting, certs):
    challenge = start(client, collecting)
    response = post_signature(client, challenge, cms_over(challenge, certs["rsa"]))
    assert response["Location"] == "/en/receipt/"
    assert Signature.objects.get().channel == "eds"


def test_a_tampered_signature_is_explained_and_nothing_is_stored(client, collecting, certs):
    challenge = start(client, collecting, "ru")
    response = post_signature(client, challenge, cms_over(challenge, certs["rsa"], tamper=True), "ru")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Подпись не соответствует подписанным данным: они были изменены." in page
    assert '<input type="hidden" name="cms" id="id_cms">' in page  # emptied: signed anew, not re-sent
    assert not Signature.objects.exists()


def test_a_form_posted_without_a_signature_asks_for_ncalayer(client, collecting):
    challenge = start(client, collecting)
    page = post_signature(client, challenge, "").content.decode()
    assert "Sign the statement with NCALayer first." in page


def test_a_used_statement_cannot_be_signed_again(client, collecting, certs):
    challenge = start(client, collecting)
    cms = cms_over(challenge, certs["rsa"])
    post_signature(client, challenge, cms)
    page = client.get(f"/en/eds/{challenge.challenge}/").content.decode()
    assert "This statement has already been signed once; start again." in page
    assert "data-eds" not in page
    assert "already been signed once" in post_signature(client, challenge, cms).content.decode()
    assert Signature.objects.count() == 1


def test_an_unknown_statement_is_not_found(client):
    assert client.get("/en/eds/" + "A" * 43 + "/").status_code == 404


def test_withdrawing_with_eds_issues_a_withdrawal_statement(client, collecting, certs):
    challenge = start(client, collecting)
    post_signature(client, challenge, cms_over(challenge, certs["rsa"]))
    signature = Signature.objects.get()
    response = client.post("/en/withdraw/", {"receipt": signature.receipt, "iin": "900101300017", "eds": "1"})
    withdrawal = EdsStatement.objects.get(purpose="withdraw")
    assert response["Location"] == f"/en/eds/{withdrawal.challenge}/"
    assert withdrawal.signature_id == signature.pk


def test_an_eds_signature_is_not_withdrawn_by_text_message(client, collecting, certs):
    challenge = start(client, collecting)
    post_signature(client, challenge, cms_over(challenge, certs["rsa"]))
    receipt = Signature.objects.get().receipt
    page = client.post("/en/withdraw/", {"receipt": receipt, "iin": "900101300017", "phone": "+77011234567"})
    assert "withdraw it with your EDS key too" in page.content.decode()


def test_a_statement_issued_to_a_partner_has_no_page_on_the_site(client, collecting):
    from tests.factories import ApiClientFactory

    issued = eds.issue(collecting, client_id=ApiClientFactory().pk)
    assert client.get(f"/en/eds/{issued.challenge}/").status_code == 404
