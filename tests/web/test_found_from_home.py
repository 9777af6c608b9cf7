"""Every voter, group and deputy page is found from the home page, and a recall is started from
the home page and from the district's page; names of places in the page's language."""

import pytest

from recall.models import District
from tests.factories import DeputyFactory

PAGES = ["/ru/group/apply/", "/ru/group/enter/", "/ru/deputy/login/", "/ru/my-data/", "/ru/check/", "/ru/withdraw/"]


@pytest.mark.parametrize("page", ["/ru/", "/ru/petitions/", "/ru/check/"])
def test_every_page_links_the_pages_people_look_for(client, collecting, page):
    html = client.get(page).content.decode()
    for target in PAGES:
        assert f'href="{target}"' in html, target


def test_the_home_page_offers_to_start_a_recall(client, collecting):
    html = client.get("/ru/").content.decode()
    assert 'data-testid="start-recall"' in html and "Начните отзыв своего депутата" in html


@pytest.fixture
def named(karaganda):
    District.objects.filter(pk=karaganda.pk).update(
        name_ru="Одномандатный избирательный округ № 1 (Карагандинская область)",
        name_kk="Қарағанды облысы бір мандатты сайлау округі № 1",
        region_ru="Карагандинская область",
        region_kk="Қарағанды облысы",
        body_ru="Мажилис Парламента",
        body_kk="Парламент Мәжілісі",
    )
    return DeputyFactory(district=karaganda, full_name="Есенов Арман Даниярович")


def test_the_district_page_is_in_the_pages_language_and_starts_a_recall(client, named):
    html = client.get("/ru/districts/K-1/").content.decode()
    assert "<h1>Одномандатный избирательный округ № 1 (Карагандинская область)</h1>" in html
    assert "Карагандинская область · Мажилис Парламента" in html
    assert "Karaganda" not in html
    assert f'href="/ru/group/apply/?deputy={named.pk}"' in html
    assert "отзыве депутата Есенова Армана Данияровича" in html
    # The application opens with that deputy chosen, named in Russian.
    form = client.get(f"/ru/group/apply/?deputy={named.pk}").content.decode()
    group = form.index('<optgroup label="Одномандатный избирательный округ № 1 (Карагандинская область)">')
    option = form.index(f'<option value="{named.pk}" selected>Есенов Арман Даниярович</option>')
    assert group < option < form.index("</optgroup>", group)


def test_the_deputy_list_of_the_application_has_no_english_place(client, named):
    for language, place in (("kk", "Қарағанды облысы бір мандатты"), ("ru", "Одномандатный избирательный")):
        html = client.get(f"/{language}/group/apply/").content.decode()
        assert place in html and "Karaganda" not in html


def test_the_withdraw_form_asks_for_no_phone_number(client):
    html = client.get("/en/withdraw/").content.decode()
    assert 'name="phone"' not in html and 'name="receipt"' in html and 'name="iin"' in html
    assert "we text a code to the phone number you signed with" in html


def test_a_district_whose_deputy_faces_a_petition_leads_to_it(client, collecting):
    html = client.get("/en/districts/K-1/").content.decode()
    assert 'data-testid="recall-under-way"' in html and 'data-testid="start-recall"' not in html
    assert f'class="button" href="/en/petitions/{collecting.pk}/"' in html
