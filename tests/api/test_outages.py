"""A lost database is a 503 with Retry-After, never Django's HTML server error: JSON under
/api/, a page in the visitor's language elsewhere. The connection really fails: the test points
Django at a port where nothing listens."""

import json

import pytest
from django.db import connection

MESSAGES = {
    "kk": "Қызмет уақытша қолжетімсіз",
    "ru": "Сервис временно недоступен",
    "en": "The service is briefly unavailable",
}


@pytest.fixture
def database_down(transactional_db):
    saved = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.mark.parametrize("path", ["/api/v1/petitions/", "/api/v1/petitions/1/", "/api/v1/districts/"])
def test_an_api_request_without_a_database_is_a_json_503(client, database_down, path):
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "service_unavailable"


def test_a_partner_signing_without_a_database_gets_a_json_503(client, database_down):
    response = client.post(
        "/api/v1/petitions/1/signatures/",
        {"iin": "791028302728"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Api-Key abc.def",
        HTTP_IDEMPOTENCY_KEY="retry-me-1",
    )
    assert (response.status_code, json.loads(response.content)["code"]) == (503, "service_unavailable")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_voters_page_without_a_database_is_a_page_in_their_language(client, database_down, language):
    response = client.get(f"/{language}/")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert f'lang="{language}"' in html
    assert "Server Error" not in html
    assert MESSAGES[language] in html
