"""Partners submit EDS signatures through the API: a statement issued to the partner, the CMS
its voter's NCALayer made, verified at once by the built-in backend."""

from __future__ import annotations

import base64

import pytest

from recall.models import Channel, Signature
from recall.services import verification
from tests.factories import VoterFactory
from tests.helpers import partner_client

from .ca import flip_signature_byte, sign_cms

pytestmark = pytest.mark.django_db

ADDRESS = "Karaganda, Abai street 12, apt. 5"


@pytest.fixture
def partner():
    return partner_client()


def statement(partner, petition, language: str = "ru") -> dict:
    response = partner.post(f"/api/v1/petitions/{petition.pk}/eds-statements/", {"language": language}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def cms_over(issued: dict, signer) -> str:
    return base64.b64encode(sign_cms(base64.b64decode(issued["statement"]), signer)).decode()


def submit(partner, petition, issued: dict, cms: str):
    body = {"challenge": issued["challenge"], "cms": cms, "address": ADDRESS}
    return partner.post(f"/api/v1/petitions/{petition.pk}/eds-signatures/", body, format="json")


def test_a_partner_submits_an_eds_signature_and_reads_its_state(partner, collecting, certs):
    VoterFactory(iin="900101300017", full_name="Ахметов Ерлан Сарсенович", district=collecting.district)
    issued = statement(partner, collecting)
    assert issued["text"].startswith("KZ-RECALL-STATEMENT/1\nПодпись под петицией об отзыве депутата\n")
    assert base64.b64decode(issued["statement"]).decode() == issued["text"]
    response = submit(partner, collecting, issued, cms_over(issued, certs["rsa"]))
    assert response.status_code == 202, response.json()
    receipt = response.json()["receipt"]
    signature = Signature.objects.get()
    assert (signature.channel, signature.client_id) == (Channel.EDS, partner.key.client_id)
    assert signature.personal["iin"] == "900101300017"
    verification.verify_all()
    assert partner.get(f"/api/v1/signatures/{receipt}/").json()["state"] == "valid"


def test_a_partner_is_not_told_why_its_eds_signature_did_not_count(partner, collecting, certs):
    issued = statement(partner, collecting)
    receipt = submit(partner, collecting, issued, cms_over(issued, certs["rsa"])).json()["receipt"]
    verification.verify_all()  # nobody with this IIN in the register
    state = partner.get(f"/api/v1/signatures/{receipt}/").json()
    assert (state["state"], state["ground"]) == ("invalid", "not_counted")


def test_a_tampered_cms_is_refused_with_its_code_and_nothing_is_stored(partner, collecting, certs):
    issued = statement(partner, collecting)
    der = flip_signature_byte(base64.b64decode(cms_over(issued, certs["rsa"])))
    response = submit(partner, collecting, issued, base64.b64encode(der).decode())
    assert (response.status_code, response.json()["code"]) == (400, "eds_bad_signature")
    assert not Signature.objects.exists()


def test_a_revoked_certificate_is_refused(partner, collecting, certs):
    issued = statement(partner, collecting)
    response = submit(partner, collecting, issued, cms_over(issued, certs["revoked_ocsp"]))
    assert (response.status_code, response.json()["code"]) == (400, "eds_revoked")


def test_a_statement_is_accepted_once(partner, collecting, certs):
    issued = statement(partner, collecting)
    cms = cms_over(issued, certs["rsa"])
    assert submit(partner, collecting, issued, cms).status_code == 202
    response = submit(partner, collecting, issued, cms)
    assert (response.status_code, response.json()["code"]) == (400, "eds_challenge_used")
    assert Signature.objects.count() == 1


def test_a_statement_issued_to_another_partner_is_not_found(partner, collecting, certs):
    issued = statement(partner_client(), collecting)
    response = submit(partner, collecting, issued, cms_over(issued, certs["rsa"]))
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_the_cms_must_be_base64(partner, collecting):
    issued = statement(partner, collecting)
    response = submit(partner, collecting, issued, "not base64!")
    assert (response.status_code, response.json()["fields"]["cms"][0]["code"]) == (400, "invalid")


def test_without_a_backend_eds_statements_are_not_found(partner, collecting, settings):
    settings.RECALL_EDS_BACKEND = ""
    response = partner.post(f"/api/v1/petitions/{collecting.pk}/eds-statements/", {}, format="json")
    assert response.status_code == 404


def test_the_schema_documents_the_eds_endpoints(partner):
    paths = partner.get("/api/schema/?format=json").json()["paths"]
    signatures = paths["/api/v1/petitions/{id}/eds-signatures/"]["post"]
    assert "503" in signatures["responses"]
    body = signatures["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/EdsSignatureInputRequest")
    assert "/api/v1/petitions/{id}/eds-statements/" in paths


def test_a_partners_eds_repeat_of_a_signature_from_elsewhere_is_answered_like_any_other(partner, collecting, certs):
    # `already_signed` only for the partner's own earlier submission: for a repeat from any other
    # channel it would say that someone else had signed.
    VoterFactory(iin="900101300017", full_name="Ахметов Ерлан Сарсенович", district=collecting.district)
    other = partner_client()
    issued = statement(other, collecting)
    assert submit(other, collecting, issued, cms_over(issued, certs["rsa"])).status_code == 202
    issued = statement(partner, collecting)
    repeat = submit(partner, collecting, issued, cms_over(issued, certs["rsa"]))
    assert repeat.status_code == 202 and repeat.json()["state"] == "received"
    stored = Signature.objects.get(receipt=repeat.json()["receipt"].replace("-", ""))
    assert stored.duplicate_of is not None and stored.duplicate_of.client_id == other.key.client_id
    verification.verify_all()
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.invalid_count) == (1, 1)


def test_a_partners_own_eds_repeat_is_named(partner, collecting, certs):
    issued = statement(partner, collecting)
    assert submit(partner, collecting, issued, cms_over(issued, certs["rsa"])).status_code == 202
    issued = statement(partner, collecting)
    again = submit(partner, collecting, issued, cms_over(issued, certs["rsa"]))
    assert (again.status_code, again.json()["code"]) == (409, "already_signed")
    assert Signature.objects.count() == 1
