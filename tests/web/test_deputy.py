"""The deputy's workspace through HTTP (recall.web.deputy): the commission's link, the password,
the second factor (always), the petitions with public counts only, answers, and no way to
another deputy's petition or to the admin."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from recall.models import DeputyAnswer
from recall.services import lifecycle, verification

from ..factories import SignatureFactory
from ..helpers import application, deputy_account, populate

PASSWORD = "a long deputy passphrase 2026"


def code_of(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


@pytest.fixture
def invitation(collecting, bob, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return deputy_account(collecting.deputy, proposer=bob, confirmer=alice)


def path_of(link: str) -> str:
    return link.removeprefix("http://127.0.0.1:8000").removeprefix("http://testserver")


def enrol(client: Client, invitation) -> TOTPDevice:
    """Set the password from the link, sign in, set up the authenticator: the workspace opens."""
    link = re.search(r"(http\S+/deputy/password/\S+/)", mail.outbox[-1].body).group(1)
    assert link == invitation.link
    response = client.post(path_of(link), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response.url.endswith("/deputy/login/")
    response = client.post("/en/deputy/login/", {"username": "deputy@mazhilis.kz", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/en/deputy/two-factor/"
    assert client.get("/en/deputy/").url == "/en/deputy/two-factor/"  # nothing before the second factor
    client.get("/en/deputy/two-factor/")
    device = TOTPDevice.objects.get(user=invitation.user)
    page = client.post("/en/deputy/two-factor/", {"otp_token": code_of(device)})
    assert "Recovery codes" in page.content.decode()
    return device


@pytest.fixture
def deputy_client(invitation):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    enrol(client, invitation)
    return client


def test_the_deputy_sets_a_password_enrols_and_sees_the_public_counts(deputy_client, collecting, voters):
    for voter in voters[10:13]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    page = deputy_client.get("/en/deputy/").content.decode()
    assert f"/en/deputy/petitions/{collecting.pk}/" in page
    page = deputy_client.get(f"/en/deputy/petitions/{collecting.pk}/").content.decode()
    assert "<dt>Counted (valid)</dt><dd>3</dd>" in page
    for voter in voters[10:13]:  # never who signed
        assert voter.personal["full_name"] not in page and voter.personal["iin"] not in page


def test_the_link_works_once(invitation, client):
    link = path_of(invitation.link)
    data = {"new_password1": PASSWORD, "new_password2": PASSWORD}
    assert client.post(link, data).status_code == 302
    assert client.get(link).status_code == 410


def test_a_tampered_link_is_refused(invitation, client):
    assert client.get(path_of(invitation.link)[:-3] + "xx/").status_code == 410
    assert client.get("/en/deputy/password/zz/abc/").status_code == 410


def test_signing_in_again_needs_the_code(deputy_client, invitation):
    device = TOTPDevice.objects.get(user=invitation.user, confirmed=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.post("/en/deputy/login/", {"username": "deputy@mazhilis.kz", "password": PASSWORD})
    assert "Enter the code from your authenticator app" in page.content.decode()
    response = client.post(
        "/en/deputy/login/",
        {"username": "deputy@mazhilis.kz", "password": PASSWORD, "otp_token": code_of(device, offset=1)},
    )
    assert response.status_code == 302 and client.get("/en/deputy/").status_code == 200


def test_a_wrong_code_does_not_sign_in(deputy_client):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    data = {"username": "deputy@mazhilis.kz", "password": PASSWORD, "otp_token": "000000"}
    assert "This code is not valid" in client.post("/en/deputy/login/", data).content.decode()
    assert client.get("/en/deputy/").url == "/en/deputy/login/"


def test_a_wrong_password_or_an_officials_account_does_not_sign_in(deputy_client, bob):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.post("/en/deputy/login/", {"username": "deputy@mazhilis.kz", "password": "wrong"})
    assert "The e-mail or the password is not right." in page.content.decode()
    page = client.post("/en/deputy/login/", {"username": bob.email, "password": "pw"})
    assert "The e-mail or the password is not right." in page.content.decode()


def test_an_official_signed_in_to_the_admin_is_not_a_deputy(client, bob):
    client.force_login(bob)
    assert client.get("/en/deputy/").url == "/en/deputy/login/"


def test_the_deputy_publishes_versions_that_are_all_public(deputy_client, collecting, client):
    url = f"/en/deputy/petitions/{collecting.pk}/"
    page = deputy_client.post(url, {"text_ru": "Дорога будет построена.", "text_kk": "", "text_en": ""}, follow=True)
    assert "Version 1 of your answer is published." in page.content.decode()
    deputy_client.post(url, {"text_ru": "Дорога будет построена в 2027 году.", "text_en": "The road in 2027."})
    assert list(DeputyAnswer.objects.values_list("version", flat=True).order_by("version")) == [1, 2]
    public = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "The road in 2027." in public and "1 earlier version" in public
    assert "Дорога будет построена." in public  # version 1, shown in Russian
    assert "shown in Russian" in public


def test_an_empty_answer_is_refused_on_the_page(deputy_client, collecting):
    page = deputy_client.post(f"/en/deputy/petitions/{collecting.pk}/", {"text_ru": " "})
    assert "Write the answer in at least one language." in page.content.decode()
    assert not DeputyAnswer.objects.exists()


def test_another_deputys_petition_is_not_found(deputy_client, karaganda2, policy):
    other = lifecycle.register(application(karaganda2, populate(karaganda2, 10)[:3]), actor=None)
    for method in ("get", "post"):
        response = getattr(deputy_client, method)(f"/en/deputy/petitions/{other.pk}/", {"text_ru": "x"})
        assert response.status_code == 404
    assert not DeputyAnswer.objects.exists()


def test_the_deputy_cannot_open_the_admin(deputy_client, collecting):
    for url in (
        "/admin/",
        "/admin/recall/signature/",
        "/admin/recall/voter/",
        f"/admin/recall/petition/{collecting.pk}/change/",
    ):
        response = deputy_client.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/"), url


def test_the_workspace_without_signing_in_goes_to_the_sign_in_page(client, collecting):
    assert client.get("/en/deputy/").url == "/en/deputy/login/"
    assert client.get(f"/en/deputy/petitions/{collecting.pk}/").url == "/en/deputy/login/"


def test_signing_out_closes_the_workspace(deputy_client):
    deputy_client.post("/en/deputy/logout/")
    assert deputy_client.get("/en/deputy/").url == "/en/deputy/login/"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_workspace_is_translated(deputy_client, collecting, language):
    page = deputy_client.get(f"/{language}/deputy/petitions/{collecting.pk}/").content.decode()
    for english in ("Publish an answer", "Counted (valid)", "Answer in Russian", "Sign out"):
        assert english not in page


def test_the_grounds_are_shown_in_the_page_language_or_noted(deputy_client, collecting):
    from recall.models import Petition

    Petition.objects.filter(pk=collecting.pk).update(
        grounds_text="Applied text.", grounds_text_kk="", grounds_text_ru="Депутат не встречался.", grounds_text_en=""
    )
    page = deputy_client.get(f"/en/deputy/petitions/{collecting.pk}/").content.decode()
    assert "Депутат не встречался." in page and 'data-testid="fallback-note"' in page
    ru = deputy_client.get(f"/ru/deputy/petitions/{collecting.pk}/").content.decode()
    assert "Депутат не встречался." in ru and 'data-testid="fallback-note"' not in ru


def test_the_deputy_is_told_of_the_password_and_the_authenticator_at_their_address(deputy_client):
    from recall.models import NoticeMessage

    told = NoticeMessage.objects.filter(notice__kind="account").order_by("pk")
    assert [m.message["to"] for m in told] == ["deputy@mazhilis.kz"] * 2
    assert ["password" in told[0].message["subject"], "authenticator" in told[1].message["subject"]] == [True, True]
