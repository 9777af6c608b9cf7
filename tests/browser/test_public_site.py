"""The public site in a real browser: every public page in Kazakh, Russian and English at a
phone's and a desktop's width passes axe-core's WCAG 2.1 AA rules, fits the screen, and on a
Kazakh or Russian page shows no word in Latin letters (tests/browser/language.py: no English
left untranslated, no place, party or person named in English from data); each persona in turn,
the voter, the initiative group's member and the deputy. Also browsing, the counts, the chart
and the projection, the receipt (copy, print, check) and the outcome opt-in."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from recall.models import Deputy, District, OutcomeSubscription, Petition, PetitionState
from recall.notifications import sms
from recall.services import lifecycle, signing, verification
from recall.services.groups import deputies
from recall.services.signing import codes
from tests.browser.a11y import assert_accessible
from tests.browser.language import assert_in_language
from tests.factories import DeputyFactory, SignatureFactory, VoterFactory, make_iin
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


ALMATY_NAMES = {
    "name_kk": "Алматы қалалық мәслихаты, № 1 сайлау округі",
    "name_ru": "Маслихат города Алматы, избирательный округ № 1",
    "region_kk": "Алматы қаласы",
    "region_ru": "город Алматы",
    "body_kk": "Алматы қалалық мәслихаты",
    "body_ru": "Маслихат города Алматы",
}
PARTY = {"party": "Amanat", "party_kk": "«AMANAT» партиясы", "party_ru": "Партия «AMANAT»"}


@pytest.fixture
def site(collecting, voters, almaty):
    """A petition collecting (named in three languages, a week of signatures: chart and
    projection) and one whose recall vote kept the deputy; deputies named as the register
    writes them, in Cyrillic, and their parties in each language."""
    District.objects.filter(pk=collecting.district_id).update(**NAMES)
    District.objects.filter(pk=almaty.pk).update(**ALMATY_NAMES)
    Deputy.objects.filter(pk=collecting.deputy_id).update(full_name="Есенов Арман Даниярович", **PARTY)
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
    retained = application(almaty, almaty_voters[:3])
    Deputy.objects.filter(pk=retained.deputy_id).update(full_name="Сулейменова Айгуль Нурлановна", **PARTY)
    Petition.objects.filter(pk=retained.pk).update(
        grounds_text_kk="Депутат сайлаушылармен кездеспеді.", grounds_text_ru="Депутат не встречался с избирателями."
    )
    retained = walk(retained, PetitionState.RECALL_VOTE)
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


# Words of the count tiles broken over two lines (a word whose text has more than one line box).
BROKEN_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('.counts dt, .counts dd')) {
    const node = el.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    const text = node.textContent;
    for (const match of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


# The text of the charts as shown: its font size times the drawing's scale on the screen.
CHART_TEXT_PX = """() => Array.from(document.querySelectorAll('svg.chart text'))
  .filter((t) => t.getClientRects().length)
  .map((t) => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))"""


def _check(page, where, shot=None):
    """axe at both widths, nothing wider than the screen, no word of a count tile broken in two,
    and on a Kazakh or Russian page no word in Latin letters."""
    language = page.evaluate("document.documentElement.lang")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"{where} at {width} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where} at {width} px is {overflow} px wider than the screen"
        assert page.evaluate(BROKEN_WORDS) == [], f"{where} at {width} px breaks a word of a count tile"
        small = [round(px, 1) for px in page.evaluate(CHART_TEXT_PX) if px < 12]
        assert not small, f"{where} at {width} px has chart text of {small} px"
        assert_in_language(page, language, f"{where} at {width} px")
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
            f"/petitions/{collecting.pk}/verify/",
            f"/petitions/{collecting.pk}/follow/",
            f"/districts/{collecting.district.code}/",
            "/check/",
            "/withdraw/",
            "/withdrawn/",
            "/my-data/",
            "/group/apply/",
            "/group/enter/",
            "/deputy/login/",
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
    chart = page.locator("svg.chart-wide")  # the laptop's drawing (the phone's is hidden at 1280 px)
    assert (
        chart.count() == 1
        and chart.is_visible()
        and chart.get_attribute("role") == "img"
        and chart.get_attribute("aria-labelledby")
    )
    assert page.locator("svg.chart-wide .chart-projection").count() == 1
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
        page.locator("#copy-status").filter(has_text=re.compile(r"\S")).wait_for(
            state="attached"
        )  # a selector: the CSP refuses eval
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


CYRILLIC_VOTERS = [
    ("Нурланова Алия Серіковна", "Караганда, ул. Абая, д. 5, кв. 12"),
    ("Омаров Ерлан Маратович", "Караганда, ул. Бухар жырау, д. 40, кв. 3"),
    ("Ким Анна Сергеевна", "Караганда, ул. Ерубаева, д. 7, кв. 1"),
]
DEPUTY_PASSWORD = "a long deputy passphrase 2026"


def _code():
    return re.search(r"\d{6}", sms.outbox[-1].text).group()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_group_member_the_deputy_and_the_signers_own_data_in_each_language(
    browser, live_server, site, karaganda2, bob, alice, shot, language
):
    """The pages only a group member, a deputy or a signer opening their data sees: axe, the
    width of the screen, and no Latin word, with the names that come from data."""
    collecting = site["collecting"]
    District.objects.filter(pk=karaganda2.pk).update(
        **{key: value.replace("№ 1", "№ 2") for key, value in NAMES.items()}
    )
    deputy = DeputyFactory(district=karaganda2, full_name="Омарова Динара Болатовна", **PARTY)
    members = [VoterFactory(district=karaganda2, full_name=name, address=address) for name, address in CYRILLIC_VOTERS]
    context = browser.new_context(locale=language, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = f"{live_server.url}/{language}"
    try:
        # A voter starts an application: the code page, the group's page, an invitation.
        page.goto(f"{base}/group/apply/?deputy={deputy.pk}")
        page.locator("#id_grounds_ru").fill("Депутат не встречается с избирателями.")
        page.locator("#id_iin").fill(members[0].personal["iin"])
        page.locator("#id_phone").fill("+7 701 000 00 01")
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/group/code/**")
        _check(page, f"{language}/group/code")
        page.locator("#id_code").fill(_code())
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/group/")
        # Too few members to submit yet: the button says so by its look, and why, beside it.
        submit = page.locator("button[disabled]")
        assert submit.count() == 1 and submit.evaluate("b => getComputedStyle(b).cursor") == "not-allowed"
        assert submit.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(229, 229, 229)"
        assert page.locator("#submit-reason").is_visible()
        page.locator("form[action$='/group/invite/'] button").click()
        page.wait_for_url("**/group/")
        _check(page, f"{language}/group", shot if language == "kk" else None)
        link = page.locator("#invitation-link").input_value()
        member = context.new_page()
        member.goto(link)
        _check(member, f"{language}/group/join")
        member.close()

        # The deputy: an account made by the commission, a password and an authenticator.
        with translation.override(language):
            proposed = deputies.create_account(collecting.deputy, actor=bob, email="deputy@mazhilis.kz")
        # The address takes effect once an official of the central commission confirms it.
        deputies.confirm_address(proposed.change, actor=alice)
        user = proposed.user
        user.refresh_from_db()
        user.set_password(DEPUTY_PASSWORD)
        user.save()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        page.goto(f"{base}/deputy/login/")
        # The e-mail and password boxes look like every other box: 16 px text, a tall target.
        for box in ("#id_username", "#id_password", "#id_otp_token"):
            size = page.locator(box).evaluate("b => [getComputedStyle(b).fontSize, b.getBoundingClientRect().height]")
            assert size[0] == "16px" and size[1] >= 40, (box, size)
        page.locator("#id_username").fill("deputy@mazhilis.kz")
        page.locator("#id_password").fill(DEPUTY_PASSWORD)
        page.locator("#id_otp_token").fill(f"{totp(device.bin_key):06d}")
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/deputy/")
        _check(page, f"{language}/deputy", shot if language == "kk" else None)
        page.locator(f"a[href$='/deputy/petitions/{collecting.pk}/']").click()
        page.wait_for_url(f"**/deputy/petitions/{collecting.pk}/")
        _check(page, f"{language}/deputy/answer")
        # Signing out is a link's job: it does not look like the page's main action.
        sign_out = page.locator(".session-bar button")
        assert sign_out.evaluate("b => getComputedStyle(b).backgroundColor") == "rgba(0, 0, 0, 0)"
        sign_out.click()
        page.wait_for_url("**/deputy/login/")

        # A signer opens the data held about their signature.
        voter = VoterFactory(
            district=collecting.district, full_name=CYRILLIC_VOTERS[2][0], address=CYRILLIC_VOTERS[2][1]
        )
        signature = signing.sign_on_web(collecting.pk, signer_of(voter, phone="+77012223344"))
        verification.verify_all()
        page.goto(f"{base}/my-data/")
        page.locator("#id_receipt").fill(signing.format_receipt(signature.receipt))
        page.locator("#id_iin").fill(voter.personal["iin"])
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/confirm/**")
        _check(page, f"{language}/confirm-view")
        page.locator("#id_code").fill(_code())
        page.locator("button[name=confirm]").click()
        page.wait_for_url(f"**/{language}/my-data/view/")
        first = page.get_by_test_id("ledger-entries").locator("li").first.inner_text()
        assert "{" not in first.split("\n")[0]  # a sentence; the stored JSON is behind a disclosure
        _check(page, f"{language}/my-data/view")
    finally:
        context.close()


def test_the_language_check_finds_english_words_and_latin_names(page):
    page.set_content(
        '<html lang="ru"><head><title>Петиции</title></head><body><h1>Отзыв депутата</h1>'
        "<p>Start a recall · Karaganda Region · Партия «AMANAT» · 7KQ2-M9XD-3FRA · https://wa.me/?text=x</p>"
        '<select><optgroup label="Almaty"><option>Есенов — Astana</option></optgroup></select>'
        '<a lang="en" href="/en/">English</a><code>python3 tools/verify_ledger.py</code>'
        '<svg role="img"><title>Valid signatures</title></svg><p hidden>Hidden text</p></body></html>'
    )
    from tests.browser.language import foreign_words

    assert sorted(foreign_words(page, "ru")) == sorted(
        ["Start", "recall", "Karaganda", "Region", "Almaty", "Astana", "Valid", "signatures"]
    )
