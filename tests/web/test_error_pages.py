"""Error pages in the service's style and the visitor's language (config/errors.py): the
voters' pages, the admin's, and JSON under /api/."""

import pytest
from django.test import Client
from django.urls import reverse

from recall.models import Petition


@pytest.mark.parametrize(
    ("language", "text"),
    [("kk", "Мекенжайды тексеріңіз"), ("ru", "Проверьте адрес"), ("en", "Check the address")],
)
def test_a_missing_page_is_in_the_visitors_language_and_the_voters_style(client, db, language, text):
    response = client.get(f"/{language}/petitions/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert text in html
    assert f'<html lang="{language}"' in html and "recall/site.css" in html  # the voters' page
    assert f'href="/{language}/petitions/"' in html  # the way on


def test_a_missing_admin_record_is_an_admin_page(client, bob):
    client.force_login(bob)
    response = client.get("/admin/recall/nothing/", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Запись может иметь другой номер" in html
    assert "recall/admin.css" in html and 'id="site-name"' in html  # the admin's header
    assert f'href="{reverse("admin:index")}"' in html


def test_a_refused_admin_page_explains_why(client, olga):
    """Nobody adds to the audit log by hand: refused, in the official's language."""
    client.force_login(olga)
    response = client.get(reverse("admin:recall_auditentry_add"), HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 403
    assert "басқа комиссияның" in response.content.decode()
    assert "recall/admin.css" in response.content.decode()


def test_a_form_refused_by_the_csrf_check_says_what_to_do(bob):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    response = browser.post("/admin/recall/petition/", {"action": "x"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    assert "Форма была открыта слишком долго" in response.content.decode()


def test_a_server_error_page_is_in_the_visitors_language(client, db, monkeypatch):
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Petition.objects, "filter", broken)
    response = client.get("/ru/petitions/")
    assert response.status_code == 500
    assert "попробуйте ещё раз через несколько минут" in response.content.decode()


def test_the_api_stays_json(client, db):
    response = client.get("/api/v1/nothing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
