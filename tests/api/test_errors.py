"""Odd input to the API (and the pages beside it) gets a clear 4xx, never a server error."""

import pytest

from tests.helpers import body_of, sign_url


def test_ids_too_large_for_the_database_are_404(partner, client, collecting, voters):
    huge = "9" * 23
    assert partner.post(f"/api/v1/petitions/{huge}/signatures/", body_of(voters[10]), format="json").status_code == 404
    assert client.get(f"/en/petitions/{huge}/").status_code == 404
    assert partner.get(f"/api/v1/petitions/?deputy={huge}").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/en/?q=%00", "/en/?region=%00", "/api/v1/signatures/%00/", "/en/confirm/%00/", "/api/v1/petitions/?region=a%00b"],
)
def test_null_characters_are_refused(partner, url):
    assert partner.get(url).status_code in (400, 404)


def test_an_oversized_body_is_a_json_413(partner, collecting, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = partner.post(sign_url(collecting), {"address": "x" * 500}, format="json")
    assert response.status_code in (400, 413) and response["Content-Type"] == "application/json"


def test_a_body_nested_a_thousand_deep_is_a_json_400(partner, collecting):
    body = "[" * 1000 + "]" * 1000
    response = partner.post(sign_url(collecting), body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v1/petitions/abc/", "/api/v1/petitions/1/ledger/x/", "/api/"]
)
def test_urls_under_the_api_that_match_nothing_are_json_404(api, url):
    response = api.get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_url_too_long_is_a_json_414_under_the_api(api):
    response = api.get("/api/v1/petitions/?region=" + "x" * 9000)
    assert response.status_code == 414 and response.json()["code"] == "uri_too_long"
