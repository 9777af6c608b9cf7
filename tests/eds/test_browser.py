"""A voter signs, checks and withdraws with EDS in Chromium: the site's own pages and eds.js,
the fake NCALayer on NCALayer's port (13579) signing with the test CA's key, the built-in
verifier with the local OCSP/CRL responder. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from recall.models import Channel, Signature, SignatureState
from tests.helpers import ROOT

from .fake_ncalayer import FakeNCALayer

# One process at a time listens on NCALayer's port: these tests stay on one xdist worker.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("ncalayer-port")]

# Playwright's sync API runs an event loop in this thread; the ORM stays synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
NCALAYER_PORT = 13579  # where eds.js looks by default, and what the CSP's connect-src allows
SHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required: apt-get install chromium"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def new_page(chromium, width: int = 1280, height: int = 900, locale: str = "en-GB"):
    # The fake NCALayer's TLS certificate comes from the test CA, as the real one's comes from
    # NCALayer's own: Chromium is told to accept it.
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def page(chromium):
    page = new_page(chromium, 412, 915)
    yield page
    page.context.close()


@pytest.fixture
def ncalayer(ca, certs):
    layer = FakeNCALayer(certs["rsa"], tls=ca.tls_server(), port=NCALAYER_PORT).start()
    yield layer
    layer.stop()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_statement(page, live_server, petition, language: str = "en") -> None:
    page.goto(f"{live_server.url}/{language}/petitions/{petition.pk}/sign/")
    page.locator("#eds-h ~ form button").click()
    page.wait_for_url("**/eds/**")


def test_a_voter_signs_checks_and_withdraws_with_eds(page, live_server, collecting, ahmetov, ncalayer):
    open_statement(page, live_server, collecting)
    statement = page.get_by_test_id("statement").inner_text()
    assert f"Petition No.: {collecting.pk}" in statement and collecting.deputy.full_name in statement
    shot(page, "eds-01-statement")

    page.get_by_label("Address of residence").fill("Караганда, ул. Абая, 1")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Sign with EDS").click()
    page.wait_for_url("**/receipt/")
    receipt = page.get_by_test_id("receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    shot(page, "eds-02-receipt")
    request = ncalayer.received[-1]
    assert request["module"] == "kz.gov.pki.knca.basics" and request["args"]["locale"] == "en"
    signature = Signature.objects.get()
    assert (signature.channel, signature.personal["full_name"]) == (Channel.EDS, "АХМЕТОВ ЕРЛАН САРСЕНОВИЧ")

    page.get_by_role("link", name="Check my signature").first.click()
    page.get_by_label("Receipt code").fill(receipt)
    page.get_by_label("IIN", exact=True).fill("900101300017")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("signature-state")).to_contain_text("State of your signature: valid")
    expect(page.get_by_test_id("signature-state")).to_contain_text("Signed with a digital signature (EDS).")

    page.get_by_role("link", name="Withdraw my signature").first.click()
    page.get_by_label("Receipt code").fill(receipt)
    page.get_by_label("IIN", exact=True).fill("900101300017")
    page.get_by_role("button", name="Withdraw with EDS").click()
    page.wait_for_url("**/eds/**")
    assert "Withdrawal of my signature" in page.get_by_test_id("statement").inner_text()
    shot(page, "eds-03-withdraw-statement")
    page.get_by_role("button", name="Withdraw with EDS").click()
    page.wait_for_url("**/withdrawn/")
    signature.refresh_from_db()
    assert signature.state == SignatureState.WITHDRAWN

    page.get_by_role("link", name="Check my signature").first.click()
    page.get_by_label("Receipt code").fill(receipt)
    page.get_by_label("IIN", exact=True).fill("900101300017")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("signature-state")).to_contain_text("withdrawn")


def test_a_revoked_key_is_refused_in_the_voters_language_and_nothing_is_stored(
    page, live_server, collecting, ncalayer, certs
):
    ncalayer.signer = certs["revoked_crl"]
    open_statement(page, live_server, collecting, language="ru")
    page.get_by_label("Адрес места жительства").fill("Караганда, ул. Абая, 1")
    page.get_by_label("Я даю согласие", exact=False).check()
    page.get_by_role("button", name="Подписать с ЭЦП").click()
    expect(page.locator(".error-summary")).to_contain_text("Ваш сертификат отозван")
    shot(page, "eds-04-revoked-ru")
    assert not Signature.objects.exists()


def test_without_ncalayer_the_page_explains_how_to_install_it_and_offers_the_text_message_path(
    page, live_server, collecting
):
    # Whatever else on this machine may listen on NCALayer's port (another checkout's test, a
    # desktop's real NCALayer), this browser finds nothing there: its socket is refused.
    page.route_web_socket(re.compile(r"^wss://127\.0\.0\.1:13579"), lambda socket: socket.close())
    open_statement(page, live_server, collecting, language="kk")
    page.locator("#id_address").fill("Қарағанды, Абай көшесі, 1")
    page.locator("#id_consent").check()
    page.locator("form[data-eds] button[type=submit]").click()
    expect(page.locator("form[data-eds]")).to_have_attribute("data-eds-state", "unavailable")
    install = page.locator("[data-eds-unavailable]")
    expect(install).to_be_visible()
    expect(install.get_by_role("link", name="pki.gov.kz/ncalayer")).to_be_visible()
    shot(page, "eds-05-no-ncalayer-kk")
    install.get_by_role("link", name=re.compile("SMS|хабарлама")).click()
    page.wait_for_url(f"**/petitions/{collecting.pk}/sign/#sms")
    assert not Signature.objects.exists()


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_eds_pages_fit_the_screen(chromium, live_server, collecting, language, width):
    page = new_page(chromium, width, 900)
    try:
        page.goto(f"{live_server.url}/{language}/petitions/{collecting.pk}/sign/")
        shot(page, f"eds-sign-{language}-{width}")
        page.locator("#eds-h ~ form button").click()
        page.wait_for_url("**/eds/**")
        shot(page, f"eds-statement-{language}-{width}")
        # Nothing wider than the window: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        label = {"kk": "Бір реттік код", "ru": "Одноразовый код"}[language]
        assert label in page.get_by_test_id("statement").inner_text()
    finally:
        page.context.close()
