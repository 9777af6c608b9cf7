"""A voter in a real browser (Chromium, a phone-sized window, Kazakh first)."""

import re

import pytest

from recall.notifications import sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_voter_signs_in_the_browser_and_checks_the_receipt(page, shot, live_server, collecting, voters):
    voter = voters[10]
    page.goto(live_server.url + "/")
    assert page.url.endswith("/kk/")
    assert page.locator("html").get_attribute("lang") == "kk"
    shot(page, "01-home-kazakh")

    page.get_by_role("link", name="Русский").click()
    page.wait_for_url("**/ru/")
    shot(page, "02-home-russian")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/")
    assert page.get_by_role("heading", level=1).inner_text() == "Petitions collecting signatures"

    page.get_by_role("link", name=f"Recall of {collecting.deputy.full_name}").click()
    page.get_by_role("link", name="Sign this petition").click()
    shot(page, "03-sign-form")

    page.get_by_label("IIN", exact=True).fill("791028302727")  # a wrong check digit first
    page.get_by_label("Full name").fill(voter.personal["full_name"])
    page.get_by_label("Date of birth").fill(voter.personal["birth_date"])
    page.get_by_label("Address of residence").fill(voter.personal["address"])
    page.get_by_label("Mobile phone").fill("+7 701 123 45 67")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Continue").click()
    assert "check digit is wrong" in page.locator("#id_iin_error").inner_text()
    shot(page, "04-sign-error")

    page.get_by_label("IIN", exact=True).fill(voter.personal["iin"])
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/confirm/**")
    assert "+7 ••• ••• •• 67" in page.content()
    shot(page, "05-enter-code")

    code = re.search(r"\d{6}", sms.outbox[-1].text).group()
    page.get_by_label("Confirmation code").fill(code)
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/receipt/")
    receipt = page.get_by_test_id("receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    shot(page, "06-receipt")

    page.get_by_role("link", name="Check my signature").first.click()
    page.get_by_label("Receipt code").fill(receipt.lower())
    page.get_by_label("IIN", exact=True).fill(voter.personal["iin"])
    page.get_by_role("button", name="Check").click()
    # Tasks run in-process in the tests: the signature was verified right after it was stored.
    assert "State of your signature: valid" in page.get_by_test_id("signature-state").inner_text()
    shot(page, "07-check")
