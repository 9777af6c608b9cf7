"""A voter signs with eGov Mobile in Chromium: the sign page, the QR code on a laptop's width and
the deep link on a phone's, mobile.js polling the page while the stand-in SIGEX plays the phone
(tests/eds/fake_sigex.py). Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from recall.models import Channel, Signature

from .test_browser import SHOTS, chromium, new_page  # noqa: F401 (the module's browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def scan(sigex) -> None:
    """The person with the phone scans the code (or opens the link) and signs."""
    for procedure in sigex.procedures.values():
        procedure.phone = "sign"


def sign_at(chromium, live_server, petition, sigex, *, width: int, height: int, name: str):  # noqa: F811
    page = new_page(chromium, width, height)
    try:
        page.goto(f"{live_server.url}/en/petitions/{petition.pk}/sign/")
        page.get_by_role("button", name="Sign with eGov Mobile").click()
        page.wait_for_url("**/mobile/**")
        expect(page.get_by_test_id("statement")).to_contain_text("One-time code: ")
        page.get_by_label("Address of residence").fill("Караганда, ул. Абая, 1")
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Show the QR code").click()
        expect(page.locator("[data-mobile-message]")).to_contain_text("Waiting for eGov Mobile")
        if width < 600:
            expect(page.get_by_test_id("mobile-link")).to_be_visible()
            expect(page.get_by_test_id("mobile-qr")).to_be_hidden()
        else:
            expect(page.get_by_test_id("mobile-qr")).to_be_visible()
            expect(page.get_by_test_id("mobile-link")).to_be_hidden()
            assert page.get_by_test_id("mobile-qr").evaluate("img => img.naturalWidth") > 0
        page.screenshot(path=str(SHOTS / f"egov-mobile-{name}.png"), full_page=True)
        scan(sigex)
        page.wait_for_url("**/receipt/", timeout=20_000)
        page.screenshot(path=str(SHOTS / f"egov-mobile-{name}-receipt.png"), full_page=True)
    finally:
        page.context.close()


def test_a_voter_signs_with_egov_mobile_on_a_phone_and_on_a_laptop(
    chromium,  # noqa: F811
    live_server,
    collecting,
    ahmetov,
    sigex,
    certs,
):
    sigex.phone = "hold"  # nobody has scanned yet: the page waits and polls
    sign_at(chromium, live_server, collecting, sigex, width=390, height=844, name="390")
    sigex.signer = certs["ec"]  # another voter, on a laptop
    sign_at(chromium, live_server, collecting, sigex, width=1280, height=900, name="1280")
    assert sorted(Signature.objects.values_list("channel", flat=True)) == [Channel.EGOV_MOBILE] * 2


def test_a_cancelled_signing_is_explained_and_a_new_qr_code_offered(
    chromium,  # noqa: F811
    live_server,
    collecting,
    sigex,
):
    sigex.phone = "cancel"
    page = new_page(chromium, 1280, 900)
    try:
        page.goto(f"{live_server.url}/en/petitions/{collecting.pk}/sign/")
        page.get_by_role("button", name="Sign with eGov Mobile").click()
        page.get_by_label("Address of residence").fill("Караганда, ул. Абая, 1")
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Show the QR code").click()
        expect(page.get_by_role("alert")).to_contain_text("Signing was cancelled in eGov Mobile")
        expect(page.get_by_test_id("mobile-qr")).to_be_hidden()
        page.screenshot(path=str(SHOTS / "egov-mobile-cancelled.png"), full_page=True)
        page.get_by_test_id("mobile-restart").click()
        expect(page.get_by_role("button", name="Show the QR code")).to_be_visible()
        assert not Signature.objects.exists()
    finally:
        page.context.close()
