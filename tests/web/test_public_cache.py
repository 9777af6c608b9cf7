"""A petition in the news: the public pages and the API detail are shared copies, a few seconds
old at most, dropped when the workers count signatures or the petition changes state."""

import json
from unittest import mock

import pytest

from recall.ledger import note
from recall.models import PetitionState
from recall.services import verification
from recall.services.public import public_cache
from tests.factories import SignatureFactory


def test_the_petition_page_is_shared_with_http_caching_headers(client, collecting):
    first = client.get(f"/en/petitions/{collecting.pk}/")
    assert first["Cache-Control"] == "public, max-age=5"
    assert "Accept-Language" in first["Vary"]
    assert first["ETag"].startswith('"')
    assert not first.cookies  # a shared copy sets nobody's cookie
    again = client.get(f"/en/petitions/{collecting.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_a_counted_batch_shows_on_the_page_the_home_page_and_the_api_at_once(client, collecting, voters):
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "<strong>0</strong> valid signatures" in html
    assert "<strong>0</strong> valid signatures" in client.get("/en/").content.decode()
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]["valid"] == 0
    for voter in voters[10:13]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    assert "<strong>3</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "<strong>3</strong> valid signatures" in client.get("/en/").content.decode()
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]["valid"] == 3


def test_a_state_change_shows_at_once(client, collecting, voters):

    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["state"] == PetitionState.COLLECTING
    for voter in voters[10:22]:  # more than the 10 required: the threshold step
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.THRESHOLD_REACHED
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["state"] == PetitionState.THRESHOLD_REACHED


def test_each_language_has_its_own_copy(client, collecting):
    assert 'lang="ru"' in client.get(f"/ru/petitions/{collecting.pk}/").content.decode()
    assert 'lang="en"' in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    as_json = client.get(f"/api/v1/petitions/{collecting.pk}/", HTTP_ACCEPT="application/json")
    assert json.loads(as_json.content)["id"] == collecting.pk
    assert as_json["Content-Type"] == "application/json"
    assert "Accept" in as_json["Vary"] and "Accept-Language" in as_json["Vary"]


def test_the_language_switcher_links_to_the_same_page(client, collecting):
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert f'href="/ru/petitions/{collecting.pk}/" hreflang="ru"' in html
    assert f'href="/kk/petitions/{collecting.pk}/" hreflang="kk"' in html
    assert "csrfmiddlewaretoken" not in html


def test_an_unknown_petition_is_not_kept(client, db):
    assert client.get("/en/petitions/999999/").status_code == 404
    assert "public" not in client.get("/en/petitions/999999/").get("Cache-Control", "")


@pytest.fixture
def local_tier(settings):
    """The in-process tier on, as in production (it is off in the test settings)."""
    settings.RECALL_PUBLIC_LOCAL_SECONDS = 1.0
    public_cache._local.clear()
    yield public_cache
    public_cache._local.clear()


def test_within_its_second_a_process_answers_from_memory_without_redis(client, collecting, local_tier, monkeypatch):
    first = client.get(f"/en/petitions/{collecting.pk}/")

    def no_redis(*args, **kwargs):
        raise AssertionError("the in-process copy should have answered")

    monkeypatch.setattr(public_cache.cache, "get", no_redis)
    monkeypatch.setattr(public_cache.cache, "get_many", no_redis)
    again = client.get(f"/en/petitions/{collecting.pk}/")
    assert again.status_code == 200 and again.content == first.content and again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=5"


def test_this_processs_own_change_empties_the_in_process_tier(client, collecting, voters, local_tier):
    assert "<strong>0</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    assert "<strong>1</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()


def test_another_processs_change_shows_once_the_in_process_copy_expires(client, collecting, voters, local_tier):
    """Another process's change bumps only the versions in Redis: the copy here is served until
    its second is over, then the page is read again (simulated: the versions bumped directly)."""
    assert "<strong>0</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    SignatureFactory(petition=collecting, voter_row=voters[10])
    with mock.patch.object(public_cache, "_local", dict(public_cache._local)):  # a worker elsewhere
        verification.verify_all()
    assert "<strong>0</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    for key, (_, stored) in list(public_cache._local.items()):  # its second is over
        public_cache._local[key] = (0.0, stored)
    assert "<strong>1</strong> valid signatures" in client.get(f"/en/petitions/{collecting.pk}/").content.decode()


