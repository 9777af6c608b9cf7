"""The voters' public pages through HTTP: listing, searching, languages, accessibility."""

from django.urls import reverse


def test_home_lists_collecting_petitions_with_progress(client, collecting):
    page = client.get("/en/").content.decode()
    assert collecting.deputy.full_name in page and "<strong>0</strong> valid signatures of 10 required" in page
    assert "30 days left" in page or "29 days left" in page


def test_home_searches_by_deputy_district_and_region(client, collecting):
    assert collecting.deputy.full_name in client.get("/en/?q=karaganda").content.decode()
    assert collecting.deputy.full_name in client.get("/en/?region=Karaganda+Region").content.decode()
    assert collecting.deputy.full_name not in client.get("/en/?q=Almaty").content.decode()


def test_pages_come_in_three_languages(client, collecting):
    assert "Petitions collecting signatures" in client.get("/en/").content.decode()
    assert "Петиции, по которым идёт сбор подписей" in client.get("/ru/").content.decode()
    assert "Қолдар жиналып жатқан петициялар" in client.get("/kk/").content.decode()
    assert 'lang="kk"' in client.get("/kk/").content.decode()


def test_the_language_switcher_keeps_the_page(client, collecting):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": f"/en/petitions/{collecting.pk}/"})
    assert response.url == f"/ru/petitions/{collecting.pk}/"


def test_the_root_redirects_to_a_language(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ru").url == "/ru/"


def test_every_page_has_labels_and_a_skip_link(client, collecting):
    html = client.get(reverse("recall:sign", args=[collecting.pk])).content.decode()
    for field in ["iin", "full_name", "birth_date", "address", "phone", "consent"]:
        assert f'for="id_{field}"' in html
    assert 'class="skip-link" href="#main"' in html
