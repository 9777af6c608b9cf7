"""The voters' pages through HTTP (the browser test drives the same flow in Chromium)."""

import re

import pytest
from django.urls import reverse

from recall.models import Signature
from recall.notifications import sms
from recall.services import verification


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield


def form_of(voter, **changes):
    data = {
        "iin": voter.personal["iin"],
        "full_name": voter.personal["full_name"],
        "birth_date": voter.personal["birth_date"],
        "address": voter.personal["address"],
        "phone": "+7 701 123 45 67",
        "consent": "on",
    }
    data.update(changes)
    return data


def code():
    return re.search(r"\d{6}", sms.outbox[-1].text).group()


def test_home_lists_collecting_petitions_with_progress(client, collecting):
    page = client.get("/en/").content.decode()
    assert collecting.deputy.full_name in page and "<strong>0</strong> valid signatures of 10 required" in page
    assert "30 days left" in page or "29 days left" in page


def test_home_searches_by_deputy_district_and_region(client, collecting):
    assert collecting.deputy.full_name in client.get("/en/?q=karaganda").content.decode()
    assert collecting.deputy.full_name in client.get("/en/?region=Karaganda+Region").content.decode()
    assert collecting.deputy.full_name not in client.get("/en/?q=Almaty").content.decode()


def test_pages_come_in_three_languages(client, collecting):
    assert "Petitions collecting signatures" in client.get("/en/").content.decode()
    assert "Петиции, по которым идёт сбор подписей" in client.get("/ru/").content.decode()
    assert "Қолдар жиналып жатқан петициялар" in client.get("/kk/").content.decode()
    assert 'lang="kk"' in client.get("/kk/").content.decode()


def test_the_language_switcher_keeps_the_page(client, collecting):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": f"/en/petitions/{collecting.pk}/"})
    assert response.url == f"/ru/petitions/{collecting.pk}/"


def test_a_voter_signs_gets_a_receipt_and_checks_it(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert response.status_code == 302
    confirm_url = response.url
    assert "+7 ••• ••• •• 67" in client.get(confirm_url).content.decode()
    receipt_page = client.post(confirm_url, {"code": code()}, follow=True).content.decode()
    receipt = re.search(r'data-testid="receipt">([0-9A-Z-]+)<', receipt_page).group(1)
    assert Signature.objects.get().receipt == receipt.replace("-", "")
    check = client.post("/en/check/", {"receipt": receipt, "iin": voters[10].personal["iin"]}).content.decode()
    assert "awaiting verification" in check
    verification.verify_all()
    check = client.post("/en/check/", {"receipt": receipt, "iin": voters[10].personal["iin"]}).content.decode()
    assert "<strong>valid</strong>" in check


def test_bad_input_is_shown_next_to_the_field(client, collecting, voters):
    page = client.post(
        f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], iin="791028302727", birth_date="2999-01-01")
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "check digit is wrong" in html
    assert 'id="id_iin_error"' in html
    assert not Signature.objects.exists()


def test_a_future_birth_date_and_a_missing_consent_are_explained(client, collecting, voters):
    html = client.post(
        f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], birth_date="2999-01-01", consent="")
    ).content.decode()
    assert "cannot be verified without your consent" in html
    html = client.post(
        f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], birth_date="2999-01-01")
    ).content.decode()
    assert "date of birth is in the future" in html


def test_a_closed_petition_says_so_instead_of_failing(client, collecting, voters):
    from recall.models import Petition, PetitionState

    Petition.objects.filter(pk=collecting.pk).update(state=PetitionState.EXPIRED)
    page = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert page.status_code == 200 and "not collecting signatures" in page.content.decode()


def test_a_voter_who_signed_sees_the_same_page_as_a_new_signer(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    client.post(first.url, {"code": code()})
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
        new = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[11]))
    assert again.status_code == new.status_code == 302

    def strip(html):
        return re.sub(r'(confirm/)[^/]+/|csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert strip(client.get(again.url).content.decode()) == strip(client.get(new.url).content.decode())
    assert "already recorded" in sms.outbox[-2].text


def test_a_wrong_code_is_explained(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    assert "The code is not correct" in client.post(response.url, {"code": wrong}).content.decode()


def test_a_voter_withdraws_through_the_pages(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    client.post(response.url, {"code": code()})
    receipt = Signature.objects.get().receipt
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/withdraw/", {"receipt": receipt, "iin": voters[10].personal["iin"], "phone": "87011234567"}
        )
    done = client.post(response.url, {"code": code()}, follow=True)
    assert "Your signature is withdrawn" in done.content.decode()
    assert Signature.objects.get().state == "withdrawn"


def test_a_used_confirmation_link_explains_itself(client, db):
    response = client.get("/en/confirm/unknown-token/")
    assert response.status_code == 404 and "no longer valid" in response.content.decode()


def test_forms_are_rate_limited_per_address(client, collecting, voters, settings):
    settings.RECALL_WEB_FORM_RATE = "2/hour"
    for _ in range(2):
        client.post("/en/check/", {"receipt": "AAAA", "iin": voters[0].personal["iin"]})
    assert client.post("/en/check/", {"receipt": "AAAA", "iin": voters[0].personal["iin"]}).status_code == 429


def test_the_root_redirects_to_a_language(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ru").url == "/ru/"


def test_every_page_has_labels_and_a_skip_link(client, collecting):
    html = client.get(reverse("recall:sign", args=[collecting.pk])).content.decode()
    for field in ["iin", "full_name", "birth_date", "address", "phone", "consent"]:
        assert f'for="id_{field}"' in html
    assert 'class="skip-link" href="#main"' in html
