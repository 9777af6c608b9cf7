"""A petition in the news: the public pages and the API detail are shared copies, a few seconds
old at most, dropped when the workers count signatures or the petition changes state."""

import json

from recall.models import PetitionState
from recall.services import verification
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
