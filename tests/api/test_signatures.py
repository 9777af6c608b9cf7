"""Partners' signatures through the API: keys and scopes, input errors, repeats, receipts,
idempotent retries."""

import datetime as dt

import pytest

from recall.models import Signature
from recall.services import lifecycle, verification
from tests.factories import api_key
from tests.helpers import application, body_of, partner_client, populate, run_together, sign_url


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
    assert not Signature.objects.exists()


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
    assert not Signature.objects.exists()


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
    other = partner_client(scopes=("read", "sign"))
    theirs = other.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert theirs.status_code == 202 and theirs.json()["receipt"] != first.json()["receipt"]
    fresh = other.post(sign_url(collecting), body_of(voters[11]), format="json")
    verification.verify_all()
    # The repeat reads exactly as a first signature of a voter nobody else signed for: the
    # partner learns nothing of the web's or another partner's signer (it is stored, and
    # counted, as a duplicate).
    seen = other.get(f"/api/v1/signatures/{theirs.json()['receipt']}/").json()
    first_seen = other.get(f"/api/v1/signatures/{fresh.json()['receipt']}/").json()
    assert (seen["state"], seen["ground"]) == (first_seen["state"], first_seen["ground"]) == ("valid", None)
    assert Signature.objects.get(receipt=theirs.json()["receipt"].replace("-", "")).state == "invalid"


def test_a_partner_cannot_read_another_partners_signature(partner, collecting, voters):
    receipt = partner.post(sign_url(collecting), body_of(voters[10]), format="json").json()["receipt"]
    other = partner_client(scopes=("read", "sign"))
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
    voters = populate(karaganda, 20)
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    client = partner_client(scopes=("read", "sign"))

    def post():
        return client.post(sign_url(petition), body_of(voters[10]), format="json", HTTP_IDEMPOTENCY_KEY="k")

    answers = run_together(post, 4)
    assert [a.status_code for a in answers] == [202] * 4
    assert len({a.json()["receipt"] for a in answers}) == 1
    assert Signature.objects.count() == 1


def test_two_partners_using_the_same_idempotency_key_each_get_their_own_signature(partner, collecting, voters):
    other = partner_client(scopes=("read", "sign"))
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-1"}
    first = partner.post(sign_url(collecting), body_of(voters[10]), format="json", **headers)
    # The same key and the same body from another partner is that partner's own first request.
    theirs = other.post(sign_url(collecting), body_of(voters[10]), format="json", **headers)
    assert (first.status_code, theirs.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["receipt"] != first.json()["receipt"]
    assert other.get(f"/api/v1/signatures/{theirs.json()['receipt']}/").status_code == 200
    assert other.get(f"/api/v1/signatures/{first.json()['receipt']}/").status_code == 404
    # Another body under the same key is not a reuse of the key either: keys are per partner.
    another = other.post(sign_url(collecting), body_of(voters[11]), format="json", HTTP_IDEMPOTENCY_KEY="order-2")
    reused = partner.post(sign_url(collecting), body_of(voters[12]), format="json", HTTP_IDEMPOTENCY_KEY="order-2")
    assert (another.status_code, reused.status_code) == (202, 202)
    assert another.json()["receipt"] != reused.json()["receipt"]
    stored = Signature.objects.values_list("client_id", "idempotency_key")
    assert sorted(stored) == sorted(
        [
            (partner.key.client_id, "order-1"),
            (other.key.client_id, "order-1"),
            (other.key.client_id, "order-2"),
            (partner.key.client_id, "order-2"),
        ]
    )


@pytest.mark.parametrize("signed_at", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00", "1850-01-01T00:00:00Z"])
def test_an_impossible_signing_time_is_a_400(partner, collecting, voters, signed_at):
    response = partner.post(sign_url(collecting), body_of(voters[10], signed_at=signed_at), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["signed_at"][0]["code"] in ("invalid", "overflow")
    assert not Signature.objects.exists()
