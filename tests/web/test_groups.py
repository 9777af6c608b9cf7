"""The initiative group's pages through HTTP: apply, invite, join, submit, the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from recall.models import GroupDraft, GroupDraftMember, Mandate, PetitionState
from recall.services import signing

from ..factories import DeputyFactory, VoterFactory
from ..helpers import code_from_outbox, signer_of


@pytest.fixture
def deputy(karaganda, voters):
    return DeputyFactory(district=karaganda)


def apply_form(deputy, voter, **changes):
    data = {
        "deputy": deputy.pk,
        "grounds_category": "lost_trust",
        "grounds_kk": "Депутат сайлаушылармен кездеспейді.",
        "grounds_ru": "",
        "grounds_en": "",
        "iin": voter.personal["iin"],
        "phone": "+7 701 123 45 67",
    }
    data.update(changes)
    return data


def confirm(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post(response.url, {"code": code_from_outbox()}, follow=True)


def test_a_group_forms_and_submits_on_the_web(client, deputy, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/apply/", apply_form(deputy, voters[0]))
    page = confirm(client, response).content.decode()
    assert "1 of the 3 members" in page
    for i, voter in enumerate(voters[1:3]):
        page = client.post("/en/group/invite/", follow=True).content.decode()
        link = re.search(r'value="http://testserver(/en/group/join/[^"]+)"', page).group(1)
        member = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = member.post(link, {"iin": voter.personal["iin"], "phone": f"+7 701 000 00 0{i}"})
        joined = confirm(member, response).content.decode()
        # The members by their IINs' last digits, never by the register's names.
        assert voter.personal["iin"][-4:] in joined and voter.full_name not in joined
    page = client.post("/en/group/submit/", follow=True).content.decode()
    petition = GroupDraft.objects.get().petition
    assert petition.state == PetitionState.APPLIED
    assert "The commission decides by" in page
    assert voters[2].personal["iin"][-4:] in page and voters[2].full_name not in page


def test_the_iin_is_never_in_a_url(client, deputy, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/apply/", apply_form(deputy, voters[0]))
    assert voters[0].personal["iin"] not in response.url


@pytest.mark.parametrize("case", ["not in the register", "another district", "no right to vote", "eligible"])
def test_the_application_answers_every_iin_alike_before_and_after_the_code(
    client, deputy, karaganda, karaganda2, voters, case, settings, django_capture_on_commit_callbacks
):
    voter = {
        "not in the register": lambda: VoterFactory.build(),
        "another district": lambda: VoterFactory(district=karaganda2),
        "no right to vote": lambda: VoterFactory(district=karaganda, status="deceased"),
        "eligible": lambda: voters[0],
    }[case]()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/apply/", apply_form(deputy, voter))
    # The same answer for all: to the code page, a code texted to the number typed.
    assert response.status_code == 302 and "/group/code/" in response.url, case
    page = confirm(client, response).content.decode()
    # And after it: a code proves a phone, not whose IIN it is, so the register stays unread
    # here; the commission checks each member when it registers the application.
    assert "1 of the 3 members" in page and voter.full_name not in page, case
    assert "checks each member's right to vote" in page
    for reason in ("not in the voter register", "another district", "no right to vote", "cannot be a member"):
        assert reason not in page, case
    assert GroupDraft.objects.count() == 1


def test_a_party_list_deputy_cannot_be_chosen(client, karaganda, voters):
    listed = DeputyFactory(district=None, mandate=Mandate.PARTY_LIST, full_name="Listed Deputy")
    assert "Listed Deputy" not in client.get("/en/group/apply/").content.decode()
    page = client.post("/en/group/apply/", apply_form(listed, voters[0])).content.decode()
    assert "Select a valid choice" in page


def test_a_deputy_in_the_moratorium_is_refused(client, karaganda, voters):
    fresh = DeputyFactory(district=karaganda, term_start=timezone.localdate() - dt.timedelta(days=30))
    page = client.post("/en/group/apply/", apply_form(fresh, voters[0])).content.decode()
    assert "may be started only between" in page


def test_an_expired_invitation_says_so(client, deputy, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/apply/", apply_form(deputy, voters[0]))
    confirm(client, response)
    page = client.post("/en/group/invite/", follow=True).content.decode()
    link = re.search(r'value="http://testserver(/en/group/join/[^"]+)"', page).group(1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        response = Client().get(link)
    assert response.status_code == 410
    assert "has expired" in response.content.decode()


def test_the_dashboard_needs_a_code(client):
    assert client.get("/en/group/").url == "/en/group/enter/"


def test_the_dashboard_shows_progress_but_not_who_signed(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    draft = GroupDraft.objects.create(deputy=collecting.deputy, grounds_category="lost_trust", grounds={"kk": "x"})
    GroupDraft.objects.filter(pk=draft.pk).update(petition=collecting, submitted_at=timezone.now())
    GroupDraftMember.objects.create(draft=draft, voter=voters[0], is_leader=True, contact={"phone": "+77011234567"})
    signing.sign_on_web(collecting.pk, signer_of(voters[50]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/enter/", {"iin": voters[0].personal["iin"], "phone": "+77011234567"})
    page = confirm(client, response).content.decode()
    assert "0 valid signatures of 10 required" in page
    assert "Signatures received each day, by channel" in page
    assert voters[50].full_name not in page
    assert voters[0].full_name not in page and voters[0].personal["iin"][-4:] in page


def test_the_group_issues_sheets_and_downloads_them(client, collecting, voters, django_capture_on_commit_callbacks):
    draft = GroupDraft.objects.create(deputy=collecting.deputy, grounds_category="lost_trust", grounds={"kk": "x"})
    GroupDraft.objects.filter(pk=draft.pk).update(petition=collecting, submitted_at=timezone.now())
    GroupDraftMember.objects.create(draft=draft, voter=voters[0], is_leader=True, contact={"phone": "+77011234567"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/enter/", {"iin": voters[0].personal["iin"], "phone": "+77011234567"})
    confirm(client, response)
    page = client.post("/en/group/sheets/", {"collector": "Aliya", "count": "3"}, follow=True).content.decode()
    assert "Sheets 1–3: Aliya" in page
    link = re.search(r'href="(/en/group/sheets/\d+/ru\.pdf)"', page).group(1)
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert Client().get(link).status_code == 404


def test_an_invitation_admits_one_voter(client, deputy, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/group/apply/", apply_form(deputy, voters[0]))
    confirm(client, response)
    page = client.post("/en/group/invite/", follow=True).content.decode()
    link = re.search(r'value="http://testserver(/en/group/join/[^"]+)"', page).group(1)
    first, second = Client(), Client()
    # Both open the link and ask for a code before either confirms: the first to confirm joins.
    with django_capture_on_commit_callbacks(execute=True):
        started_first = first.post(link, {"iin": voters[1].personal["iin"], "phone": "+7 701 000 00 01"})
    first_code = code_from_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        started_second = second.post(link, {"iin": voters[2].personal["iin"], "phone": "+7 701 000 00 02"})
    second_code = code_from_outbox()
    assert first.post(started_first.url, {"code": first_code}).status_code == 302
    refused = second.post(started_second.url, {"code": second_code}, follow=True)
    assert "already been used" in refused.content.decode()
    assert GroupDraftMember.objects.count() == 2
    # And the link itself now says so.
    assert "already been used" in Client().get(link).content.decode()
