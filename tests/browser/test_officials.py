"""An official in a real browser (the admin, in Kazakh, the default language)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_official_registers_an_application_in_the_browser(page, shot, live_server, applied, bob):
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", "pw")
    page.locator("input[type=submit]").click()
    page.goto(live_server.url + f"/admin/recall/petition/{applied.pk}/change/")
    shot(page, "10-admin-petition")
    page.locator('a[href$="/step/register/"]').click()  # the admin is in Kazakh, the default language
    shot(page, "11-admin-confirm")
    page.locator("input[type=submit]").first.click()
    page.wait_for_url(f"**/admin/recall/petition/{applied.pk}/change/")
    shot(page, "12-admin-registered")
    applied.refresh_from_db()
    assert applied.state == "collecting"
