"""REST API v1: public reads, partners' signatures, idempotency, errors, webhooks."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from recall.models import PetitionState, Signature, WebhookEndpoint
from recall.services import verification

from .factories import SignatureFactory, api_key


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def partner(db):
    key, raw = api_key(scopes=("read", "sign", "webhooks"))
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    client.key = key
    return client


def body_of(voter, **changes):
    data = {
        "iin": voter.personal["iin"],
        "full_name": voter.personal["full_name"],
        "birth_date": voter.personal["birth_date"],
        "address": voter.personal["address"],
    }
    data.update(changes)
    return data


def sign_url(petition):
    return f"/api/v1/petitions/{petition.pk}/signatures/"


# --- Public reads ----------------------------------------------------------------------------------


def test_petitions_are_listed_with_counts_and_no_personal_data(api, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    data = api.get("/api/v1/petitions/").json()
    assert data["count"] == 1
    item = data["results"][0]
    assert item["counts"] == {"required": 10, "received": 1, "valid": 1, "invalid": 0, "awaiting": 0, "withdrawn": 0}
    assert item["district"]["code"] == "K-1" and item["state"] == "collecting"
    detail = api.get(f"/api/v1/petitions/{collecting.pk}/").json()
    assert detail["daily_valid"][0]["valid"] == 1 and detail["daily_valid"][0]["total"] == 1
    assert [h["state"] for h in detail["history"]] == ["registered", "collecting"]
    text = str(detail) + str(data)
    for voter in voters[:12]:
        assert voter.personal["iin"] not in text and voter.personal["full_name"] not in text


def test_applications_not_yet_registered_are_not_public(api, applied):
    assert api.get("/api/v1/petitions/").json()["count"] == 0
    assert api.get(f"/api/v1/petitions/{applied.pk}/").json()["code"] == "not_found"


def test_petitions_filter_by_state_level_region_and_district(api, collecting, almaty):
    assert api.get("/api/v1/petitions/?state=collecting&level=mazhilis").json()["count"] == 1
    assert api.get("/api/v1/petitions/?region=karaganda%20region").json()["count"] == 1
    assert api.get("/api/v1/petitions/?district=A-1").json()["count"] == 0
    assert api.get("/api/v1/petitions/?state=expired").json()["count"] == 0
    assert api.get("/api/v1/petitions/?state=nonsense").status_code == 400


def test_districts_and_deputies_are_public(api, collecting):
    districts = api.get("/api/v1/districts/?region=Karaganda Region").json()
    assert districts["results"][0] == {
        "code": "K-1",
        "name": "Karaganda No. 1",
        "region": "Karaganda Region",
        "level": "mazhilis",
        "body": "Mazhilis of the Parliament",
        "registered_voters": 100,
    }
    deputies = api.get("/api/v1/deputies/?district=K-1").json()
    assert deputies["results"][0]["recallable"] is True


def test_the_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ["/api/v1/petitions/{id}/signatures/", "/api/v1/signatures/{receipt}/", "/api/v1/webhooks/"]:
        assert path in text
    assert "idempotency_key_reused" in text and "Idempotency-Key" in text and "ApiKey" in text
    assert api.get("/api/docs/").status_code == 200


# --- Partners ----------------------------------------------------------------------------------------


def test_a_partner_submits_a_signature_and_reads_its_state(partner, collecting, voters):
    response = partner.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert response.status_code == 202
    receipt = response.json()["receipt"]
    assert response.json() == {"receipt": receipt, "state": "received", "petition": collecting.pk}
    verification.verify_all()
    state = partner.get(f"/api/v1/signatures/{receipt}/").json()
    assert (state["state"], state["ground"]) == ("valid", None)


def test_sign_needs_a_key_with_the_sign_scope(api, collecting, voters):
    assert api.post(sign_url(collecting), body_of(voters[10]), format="json").json()["code"] == "not_authenticated"
    api.credentials(HTTP_AUTHORIZATION="Api-Key nonsense.key")
    assert api.post(sign_url(collecting), body_of(voters[10]), format="json").json()["code"] == "invalid_api_key"
    _key, raw = api_key(scopes=("read",))
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = api.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")


def test_a_revoked_or_expired_key_is_refused(api, collecting, voters):
    key, raw = api_key()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    key.revoke()
    assert api.post(sign_url(collecting), body_of(voters[10]), format="json").json()["code"] == "invalid_api_key"
    key2, raw2 = api_key()
    key2.expiry_date = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    key2.save()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw2}")
    assert api.post(sign_url(collecting), body_of(voters[10]), format="json").json()["code"] == "expired_api_key"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"iin": "791028302727"}, "invalid_iin", "iin"),
        ({"birth_date": "2999-01-01"}, "invalid_birth_date", "birth_date"),
        ({"birth_date": "not a date"}, "invalid", "birth_date"),
        ({"full_name": ""}, "blank", "full_name"),
        ({"signed_at": "2999-01-01T00:00:00Z"}, "invalid_signed_at", "signed_at"),
    ],
)
def test_bad_input_gets_a_stable_code_and_field_details(partner, collecting, voters, change, code, field):
    response = partner.post(sign_url(collecting), body_of(voters[10], **change), format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == code
    assert data["fields"][field][0]["code"] == code
    assert not Signature.objects.exists()


def test_missing_fields_are_all_listed(partner, collecting):
    data = partner.post(sign_url(collecting), {}, format="json").json()
    assert data["code"] == "required"
    assert set(data["fields"]) == {"iin", "full_name", "birth_date", "address"}


def test_a_petition_not_collecting_refuses_signatures(partner, applied, voters):
    response = partner.post(sign_url(applied), body_of(voters[10]), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "petition_not_collecting")
    assert partner.post("/api/v1/petitions/999999/signatures/", body_of(voters[10]), format="json").status_code == 404


def test_a_partner_is_told_only_about_its_own_repeats(partner, collecting, voters):
    first = partner.post(sign_url(collecting), body_of(voters[10]), format="json")
    again = partner.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_signed")
    other = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key()[1]}")
    theirs = other.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert theirs.status_code == 202 and theirs.json()["receipt"] != first.json()["receipt"]
    verification.verify_all()
    seen = other.get(f"/api/v1/signatures/{theirs.json()['receipt']}/").json()
    assert (seen["state"], seen["ground"]) == ("invalid", "not_counted")


def test_a_partner_cannot_read_another_partners_signature(partner, collecting, voters):
    receipt = partner.post(sign_url(collecting), body_of(voters[10]), format="json").json()["receipt"]
    other = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key()[1]}")
    assert other.get(f"/api/v1/signatures/{receipt}/").status_code == 404


def test_an_idempotent_retry_returns_the_first_answer(partner, collecting, voters):
    headers = {"HTTP_IDEMPOTENCY_KEY": "req-1"}
    first = partner.post(sign_url(collecting), body_of(voters[10]), format="json", **headers)
    retry = partner.post(sign_url(collecting), body_of(voters[10]), format="json", **headers)
    assert retry.status_code == 202 and retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Signature.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(partner, collecting, voters):
    headers = {"HTTP_IDEMPOTENCY_KEY": "req-1"}
    partner.post(sign_url(collecting), body_of(voters[10]), format="json", **headers)
    response = partner.post(sign_url(collecting), body_of(voters[11]), format="json", **headers)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert Signature.objects.count() == 1


def test_a_failed_request_is_not_remembered_under_its_key(partner, collecting, voters):
    headers = {"HTTP_IDEMPOTENCY_KEY": "req-2"}
    assert partner.post(sign_url(collecting), body_of(voters[10], iin="1"), format="json", **headers).status_code == 400
    assert partner.post(sign_url(collecting), body_of(voters[10]), format="json", **headers).status_code == 202


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_store_one_signature(policy, karaganda):
    from .helpers import application, populate

    voters = populate(karaganda, 20)
    from recall.services import lifecycle

    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    _key, raw = api_key()
    barrier = threading.Barrier(4)
    answers = []

    def post():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        barrier.wait()
        answers.append(client.post(sign_url(petition), body_of(voters[10]), format="json", HTTP_IDEMPOTENCY_KEY="k"))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["receipt"] for a in answers}) == 1
    assert Signature.objects.count() == 1


def test_partners_are_throttled_per_key(partner, collecting, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "client": "2/minute"},
    }
    codes = [partner.get("/api/v1/petitions/").status_code for _ in range(3)]
    limited = partner.get("/api/v1/petitions/")
    assert codes == [200, 200, 429]
    assert limited.json()["code"] == "throttled" and 0 < limited.json()["retry_after"] <= 60
    other = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key()[1]}")
    assert other.get("/api/v1/petitions/").status_code == 200


def test_the_public_is_throttled_per_address(api, collecting, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "client": "1000/minute"},
    }
    assert [api.get("/api/v1/districts/").status_code for _ in range(2)] == [200, 429]


def test_a_verified_key_is_remembered_briefly(api, collecting, voters, settings):
    from accounts.authentication import forget_verified_keys

    settings.RECALL_API_KEY_CACHE_SECONDS = 60
    key, raw = api_key()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api.get("/api/v1/signatures/NOPE/").status_code == 404  # authenticated
    key.revoke()
    assert api.get("/api/v1/signatures/NOPE/").status_code == 404  # within the cache period
    forget_verified_keys()
    assert api.get("/api/v1/signatures/NOPE/").json()["code"] == "invalid_api_key"


# --- Webhooks ------------------------------------------------------------------------------------------


def test_a_partner_registers_lists_and_removes_a_webhook(partner):
    created = partner.post(
        "/api/v1/webhooks/",
        {"url": "http://partner.example/hook", "events": ["petition.threshold_reached"]},
        format="json",
    )
    assert created.status_code == 201 and len(created.json()["secret"]) > 30
    listed = partner.get("/api/v1/webhooks/").json()
    assert listed[0]["url"] == "http://partner.example/hook" and "secret" not in listed[0]
    assert partner.delete(f"/api/v1/webhooks/{created.json()['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.get().is_active


def test_webhooks_must_be_https_in_production(partner, settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = False
    response = partner.post(
        "/api/v1/webhooks/", {"url": "http://partner.example/hook", "events": ["petition.state_changed"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_url")
    response = partner.post(
        "/api/v1/webhooks/", {"url": "https://127.0.0.1/hook", "events": ["petition.state_changed"]}, format="json"
    )
    assert response.json()["code"] == "invalid_url" and "public address" in response.json()["message"]


def test_unknown_events_are_refused(partner):
    response = partner.post("/api/v1/webhooks/", {"url": "http://x.example/h", "events": ["nope"]}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["events"]


def test_the_petition_state_is_readable_by_everyone_after_the_threshold(api, collecting, voters):
    for voter in voters[10:21]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    assert api.get(f"/api/v1/petitions/{collecting.pk}/").json()["state"] == PetitionState.THRESHOLD_REACHED
