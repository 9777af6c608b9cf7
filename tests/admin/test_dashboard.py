"""The admin's first page: what needs the official's commission now, and only its own."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from recall import dashboard
from recall.models import Petition
from tests.factories import SignatureFactory
from tests.helpers import application, populate, walk


def _index(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    return response


def test_an_application_awaiting_registration_is_listed_with_its_due_date(client, bob, applied):
    board = _index(client, bob).context["board"]
    assert board.awaiting_registration == [applied]
    html = _index(client, bob).content.decode()
    assert reverse("admin:recall_petition_change", args=[applied.pk]) in html
    assert applied.registration_due.strftime("%d.%m.%Y") in html


def test_another_commissions_petitions_are_not_on_the_dashboard(client, charlie, applied):
    board = _index(client, charlie).context["board"]
    assert board.awaiting_registration == [] and board.is_empty
    assert reverse("admin:recall_petition_change", args=[applied.pk]) not in _index(client, charlie).content.decode()


def test_the_central_commission_and_its_observer_see_every_district(alice, olga, applied, almaty, charlie):
    other = application(almaty, populate(almaty, 5))
    for user in (alice, olga):
        assert set(dashboard.for_user(user).awaiting_registration) == {applied, other}
    assert dashboard.for_user(charlie).awaiting_registration == [other]


def test_an_overdue_registration_is_shown_in_red(client, bob, applied):
    Petition.objects.filter(pk=applied.pk).update(registration_due=timezone.localdate() - dt.timedelta(days=1))
    html = _index(client, bob).content.decode()
    assert 'class="overdue"' in html and "просрочено" in html


def test_signatures_awaiting_review_are_counted_per_petition(client, bob, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[20])
    Petition.objects.filter(pk=collecting.pk).update(review_count=3)
    board = _index(client, bob).context["board"]
    assert [(p.pk, p.review_count) for p in board.awaiting_review] == [(collecting.pk, 3)]


def test_a_petition_near_its_threshold_is_listed(bob, collecting):
    assert dashboard.for_user(bob).near_threshold_or_end == []
    Petition.objects.filter(pk=collecting.pk).update(valid_count=collecting.required_signatures - 1)
    assert dashboard.for_user(bob).near_threshold_or_end == [collecting]


def test_a_petition_whose_window_ends_within_a_week_is_listed(bob, collecting):
    Petition.objects.filter(pk=collecting.pk).update(window_end=timezone.now() + dt.timedelta(days=3))
    assert dashboard.for_user(bob).near_threshold_or_end == [collecting]


def test_after_certification_the_dashboard_offers_the_recall_vote_as_the_next_step(client, bob, collecting):
    certified = walk(collecting, "sufficient")
    board = _index(client, bob).context["board"]
    assert board.awaiting_vote == [certified] and not board.is_empty
    html = _index(client, bob).content.decode()
    assert "Nothing awaits your commission's action" not in html
    assert reverse("admin:recall_petition_change", args=[certified.pk]) in html
    scheduled = walk(certified, "recall_vote")
    assert _index(client, bob).context["board"].awaiting_vote == [scheduled]
    walk(scheduled, "retained")
    assert _index(client, bob).context["board"].awaiting_vote == []
