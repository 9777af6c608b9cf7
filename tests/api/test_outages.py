"""A lost database is a 503 with Retry-After, never Django's HTML server error: JSON under
/api/, a page in the visitor's language elsewhere. The connection really fails: the test points
Django at a port where nothing listens."""

import json

import psycopg
import pytest
from django.db import close_old_connections, connection

from recall.services import signing
from tests.helpers import api_key, signer_of

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


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_while_idle_costs_no_sign_request(collecting, voters):
    # What a failover or an idle timeout does to a web node's persistent connection between two
    # requests, configured as in production (config.settings.base: CONN_MAX_AGE and
    # CONN_HEALTH_CHECKS). The sign path's statement is the request's first: its raw cursor
    # must check the connection as Django's cursor() does.
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    partner = api_key(scopes=("sign",))[0].client_id
    try:
        for voter in voters[10:14]:
            close_old_connections()  # what Django does as each request starts
            backend = connection.connection.info.backend_pid if connection.connection else None
            if backend:
                with psycopg.connect(
                    f"dbname={connection.settings_dict['NAME']} user=postgres host=127.0.0.1", autocommit=True
                ) as other:
                    other.execute("SELECT pg_terminate_backend(%s)", [backend])
            signing.sign_for_partner(collecting.pk, signer_of(voter), client_id=partner)
    finally:
        connection.settings_dict.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
        connection.close()
    assert collecting.signatures.count() == 4
