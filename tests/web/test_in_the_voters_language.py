"""The voters' pages in the voter's language: names of places, bodies and parties and the
grounds (recall.i18n_text), the receipt, and the error summary after a failed submit."""

import re

import pytest

from recall.models import District, OutcomeSubscription, Petition
from recall.services import verification
from tests.helpers import code_from_outbox, form_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(collecting):
    District.objects.filter(pk=collecting.district_id).update(
        name_kk="Қарағанды облысы бір мандатты сайлау округі № 1",
        name_ru="Одномандатный избирательный округ № 1 (Карагандинская область)",
        region_kk="Қарағанды облысы",
        region_ru="Карагандинская область",
        body_kk="Парламент Мәжілісі",
        body_ru="Мажилис Парламента",
    )
    collecting.deputy.__class__.objects.filter(pk=collecting.deputy_id).update(
        party="Amanat", party_kk="«AMANAT» партиясы", party_ru="Партия «AMANAT»"
    )
    Petition.objects.filter(pk=collecting.pk).update(
        grounds_text_kk="Уәделер орындалмады.", grounds_text_ru="Обещания не выполнены."
    )
    return collecting


@pytest.mark.parametrize(
    ("language", "names", "absent"),
    [
        (
            "kk",
            ["Қарағанды облысы бір мандатты", "Қарағанды облысы", "Парламент Мәжілісі", "«AMANAT» партиясы"],
            "Karaganda",
        ),
        (
            "ru",
            [
                "Одномандатный избирательный округ № 1",
                "Карагандинская область",
                "Мажилис Парламента",
                "Партия «AMANAT»",
            ],
            "Karaganda",
        ),
    ],
)
def test_the_petition_page_names_places_bodies_and_parties_in_the_pages_language(
    client, named, language, names, absent
):
    page = client.get(f"/{language}/petitions/{named.pk}/").content.decode()
    for name in names:
        assert name in page
    assert absent not in page and "Mazhilis of the Parliament" not in page


def test_the_lists_and_their_filters_show_the_names_in_the_pages_language(client, named):
    home = client.get("/ru/").content.decode()
    assert "Карагандинская область" in home and "Karaganda No. 1" not in home
    # The filter's value stays the stable (English) name: the link works in every language.
    assert '<option value="Karaganda Region">Карагандинская область</option>' in home
    assert client.get("/kk/petitions/?region=Karaganda+Region").content.decode().count("Қарағанды облысы") >= 2
    # A voter may type the Russian name on the Kazakh page.
    assert f"/kk/petitions/{named.pk}/" in client.get("/kk/?q=Карагандинская").content.decode()


def test_the_grounds_are_shown_in_the_pages_language_or_noted(client, named):
    kk = client.get(f"/kk/petitions/{named.pk}/").content.decode()
    assert "Уәделер орындалмады." in kk and 'data-testid="fallback-note"' not in kk
    en = client.get(f"/en/petitions/{named.pk}/").content.decode()
    # Not given in English: shown in Russian (the first fallback), and said so.
    assert "Обещания не выполнены." in en and 'lang="ru"' in en
    assert re.search(r'data-testid="fallback-note">Shown in Russian: not given in the language of this page', en)


def test_grounds_stored_before_languages_were_kept_are_shown_without_a_note(client, collecting):
    page = client.get(f"/ru/petitions/{collecting.pk}/").content.decode()
    assert collecting.grounds_text in page and "fallback-note" not in page


def _sign(client, petition, voter, capture, **extra):
    with capture(execute=True):
        started = client.post(f"/en/petitions/{petition.pk}/sign/", {**form_of(voter), **extra})
    with capture(execute=True):
        return client.post(started.url, {"code": code_from_outbox()}, follow=True).content.decode()


def test_the_receipt_says_received_not_counted_until_verification_decides(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    page = _sign(client, collecting, voters[10], django_capture_on_commit_callbacks)
    state = re.search(r'data-testid="receipt-state">(.*?)</p>', page, re.S).group(1)
    assert "received, awaiting verification" in state and "valid" not in state.replace("verification", "")
    assert "Your signature has been received" in page and "counted" not in page.lower().replace("counts towards", "")
    verification.verify_all()
    state = re.search(r'data-testid="receipt-state">(.*?)</p>', client.get("/en/receipt/").content.decode(), re.S)
    assert "<strong>valid</strong>" in state.group(1)


def test_the_receipt_links_to_the_check_page_with_the_receipt_filled_in_never_the_iin(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    page = _sign(client, collecting, voters[10], django_capture_on_commit_callbacks)
    receipt = re.search(r'data-testid="receipt">([0-9A-Z-]+)<', page).group(1)
    link = re.search(r'href="([^"]+)" data-testid="check-link"', page).group(1)
    assert link == f"/en/check/?receipt={receipt}" and voters[10].personal["iin"] not in link
    check = client.get(link).content.decode()
    assert f'name="receipt" value="{receipt}"' in check
    assert 'name="iin" ' in check and voters[10].personal["iin"] not in check
    assert "<script" not in page.split("</head>")[1]  # the copy and print buttons are recall/site.js


def test_a_tampered_prefill_is_dropped(client):
    page = client.get('/en/check/?receipt="><script>').content.decode()
    assert "<script>" not in page.split("</head>")[1]


def test_the_opt_in_is_offered_and_confirmed_on_the_receipt(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    form = client.get(f"/kk/petitions/{collecting.pk}/sign/").content.decode()
    assert 'name="notify_outcome"' in form and "SMS арқылы хабарлаңыз" in form
    page = _sign(client, collecting, voters[10], django_capture_on_commit_callbacks, notify_outcome="on")
    assert OutcomeSubscription.objects.count() == 1 and "You asked to be told the outcome" in page
    page = _sign(client, collecting, voters[11], django_capture_on_commit_callbacks)
    assert OutcomeSubscription.objects.count() == 1 and "You asked to be told the outcome" not in page


def test_a_failed_submit_shows_a_summary_that_links_to_each_field(client, collecting, voters):
    data = form_of(voters[10], iin="", full_name="")
    data.pop("consent")
    page = client.post(f"/ru/petitions/{collecting.pk}/sign/", data).content.decode()
    summary = re.search(
        r'<div class="error-summary" role="alert" tabindex="-1"[^>]*data-error-summary>(.*?)</div>', page, re.S
    )
    assert summary, "the summary the focus moves to"
    links = re.findall(r'<a href="#(id_\w+)">', summary.group(1))
    assert set(links) == {"id_iin", "id_full_name", "id_consent"}
    for field in links:
        assert f'id="{field}"' in page
    assert "Есть ошибки" in summary.group(1)


def test_the_code_page_says_how_long_the_code_is_valid(client, collecting, voters, settings):
    settings.RECALL_OTP_TTL_SECONDS = 300
    started = client.post(f"/ru/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert "Код действует 5 минут." in client.get(started.url).content.decode()
    settings.RECALL_OTP_TTL_SECONDS = 120
    assert "Код действует 2 минуты." in client.get(started.url).content.decode()


def test_the_summary_lists_the_fields_beside_an_error_of_the_whole_form():
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        name = forms.CharField(label="Name")
        hidden = forms.CharField(widget=forms.HiddenInput)

    form = Form(data={})
    form.add_error(None, "First whole-form error.")
    form.add_error(None, "Second whole-form error.")
    html = render_to_string("recall/_errors.html", {"form": form})
    assert "First whole-form error." in html and "Second whole-form error." in html
    assert '<a href="#id_name">Name: This field is required.</a>' in html and "id_hidden" not in html
