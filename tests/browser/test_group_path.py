"""The whole path in a real browser: a voter applies, two members join by the invitation link,
the initiator submits, an official registers the application in the admin, the group downloads
its sheets, voters sign on the web, the deputy signs in with a second factor and answers, and
the threshold shows on the group's dashboard. Tasks (verification, notices) run in-process, as
in every test. Each step's failure paths have their own tests: not in the register, another
district, a party-list deputy and the moratorium (tests/web/test_groups.py and
tests/services/test_initiative.py), an expired invitation (the same two), a sheet number never
issued (tests/services/test_sheets.py), another deputy's petition (tests/web/test_deputy.py)."""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import totp

from recall.models import GroupDraft, PetitionState
from recall.notifications import sms

from ..factories import DeputyFactory
from ..helpers import populate
from .a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long deputy passphrase 2026"


def last_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].text).group()


def confirm_code(page) -> None:
    page.get_by_label("Confirmation code").fill(last_code())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/group/")


def totp_now(secret: str, offset: int = 0) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, drift=offset):06d}"


@pytest.fixture
def district(karaganda, policy):
    """20 voters: 2 valid signatures are required at 10 %; a group of 3."""
    populate(karaganda, 20)
    return karaganda


def test_the_whole_path_from_the_application_to_the_threshold(browser, shot, live_server, district, bob, alice, policy):
    voters = list(district.voters.order_by("pk"))
    deputy = DeputyFactory(district=district, full_name="Serik Akhmetov")
    new_page = lambda: browser.new_context(locale="en-GB", viewport={"width": 412, "height": 915}).new_page()  # noqa: E731

    # 1. A voter applies and confirms with the code texted to them.
    initiator = new_page()
    initiator.goto(live_server.url + "/en/group/apply/")
    initiator.get_by_label("Deputy").select_option(str(deputy.pk))
    initiator.get_by_label("Statement of grounds in Kazakh").fill("Депутат сайлаушылармен кездеспейді.")
    initiator.get_by_label("Your IIN").fill(voters[0].personal["iin"])
    initiator.get_by_label("Mobile phone").fill("+7 701 000 00 01")
    initiator.get_by_role("button").last.click()
    initiator.wait_for_url("**/group/code/**")
    confirm_code(initiator)
    assert "1 of the 3 members" in initiator.content()
    shot(initiator, "path-01-group-formed")

    # 2. Two members join by their own invitation links, each with their own code.
    for i, voter in enumerate(voters[1:3], start=2):
        initiator.get_by_role("button", name="Make an invitation link").click()
        link = initiator.locator("#invitation-link").input_value()
        member = new_page()
        member.goto(link)
        member.get_by_label("Your IIN").fill(voter.personal["iin"])
        member.get_by_label("Mobile phone").fill(f"+7 701 000 00 0{i}")
        member.get_by_role("button").last.click()
        member.wait_for_url("**/group/code/**")
        confirm_code(member)
        # Listed by the last digits of the IIN: the register's name is shown to nobody.
        assert voter.personal["iin"][-4:] in member.content()
        assert voter.personal["full_name"] not in member.content()
        member.context.close()

    # 3. The initiator submits: the application reaches the commission.
    initiator.reload()
    initiator.get_by_role("button", name="Submit the application to the commission").click()
    initiator.wait_for_url("**/group/")
    petition = GroupDraft.objects.get().petition
    assert petition.state == PetitionState.APPLIED
    shot(initiator, "path-02-submitted")

    # 4. An official registers it in the admin, and creates the deputy's account.
    official = new_page()
    official.goto(live_server.url + "/admin/")
    official.fill("#id_username", "bob")
    official.fill("#id_password", "pw")
    official.locator("input[type=submit]").click()
    official.goto(live_server.url + f"/admin/recall/petition/{petition.pk}/change/")
    official.locator('a[href$="/step/register/"]').click()
    official.locator("input[type=submit]").first.click()
    official.wait_for_url(f"**/admin/recall/petition/{petition.pk}/change/")
    petition.refresh_from_db()
    assert petition.state == PetitionState.COLLECTING and petition.required_signatures == 2
    official.goto(live_server.url + f"/admin/recall/deputy/{deputy.pk}/account/")
    official.fill("#id_email", "akhmetov@mazhilis.kz")
    official.locator("input[type=submit]").click()
    official.wait_for_load_state()
    official.context.close()
    # A second official, of the central commission, confirms the address: only then the link.
    assert not [m for m in mail.outbox if "/deputy/password/" in m.body]
    central = new_page()
    central.goto(live_server.url + "/admin/")
    central.fill("#id_username", "alice")
    central.fill("#id_password", "pw")
    central.locator("input[type=submit]").click()
    central.goto(live_server.url + f"/admin/recall/deputy/{deputy.pk}/account/")
    central.locator('button[name="confirm"], input[name="confirm"]').first.click()
    central.wait_for_load_state()
    central.context.close()

    # 5. The group issues numbered sheets and downloads the PDF.
    initiator.reload()
    assert "State: collecting signatures" in initiator.content()
    initiator.get_by_label("Collector's full name").fill("Aliya Nurlanova")
    initiator.get_by_label("Number of sheets").fill("3")
    initiator.get_by_role("button", name="Issue sheets").click()
    initiator.wait_for_url("**/group/")
    pdf = initiator.request.get(
        live_server.url + initiator.get_by_role("link", name="PDF на русском").get_attribute("href")
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    shot(initiator, "path-03-sheets")

    # 6. A voter signs on the web (the workers verify it in-process).
    def sign(voter, phone):
        signer = new_page()
        signer.goto(live_server.url + f"/en/petitions/{petition.pk}/sign/")
        signer.get_by_label("IIN", exact=True).fill(voter.personal["iin"])
        signer.get_by_label("Full name").fill(voter.personal["full_name"])
        signer.get_by_label("Date of birth").fill(voter.personal["birth_date"])
        signer.get_by_label("Address of residence").fill(voter.personal["address"])
        signer.get_by_label("Mobile phone").fill(phone)
        signer.get_by_label("I agree").check()
        signer.get_by_role("button", name="Continue").click()
        signer.wait_for_url("**/confirm/**")
        signer.get_by_label("Confirmation code").fill(last_code())
        signer.get_by_role("button", name="Confirm my signature").click()
        signer.wait_for_url("**/receipt/")
        signer.context.close()

    sign(voters[10], "+7 702 000 00 10")
    petition.refresh_from_db()
    assert petition.valid_count == 1 and petition.state == PetitionState.COLLECTING

    # 7. The deputy sets the password from the e-mailed link, enrols an authenticator, answers.
    link = re.search(r"http\S+/deputy/password/\S+/", mail.outbox[-1].body).group()
    deputy_page = new_page()
    deputy_page.goto(live_server.url + link.split("8000", 1)[-1].replace("/kk/", "/en/", 1))
    deputy_page.get_by_label("New password", exact=True).fill(PASSWORD)
    deputy_page.get_by_label("New password confirmation").fill(PASSWORD)
    deputy_page.get_by_role("button", name="Set the password").click()
    deputy_page.wait_for_url("**/deputy/login/")
    deputy_page.get_by_label("E-mail").fill("akhmetov@mazhilis.kz")
    deputy_page.get_by_label("Password").fill(PASSWORD)
    deputy_page.get_by_role("button", name="Sign in").click()
    deputy_page.wait_for_url("**/deputy/two-factor/")
    secret = deputy_page.get_by_test_id("secret").inner_text()
    deputy_page.get_by_label("Code shown by the app").fill(totp_now(secret))
    deputy_page.get_by_role("button", name="Confirm").click()
    deputy_page.get_by_role("link", name="Continue to your workspace").click()
    deputy_page.wait_for_url("**/deputy/")
    assert_accessible(deputy_page, "the deputy's workspace")
    deputy_page.get_by_role("link", name=f"No. {petition.pk}").click()
    assert "1" in deputy_page.get_by_test_id("counts").inner_text()
    assert voters[10].personal["full_name"] not in deputy_page.content()  # never who signed
    deputy_page.get_by_label("Answer in Russian").fill("Я встречаюсь с избирателями каждый месяц.")
    deputy_page.get_by_label("Answer in English").fill("I meet voters every month.")
    deputy_page.get_by_role("button", name="Publish the answer").click()
    deputy_page.get_by_text("Version 1 of your answer is published.").wait_for()
    assert "Version 1 of your answer is published." in deputy_page.content()
    assert_accessible(deputy_page, "the deputy's answer page")
    shot(deputy_page, "path-04-deputy-answered")
    # The group is texted about the answer.
    assert any("published an answer (version 1)" in m.text for m in sms.outbox)

    # Signing in again asks for the authenticator's code.
    deputy_page.get_by_role("button", name="Sign out").first.click()
    deputy_page.wait_for_url("**/deputy/login/")
    deputy_page.get_by_label("E-mail").fill("akhmetov@mazhilis.kz")
    deputy_page.get_by_label("Password").fill(PASSWORD)
    deputy_page.get_by_role("button", name="Sign in").click()
    # The answer to the sign-in is a new page: wait for it rather than read the one leaving.
    deputy_page.get_by_text("Enter the code from your authenticator app").wait_for()
    assert "Enter the code from your authenticator app" in deputy_page.content()
    deputy_page.context.close()

    # 8. A second voter signs: the threshold is reached, and the group's dashboard shows it.
    sign(voters[11], "+7 702 000 00 11")
    petition.refresh_from_db()
    assert petition.state == PetitionState.THRESHOLD_REACHED
    initiator.reload()
    text = initiator.content()
    assert "State: threshold reached" in text and "2 valid signatures of 2 required." in text
    shot(initiator, "path-05-threshold")

    public = new_page()
    public.goto(live_server.url + f"/en/petitions/{petition.pk}/")
    assert "I meet voters every month." in public.get_by_test_id("answer").inner_text()
    assert_accessible(public, "the petition page with the deputy's answer")
    public.context.close()
    initiator.context.close()
