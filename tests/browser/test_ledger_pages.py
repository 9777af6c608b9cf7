"""The ledger's new pages in a real browser, in Kazakh and Russian at phone and desktop widths:
the initiative group commits to its share of the sample's seed (drawn in the browser, only the
commitment sent) and reveals it; the petition page lists the accredited witnesses and links the
certified summary; the admin's sample page walks the seed's steps."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from recall.ledger import note, sampling_draw
from recall.models import GroupDraftMember, SeedCommitment
from recall.notifications import sms
from recall.services import ledger, lifecycle, verification
from recall.services.groups import initiative
from recall.services.jobs import exports
from recall.services.ledger import sampling, witnesses
from recall.web.groups import MEMBER_SESSION_KEY

from ..factories import ApiClientFactory, DeputyFactory, SignatureFactory
from ..helpers import populate, under_verification
from .a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "desktop": 1280}


def code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].text).group()


@pytest.fixture
def verifying(karaganda, policy, samples_of_3):
    """A petition its initiative group formed on the web, registered, signed, under verification."""
    voters = populate(karaganda, 40)
    deputy = DeputyFactory(district=karaganda)
    started = initiative.start_application(
        deputy_id=deputy.pk,
        grounds_category="lost_trust",
        grounds={"kk": "Депутат сайлаушылармен кездеспейді.", "ru": "", "en": ""},
        iin=voters[0].personal["iin"],
        phone="+7 701 000 00 01",
    )
    leader = initiative.confirm_application(started.token, code())
    for i, voter in enumerate(voters[1:3], start=2):
        invitation = initiative.invite(leader.draft)
        joining = initiative.start_joining(invitation.token, iin=voter.personal["iin"], phone=f"+7 701 000 00 0{i}")
        initiative.confirm_joining(joining.token, code())
    petition = lifecycle.register(initiative.submit(leader), actor=None)
    for voter in voters[3:15]:
        SignatureFactory(petition=petition, voter_row=voter)
    verification.verify_all()
    return under_verification(petition), leader


def member_page(browser, live_server, member: GroupDraftMember, locale: str, width: int):
    session = SessionStore()
    session[MEMBER_SESSION_KEY] = member.pk
    session.save()
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_group_commits_in_its_browser_and_reveals(browser, shot, live_server, verifying, bob):
    petition, leader = verifying
    page = member_page(browser, live_server, leader, "kk-KZ", WIDTHS["phone"])
    page.goto(live_server.url + "/kk/group/")
    section = page.get_by_test_id("seed")
    button = section.get_by_role("button")
    button.wait_for(state="visible")
    page.locator("form.seed-commit button:enabled").wait_for()  # a selector: the CSP refuses eval
    share = section.locator("code.share").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", share)
    assert_accessible(page)
    shot(page, "ledger-group-seed-commit-kk-390")
    button.click()
    page.wait_for_url("**/group/**")
    mine = SeedCommitment.objects.get(petition=petition, name="initiative group")
    # The server got the commitment only, and it is the one of the share shown in the browser.
    assert mine.commitment == sampling_draw.party_commitment("initiative group", bytes.fromhex(share))
    assert not mine.reveal and not mine.held_reveal
    assert mine.commitment in [e.hash for e in ledger.events(petition.pk) if hasattr(e, "hash")]

    sampling.fix_round(petition, actor=bob)
    for locale, prefix in (("ru-RU", "ru"), ("kk-KZ", "kk")):
        for name, width in WIDTHS.items():
            other = member_page(browser, live_server, leader, locale, width)
            other.goto(f"{live_server.url}/{prefix}/group/#seed-h")
            other.get_by_test_id("seed").wait_for()
            assert other.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows
            assert_accessible(other)
            shot(other, f"ledger-group-seed-reveal-{prefix}-{width}")
            other.context.close()
    page.goto(live_server.url + "/kk/group/")
    field = page.locator("form.seed-reveal input[name=value]")
    assert field.input_value() == share  # the browser kept it
    page.locator("form.seed-reveal button").click()
    page.wait_for_url("**/group/**")
    mine.refresh_from_db()
    assert mine.reveal == share
    page.context.close()


def test_the_petition_page_lists_the_accredited_witnesses_and_the_certified_summary(
    browser, shot, live_server, verifying, bob
):
    petition, _ = verifying
    signer = note.Signer.generate("observers.example.kz/w1", note.ALG_COSIGNATURE_V1)
    settings.RECALL_LEDGER_WITNESSES = [f"{signer.vkey}|https://observers.example.kz/w1"]
    try:
        latest = ledger.sign_checkpoint(petition.pk) or petition.ledger_checkpoints.latest("size")
        witnesses.cosign(
            petition,
            ApiClientFactory(witness_vkey=signer.vkey),
            size=latest.size,
            root_hash=bytes(latest.root_hash),
            line=note.cosign(note.parse_note(latest.note).text, signer, 1_790_000_000),
        )
        exports.issue_certified_summary(petition.pk, actor=bob)
        for locale, prefix in (("kk-KZ", "kk"), ("ru-RU", "ru")):
            for name, width in WIDTHS.items():
                page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
                page.goto(f"{live_server.url}/{prefix}/petitions/{petition.pk}/")
                assert "observers.example.kz/w1" in page.get_by_test_id("witnesses").inner_text()
                page.get_by_test_id("accredited").locator("summary").click()
                assert signer.vkey in page.get_by_test_id("accredited").inner_text()
                link = page.get_by_test_id("certified-summary").get_by_role("link")
                assert link.get_attribute("href") == f"/{prefix}/petitions/{petition.pk}/certified-summary.pdf"
                if name == "phone":
                    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows
                assert_accessible(page)
                page.locator("#ledger-h").scroll_into_view_if_needed()
                shot(page, f"ledger-petition-{prefix}-{width}")
                page.context.close()
    finally:
        settings.RECALL_LEDGER_WITNESSES = []


def test_the_admin_sample_page_walks_the_seeds_steps(browser, shot, live_server, verifying, bob):
    petition, _ = verifying
    for locale, prefix in (("ru-RU", "ru"), ("kk-KZ", "kk")):
        page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        page.goto(live_server.url + "/admin/")
        page.fill("#id_username", "bob")
        page.fill("#id_password", "pw")
        page.locator("input[type=submit]").click()
        page.goto(f"{live_server.url}/admin/recall/petition/{petition.pk}/sample/")
        if prefix == "ru":
            page.locator("button[value=commit]").click()
            page.locator("button[value=fix_round]").click()
        page.locator("button[value=reveal]").wait_for()
        shot(page, f"ledger-admin-sample-{prefix}-1280")
        page.context.close()
    assert SeedCommitment.objects.filter(petition=petition, name="commission").exists()