def test_the_in_process_tier_is_bounded(client, collecting, local_tier, monkeypatch):
    monkeypatch.setattr(public_cache, "LOCAL_ENTRIES", 3)
    for path in ("/en/", "/ru/", "/kk/", f"/en/petitions/{collecting.pk}/"):
        client.get(path)
        assert len(public_cache._local) <= 3


# --- Canonical addresses: no query string makes a reader miss the cache on purpose -----------


def test_a_page_with_an_unknown_parameter_is_redirected_to_its_canonical_address(client, collecting):
    answer = client.get(f"/en/petitions/{collecting.pk}/?b=8f3a&utm_source=x")
    assert answer.status_code == 302 and answer["Location"] == f"/en/petitions/{collecting.pk}/"
    assert answer["Cache-Control"].startswith("public")


def test_known_parameters_are_put_in_order_with_defaults_left_out(client, collecting):
    answer = client.get("/en/?page=1&region=Karaganda%20Region&q=%20%20karaganda%20%20")
    assert answer["Location"] == "/en/?q=karaganda&region=Karaganda+Region"
    assert client.get("/en/?q=karaganda&region=Karaganda+Region").status_code == 200


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1", "99999999999999"])
def test_a_page_number_out_of_bounds_is_the_first_or_the_last(client, collecting, page):
    # One public petition: one page at most, whatever is asked.
    assert client.get(f"/en/?page={page}")["Location"] == "/en/"


def test_made_up_filter_values_share_one_address(client, collecting):
    for value in ("nonsense", "other-nonsense"):
        assert client.get(f"/en/petitions/?region={value}")["Location"] == "/en/petitions/?region=-"


def test_the_api_ignores_unknown_parameters_and_answers_from_the_shared_copy(
    client, collecting, django_assert_num_queries
):
    first = client.get(f"/api/v1/petitions/{collecting.pk}/")
    with django_assert_num_queries(0):
        again = client.get(f"/api/v1/petitions/{collecting.pk}/?b=random-{collecting.pk}&format=xml")
    assert again.status_code == 200 and again.content == first.content


# --- Fragments: a count batch rebuilds only the counts -----------------------------------------


def test_after_a_count_batch_the_page_is_rebuilt_with_three_queries(
    client, collecting, django_assert_num_queries, settings
):
    witness = note.Signer.generate("witness.test/a", note.ALG_COSIGNATURE_V1)
    settings.RECALL_LEDGER_WITNESSES = [f"{witness.vkey}|https://witness.test/a"]
    client.get(f"/en/petitions/{collecting.pk}/")
    public_cache.changed(collecting.pk)  # what the workers' count batch does
    # The petition with its counts, the daily series, the accredited witnesses of the latest
    # checkpoint (with none accredited, that one is not asked).
    with django_assert_num_queries(3):
        assert client.get(f"/en/petitions/{collecting.pk}/").status_code == 200
    settings.RECALL_LEDGER_WITNESSES = []
    public_cache.changed(collecting.pk)
    with django_assert_num_queries(2):
        assert client.get(f"/en/petitions/{collecting.pk}/").status_code == 200


def test_after_a_count_batch_the_api_detail_is_rebuilt_with_two_queries(client, collecting, django_assert_num_queries):
    client.get(f"/api/v1/petitions/{collecting.pk}/")
    public_cache.changed(collecting.pk)
    with django_assert_num_queries(2):  # the petition with its counts, the daily series
        assert client.get(f"/api/v1/petitions/{collecting.pk}/").status_code == 200


def test_a_step_of_the_lifecycle_rebuilds_the_content(client, collecting, voters):
    assert "The deputy has not published an answer." in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["history"][-1]["state"] == "collecting"
    for voter in voters[10:22]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()  # the threshold: a step, with its history entry
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert html.count("<li><time") == len(client.get(f"/api/v1/petitions/{collecting.pk}/").json()["history"])
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["history"][-1]["state"] == "threshold_reached"
