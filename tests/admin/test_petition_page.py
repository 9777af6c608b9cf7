"""The petition page: its chart, its sample linked, only the steps the rules allow."""

from django.urls import reverse

from recall.services import verification
from tests.factories import SignatureFactory
from tests.helpers import draw_sample, under_verification


def _page(client, user, petition):
    client.force_login(user)
    return client.get(reverse("admin:recall_petition_change", args=[petition.pk])).content.decode()


def test_the_petition_page_shows_the_chart_of_valid_signatures(client, bob, collecting):
    page = _page(client, bob, collecting)
    assert '<svg class="chart chart-' in page


def test_a_sample_is_offered_until_one_is_drawn_then_linked(client, bob, samples_of_3, collecting, voters):
    for voter in voters[10:16]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    under_verification(collecting)
    draw = reverse("admin:recall_petition_sample", args=[collecting.pk])
    assert draw in _page(client, bob, collecting)
    run = draw_sample(collecting, bob)
    page = _page(client, bob, collecting)
    assert draw not in page
    assert reverse("admin:recall_samplerun_change", args=[run.pk]) in page


def test_an_observer_is_offered_no_steps_on_the_petition_page(client, olga, applied):
    page = _page(client, olga, applied)
    assert reverse("admin:recall_petition_step", args=[applied.pk, "register"]) not in page
