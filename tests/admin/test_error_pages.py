"""The admin's own error pages: the service's name in the header (never Django's), the
message once, in the official's language."""

import pytest


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_admins_404_is_headed_with_the_services_name_and_says_it_once(client, bob, language):
    client.force_login(bob)
    response = client.get("/admin/recall/nothing-here/", HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 404
    assert "Django" not in page and "Даңғо" not in page
    assert page.count("<h1") == 1
    header = {"ru": "Петиции об отзыве депутатов", "kk": "Депутаттарды кері шақыру"}[language]
    assert header in page, page[:1500]
