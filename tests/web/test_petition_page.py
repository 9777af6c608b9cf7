"""The public petition page shows every number of a petition at every stage, truthfully: the
counts, the chart and the projection while collecting, the vote and its rule at the end."""

import datetime as dt

from django.utils import timezone

from recall.models import DailyTally, Petition, PetitionState
from recall.services import lifecycle, verification
from tests.factories import SignatureFactory
from tests.helpers import walk


def page(client, petition, language="en") -> str:
    return client.get(f"/{language}/petitions/{petition.pk}/").content.decode()


def test_every_count_is_on_the_page(client, collecting, voters):
    for voter in voters[10:14]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(invalid_count=2, received_count=7, withdrawn_count=1)
    html = page(client, collecting)
    for label, value in [
        ("Received", 7),
        ("Counted (valid)", 4),
        ("Not counted (invalid)", 2),
        ("Withdrawn", 1),
        ("Required", 10),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    assert "<dt>Awaiting verification</dt>" in html


def test_a_refused_petition_shows_no_requirement_and_no_none(client, applied):
    lifecycle.refuse(applied, actor=None, reason="The group's minutes were not signed.")
    for language in ("en", "ru", "kk"):
        html = page(client, applied, language)
        assert "None" not in html
    assert "<dt>Required</dt><dd>—</dd>" in page(client, applied)
    assert "No signatures are collected" in page(client, applied)


def test_progress_beyond_the_requirement_is_not_capped(client, collecting):
    Petition.objects.filter(pk=collecting.pk).update(valid_count=13, received_count=13)
    assert "<strong>13</strong> valid signatures of 10 required\n    (130%)" in page(client, collecting)


def test_a_closed_petition_shows_when_collection_ended_not_a_future_end(client, collecting, voters):
    collecting = walk(collecting, PetitionState.RECALLED)
    html = page(client, collecting)
    assert "Collection ends" not in html
    assert "<dt>Collection ended</dt>" in html


def test_the_chart_and_the_projection_while_collecting(client, collecting):
    today = timezone.localdate()
    for back in range(7):
        DailyTally.objects.create(petition=collecting, day=today - dt.timedelta(days=back), valid=1)
    Petition.objects.filter(pk=collecting.pk).update(valid_count=7, received_count=7)
    html = page(client, collecting)
    assert '<svg class="chart chart-' in html and 'class="chart-projection"' in html
    reach = today + dt.timedelta(days=3)  # 3 missing at 1 a day
    assert f"the requirement will be reached on {reach.day} " in html
    detail = client.get(f"/api/v1/petitions/{collecting.pk}/").json()["forecast"]
    assert detail == {
        "rate": 1.0,
        "reached": False,
        "reach_on": reach.isoformat(),
        "in_time": True,
        "window_last_day": timezone.localtime(collecting.window_end).date().isoformat(),
    }


def test_a_slow_petition_is_told_it_will_not_make_it_in_time(client, collecting):
    DailyTally.objects.create(petition=collecting, day=timezone.localdate(), valid=1)
    Petition.objects.filter(pk=collecting.pk).update(valid_count=1, received_count=1)
    html = page(client, collecting)
    assert "will not be reached before the collection ends" in html
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["forecast"]["in_time"] is False


def test_the_vote_result_and_the_rule_applied(client, collecting):
    collecting = walk(collecting, PetitionState.RECALL_VOTE)
    lifecycle.record_recall_vote(
        collecting,
        actor=None,
        held_on=dt.date(2026, 11, 1),
        registered_voters=900,
        ballots_cast=250,
        votes_for=200,
        votes_against=50,
    )
    html = page(client, collecting)
    assert "<dt>Took part</dt><dd>250 (27.8%)</dd>" in html
    assert "<dt>For the recall</dt><dd>200</dd>" in html
    assert "Fewer than a third of the registered voters took part" in html
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["forecast"] is None  # not collecting


# --- The deputy's answer, the by-election, the next attempt --------------------------------------


def test_every_version_of_the_answer_is_on_the_page_with_its_date(client, collecting, bob):
    from recall.services.groups import deputies

    deputies.publish_answer(collecting, actor=bob, texts={"kk": "Бірінші жауап."})
    deputies.publish_answer(collecting, actor=bob, texts={"kk": "Екінші жауап.", "ru": "Второй ответ."})
    html = page(client, collecting, "kk")
    assert "Екінші жауап." in html and "Бірінші жауап." in html
    assert html.index("Екінші жауап.") < html.index("Бірінші жауап.")
    ru = page(client, collecting, "ru")
    assert "Второй ответ." in ru and "Екінші жауап." not in ru
    assert "Бірінші жауап." in ru  # the first version had only Kazakh: shown with a note
    en = page(client, collecting)
    assert "Второй ответ." in en and "shown in Russian" in en and "shown in Kazakh" in en
    assert "entered by the commission on the deputy's behalf" in en


def test_no_answer_says_so(client, collecting):
    assert "The deputy has not published an answer." in page(client, collecting)


def _recalled(collecting, alice, votes_for):
    collecting = walk(collecting, PetitionState.RECALL_VOTE)
    collecting.refresh_from_db()
    lifecycle.record_recall_vote(
        collecting,
        actor=alice,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=votes_for,
        votes_against=40 - votes_for,
    )


def test_a_recall_shows_the_by_election_on_the_petition_and_district_pages(client, collecting, alice):
    _recalled(collecting, alice, 30)
    assert "a by-election in Karaganda No. 1 is due by 31 December 2026" in page(client, collecting)
    district = client.get("/en/districts/K-1/").content.decode()
    assert "Due by 31 December 2026" in district and f"/en/petitions/{collecting.pk}/" in district
    assert "the seat is vacant" in district


def test_a_retained_deputy_shows_when_another_attempt_is_possible(client, collecting, alice, policy):
    policy.cooldown_months = 3
    policy.save()
    _recalled(collecting, alice, 20)
    html = page(client, collecting)
    assert "Another attempt to recall this deputy is possible from" in html
    assert "by-election" not in html


def test_an_unknown_district_is_not_found(client, db):
    assert client.get("/en/districts/NOPE/").status_code == 404
