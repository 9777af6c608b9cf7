"""The public API (no key, no personal data): petitions, districts, deputies, the schema."""

import datetime as dt

from django.utils.dateparse import parse_datetime

from recall.models import PetitionState
from recall.services import lifecycle, verification
from tests.factories import SignatureFactory
from tests.helpers import walk


def test_petitions_are_listed_with_counts_and_no_personal_data(api, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    data = api.get("/api/v1/petitions/").json()
    assert data["count"] == 1
    item = data["results"][0]
    assert item["counts"] == {
        "required": 10,
        "received": 1,
        "valid": 1,
        "invalid": 0,
        "awaiting": 0,
        "withdrawn": 0,
        "queued": 0,
    }
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
        # No Kazakh or Russian names given: each language falls back to the English.
        "names": {
            lang: {"name": "Karaganda No. 1", "region": "Karaganda Region", "body": "Mazhilis of the Parliament"}
            for lang in ("kk", "ru", "en")
        },
        "by_elections": [],
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


def test_the_petition_state_is_readable_by_everyone_after_the_threshold(api, collecting, voters):
    for voter in voters[10:21]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    assert api.get(f"/api/v1/petitions/{collecting.pk}/").json()["state"] == PetitionState.THRESHOLD_REACHED


def test_what_can_happen_next_comes_from_the_transition_table(api, collecting):
    steps = api.get(f"/api/v1/petitions/{collecting.pk}/").json()["next_steps"]
    assert steps == [
        {"step": t.name, "to": [str(s) for s in t.targets], "by": sorted(t.by) or ["system"]}
        for t in lifecycle.TRANSITIONS.values()
        if collecting.state in t.sources
    ]
    assert [s["step"] for s in steps] == ["withdraw", "reach_threshold", "expire", "end_mandate"]
    assert {s["step"]: s["by"] for s in steps}["reach_threshold"] == ["system"]


def test_every_version_of_the_answer_is_in_the_api(api, collecting, bob):
    from recall.services.groups import deputies

    deputies.publish_answer(collecting, actor=bob, texts={"ru": "Первый."})
    second = deputies.publish_answer(collecting, actor=bob, texts={"kk": "Екінші.", "en": "Second."})
    body = api.get(f"/api/v1/petitions/{collecting.pk}/").json()
    assert [(a["version"], a["texts"], a["on_behalf"]) for a in body["answers"]] == [
        (2, {"kk": "Екінші.", "en": "Second."}, True),
        (1, {"ru": "Первый."}, True),
    ]
    assert body["deputy_answer"] == "Second."  # the latest, in the request's language
    assert parse_datetime(body["answer_published_at"]) == second.published_at
    ru = api.get(f"/api/v1/petitions/{collecting.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert ru["deputy_answer"] == "Екінші."  # no Russian in version 2: Kazakh is next
    assert body["by_election"] is None and body["another_attempt"] is None


def test_a_recall_puts_the_by_election_in_the_api(api, collecting, alice):
    collecting = walk(collecting, PetitionState.RECALL_VOTE)
    collecting.refresh_from_db()
    lifecycle.record_recall_vote(
        collecting,
        actor=alice,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=30,
        votes_against=10,
    )
    expected = {"district": "K-1", "petition": collecting.pk, "vacated_on": "2026-11-01", "due_by": "2026-12-31"}
    assert api.get(f"/api/v1/petitions/{collecting.pk}/").json()["by_election"] == expected
    assert api.get("/api/v1/districts/?region=Karaganda Region").json()["results"][0]["by_elections"] == [expected]
