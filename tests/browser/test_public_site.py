"""The public site in a real browser: every public page in Kazakh, Russian and English at a
phone's and a desktop's width passes axe-core's WCAG 2.1 AA rules and fits the screen; browsing,
the counts, the chart and the projection, the receipt (copy, print, check) and the outcome opt-in."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from recall.models import District, OutcomeSubscription, Petition, PetitionState
from recall.notifications import sms
from recall.services import lifecycle, verification
from recall.services.signing import codes
from tests.browser.a11y import assert_accessible
from tests.factories import SignatureFactory, make_iin
from tests.helpers import application, populate, signer_of, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
NAMES = {
    "name_kk": "Қарағанды облысы бір мандатты сайлау округі № 1",
    "name_ru": "Одномандатный избирательный округ № 1 (Карагандинская область)",
    "region_kk": "Қарағанды облысы",
    "region_ru": "Карагандинская область",
    "body_kk": "Парламент Мәжілісі",
    "body_ru": "Мажилис Парламента",
}


@pytest.fixture
def site(collecting, voters, almaty):
    """A petition collecting (named in three languages, a week of signatures: chart and
    projection) and one whose recall vote kept the deputy."""
    District.objects.filter(pk=collecting.district_id).update(**NAMES)
    Petition.objects.filter(pk=collecting.pk).update(
        grounds_text_kk="Депутат сайлаушылармен кездеспеді.", grounds_text_ru="Депутат не встречался с избирателями."
    )
    # The window opened eight days ago; one valid signature a day since (the chart's week).
    now = timezone.now()
    Petition.objects.filter(pk=collecting.pk).update(window_start=now - dt.timedelta(days=8))
    for back, voter in enumerate(voters[40:47]):
        SignatureFactory(petition=collecting, voter_row=voter, signed_at=now - dt.timedelta(days=back))
    SignatureFactory(petition=collecting, voter_row=voters[47], full_name="Someone Else")  # left to an official
    SignatureFactory(petition=collecting, iin=make_iin(7777), full_name="Nobody")  # not in the register
    verification.verify_all()
    almaty_voters = populate(almaty, 30)
    retained = walk(application(almaty, almaty_voters[:3]), PetitionState.RECALL_VOTE)
    lifecycle.record_recall_vote(
        retained,
        actor=None,
        held_on=dt.date(2026, 11, 1),
        registered_voters=30,
        ballots_cast=20,
        votes_for=8,
        votes_against=12,
    )
    retained.refresh_from_db()
    collecting.refresh_from_db()
    return {"collecting": collecting, "retained": retained}


def _check(page, where, shot=None):
    """axe at both widths, and nothing wider than the screen."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"{where} at {width} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where} at {width} px is {overflow} px wider than the screen"
        if shot:
            shot(page, f"public-{where.replace('/', '_').strip('_')}-{width}")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_public_page_is_accessible_in_each_language_at_both_widths(
    browser, live_server, site, voters, shot, language
):
    context = browser.new_context(locale=language, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = f"{live_server.url}/{language}"
    collecting, retained = site["collecting"], site["retained"]
    take = shot if language in ("kk", "ru") else None
    try:
        for path in [
            "/",
            "/?region=Karaganda+Region",
            "/?q=nothing-matches-this",
            "/petitions/",
            "/petitions/?group=collecting&level=mazhilis&region=Karaganda+Region",
            "/petitions/?group=retained",
            f"/petitions/{collecting.pk}/",
            f"/petitions/{retained.pk}/",
            f"/petitions/{collecting.pk}/sign/",
            f"/petitions/{retained.pk}/sign/",
            "/check/",
            "/withdraw/",
            "/withdrawn/",
            "/group/apply/",
            "/group/enter/",
        ]:
            page.goto(base + path)
            _check(page, f"{language}{path}", take if path in ("/", f"/petitions/{collecting.pk}/") else None)

        # The sign form after a failed submit: the focus is on the summary, which links to each field.
        page.goto(f"{base}/petitions/{collecting.pk}/sign/")
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_selector("[data-error-summary]")
        assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
        links = page.locator("[data-error-summary] a")
        assert links.count() >= 5
        links.first.click()
        assert page.evaluate("document.activeElement.id") == links.first.get_attribute("href")[1:]
        _check(page, f"{language}/sign-with-errors", take)

        # The code page, then a wrong code, then the receipt.
        voter = voters[10 + ["kk", "ru", "en"].index(language)]
        form = page.locator("form[novalidate]")
        for name in ("iin", "full_name", "birth_date", "address"):
            form.locator(f"#id_{name}").fill(voter.personal[name])
        form.locator("#id_phone").fill("+7 701 123 45 67")
        form.locator("#id_consent").check()
        form.locator("#id_notify_outcome").check()
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/confirm/**")
        _check(page, f"{language}/confirm", take)
        page.locator("#id_code").fill("000000" if "000000" not in sms.outbox[-1].text else "111111")
        page.locator("button[name=confirm]").click()
        page.wait_for_selector("[data-error-summary]")
        assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
        _check(page, f"{language}/confirm-wrong-code")
        page.locator("#id_code").fill(re.search(r"\d{6}", sms.outbox[-1].text).group())
        page.locator("button[name=confirm]").click()
        page.wait_for_url("**/receipt/")
        _check(page, f"{language}/receipt", take)

        # "Check my signature" from the receipt: the receipt is filled in, the IIN is not.
        receipt = page.get_by_test_id("receipt").inner_text()
        page.get_by_test_id("check-link").click()
        assert page.locator("#id_receipt").input_value() == receipt
        assert page.locator("#id_iin").input_value() == ""
        page.locator("#id_iin").fill(voter.personal["iin"])
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_selector("[data-testid=signature-state]")
        _check(page, f"{language}/check-result", take)
    finally:
        context.close()


def test_browsing_the_counts_the_chart_and_the_projection(page, live_server, site, shot):
    collecting = site["collecting"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/ru/petitions/")
    page.get_by_label("Регион").select_option(label="Карагандинская область")
    page.locator("form.search button, form button[type=submit]").first.click()
    page.wait_for_url("**region=Karaganda+Region**")
    cards = page.locator(".card")
    assert cards.count() == 1 and "Карагандинская область" in cards.first.inner_text()
    cards.first.get_by_role("link").first.click()
    page.wait_for_url(f"**/ru/petitions/{collecting.pk}/")
    header = page.locator("main").inner_text()
    for name in (NAMES["name_ru"], NAMES["region_ru"], NAMES["body_ru"]):
        assert name in header
    counts = {
        dt_.inner_text(): dd.inner_text()
        for dt_, dd in zip(page.locator(".counts dt").all(), page.locator(".counts dd").all(), strict=True)
    }
    assert {label: counts[label] for label in list(counts)[:6]} == {
        "Поступило": "9",
        "Засчитано (действительные)": "7",
        "Не засчитано (недействительные)": "1",
        "Ожидают проверки": "1",
        "Отозвано": "0",
        "Требуется": "10",
    }, counts
    assert "Действительных подписей: 7 из требуемых 10 (70%)" in " ".join(page.locator("main").inner_text().split())
    chart = page.locator("svg.chart")
    assert chart.count() == 1 and chart.get_attribute("role") == "img" and chart.get_attribute("aria-labelledby")
    assert page.locator("svg.chart .chart-projection").count() == 1
    reach = timezone.localdate() + dt.timedelta(days=3)
    assert str(reach.day) in page.locator("main").inner_text()
    shot(page, "public-ru-petition-1280")


def test_the_receipt_is_copied_printed_and_the_opt_in_is_kept(browser, live_server, site, voters, shot):
    collecting = site["collecting"]
    context = browser.new_context(
        locale="kk", viewport={"width": 390, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/kk/petitions/{collecting.pk}/sign/")
        voter = voters[20]
        for name in ("iin", "full_name", "birth_date", "address"):
            page.locator(f"#id_{name}").fill(voter.personal[name])
        page.locator("#id_phone").fill("+7 701 123 45 67")
        page.locator("#id_consent").check()
        page.get_by_label(re.compile("SMS арқылы хабарлаңыз")).check()
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/confirm/**")
        code = sms.outbox[-1].text
        assert code.startswith("Депутаттарды кері шақыру туралы петициялар:") and "ҚОЛ ҚОЮ коды" in code
        page.locator("#id_code").fill(re.search(r"\d{6}", code).group())
        page.locator("button[name=confirm]").click()
        page.wait_for_url("**/receipt/")
        receipt = page.get_by_test_id("receipt").inner_text()
        assert OutcomeSubscription.objects.filter(signature__receipt=receipt.replace("-", "")).exists()
        assert "нәтижесін білгіңіз келетінін" in page.locator("main").inner_text()
        assert receipt in sms.outbox[-1].text  # the receipt also comes by text message
        page.get_by_role("button", name="Кодты көшіру").click()
        page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
        assert page.evaluate("navigator.clipboard.readText()") == receipt
        assert page.get_by_role("button", name="Түбіртекті басып шығару").is_visible()
        shot(page, "public-kk-receipt-390")
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible() and page.get_by_test_id("receipt").is_visible()
        assert not page.get_by_role("button", name="Кодты көшіру").is_visible()
        page.emulate_media(media="screen")
    finally:
        context.close()


def test_a_code_page_says_how_many_tries_are_left(page, live_server, site, voters, settings):
    started = codes.start_signing(site["collecting"].pk, signer_of(voters[30]))
    page.goto(f"{live_server.url}/ru/confirm/{started.token}/")
    page.locator("#id_code").fill("12345")
    page.locator("button[name=confirm]").click()
    page.wait_for_selector("[data-error-summary]")
    left = settings.RECALL_OTP_MAX_ATTEMPTS - 1
    assert f"Осталось {left} попытки" in page.locator("[data-error-summary]").inner_text()
