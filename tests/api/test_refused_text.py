"""Text no field takes (recall.text): a lone surrogate, a non-character, NUL. Refused at the
door in every API body and every form; text stored before the rule still renders in the
admin's list and its CSV."""

import csv
import io
import json

import pytest
from django.urls import reverse

from recall import text
from recall.models import Signature
from recall.services import verification
from tests.factories import SignatureFactory
from tests.helpers import body_of, sign_url

BAD = ["a\ud800b", "a\udfffb", "a\ufffeb", "a\uffffb", "a\ufdd0b", "a\U0010ffffb", "a\x00b"]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["full_name", "address"])
def test_a_signature_holding_refused_text_is_a_400_and_nothing_is_stored(partner, collecting, voters, field, bad):
    body = {**body_of(voters[10]), field: bad}
    # The JSON escape is how a surrogate travels: json.dumps writes "\ud800" as such.
    response = partner.post(sign_url(collecting), json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Signature.objects.exists()


def test_refused_text_in_any_field_of_any_body_is_a_400(partner, collecting):
    body = json.dumps({"url": "https://example.org/hook", "events": ["petition.threshold_reached"], "x\ud800": 1})
    response = partner.post("/api/v1/webhooks/", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_ordinary_text_of_every_script_still_signs(partner, collecting, voters):
    body = {**body_of(voters[10]), "address": "Қарағанды, Абай к-сі 1 — кв. 5 😀"}
    assert partner.post(sign_url(collecting), body, format="json").status_code == 202


@pytest.mark.parametrize("bad", ["a\ufffeb", "a\uffffb", "a\U0001fffeb"])
def test_a_form_holding_a_non_character_is_a_400(client, collecting, bad):
    response = client.post(f"/en/petitions/{collecting.pk}/sign/", {"iin": "1", "full_name": bad, "address": "x"})
    assert response.status_code == 400
    assert text.MESSAGE in response.content.decode()


def test_the_schema_states_the_rule_for_request_bodies(api):
    schema = api.get("/api/schema/?format=json").json()
    name = schema["components"]["schemas"]["SignatureInputRequest"]["properties"]["full_name"]
    assert "\\ud800-\\udfff" in name["pattern"]


def test_text_stored_before_the_rule_renders_in_the_admin_list_and_the_csv(client, bob, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    SignatureFactory(petition=collecting, voter_row=voters[11], full_name="Ахметов\ud800 Ерлан")
    verification.verify_all()
    client.force_login(bob)
    listing = client.get(reverse("admin:recall_signature_changelist") + f"?petition__id__exact={collecting.pk}")
    assert listing.status_code == 200
    assert "Ахметов\ufffd Ерлан" in listing.content.decode()
    response = client.get(reverse("admin:recall_petition_export_csv", args=[collecting.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert len(rows) == 2
