"""Security headers: a Content-Security-Policy on every page (the voters' pages with nothing
inline, the admin, the API documentation), and the language cookie Secure and SameSite in
production."""

import pytest

from tests.setup.test_settings import PRODUCTION_ENV, manage


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (d.split() for d in header.split(";") if d.strip())}


@pytest.mark.parametrize("path", ["/kk/", "/ru/check/", "/en/withdraw/", "/admin/login/", "/api/v1/petitions/"])
def test_pages_forbid_inline_scripts_and_styles(client, collecting, path):
    directives = policy(client.get(path))
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]


def test_the_api_documentation_has_a_policy_relaxed_for_its_styles_only(client, db):
    directives = policy(client.get("/api/docs/"))
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in directives["style-src"]


def test_the_voters_pages_have_no_inline_script_or_style(client, collecting):
    html = client.get(f"/kk/petitions/{collecting.pk}/").content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_production_sends_the_language_cookie_secure_and_same_site():
    shown = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        env=PRODUCTION_ENV,
    )
    assert shown.stdout.split() == ["True", "Lax", "True", "True"], shown.stderr


def test_the_language_cookie_carries_the_configured_flags(client, db, settings):
    settings.LANGUAGE_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SAMESITE = True, "Lax"
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/ru/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ru" and cookie["secure"] and cookie["samesite"] == "Lax"
