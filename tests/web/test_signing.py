"""Signing, checking and withdrawing on the voters' pages through HTTP (the browser test
drives the same flow in Chromium)."""

import datetime as dt
import re

import time_machine

from recall.models import PetitionState, Signature
from recall.notifications import sms
from recall.services import signing, verification
from recall.services.signing import codes
from tests.helpers import body_of, code_from_outbox, form_of, partner_client, sign_url, signer_of, walk


def test_a_voter_signs_gets_a_receipt_and_checks_it(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert response.status_code == 302
    confirm_url = response.url
    assert "+7 ••• ••• •• 67" in client.get(confirm_url).content.decode()
    receipt_page = client.post(confirm_url, {"code": code_from_outbox()}, follow=True).content.decode()
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
    collecting = walk(collecting, PetitionState.EXPIRED)
    page = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert page.status_code == 200 and "not collecting signatures" in page.content.decode()


def test_a_voter_who_signed_sees_the_same_page_as_a_new_signer(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    client.post(first.url, {"code": code_from_outbox()})
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
        new = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[11]))
    assert again.status_code == new.status_code == 302

    def strip(html):
        return re.sub(r'(confirm/)[^/]+/|csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert strip(client.get(again.url).content.decode()) == strip(client.get(new.url).content.decode())
    # The typed number gets a code either way (here the signer's own number).
    assert all("code" in m.text and "to SIGN petition" in m.text for m in sms.outbox[-2:])


def test_a_wrong_code_is_explained(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    wrong = f"{(int(code_from_outbox()) + 1) % 1_000_000:06d}"
    assert "The code is not correct" in client.post(response.url, {"code": wrong}).content.decode()


def test_a_used_confirmation_link_explains_itself(client, db):
    response = client.get("/en/confirm/unknown-token/")
    assert response.status_code == 404 and "no longer valid" in response.content.decode()


def test_a_voter_withdraws_through_the_pages(client, collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    client.post(response.url, {"code": code_from_outbox()})
    receipt = Signature.objects.get().receipt
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/withdraw/", {"receipt": receipt, "iin": voters[10].personal["iin"], "phone": "87011234567"}
        )
    done = client.post(response.url, {"code": code_from_outbox()}, follow=True)
    assert "Your signature is withdrawn" in done.content.decode()
    assert Signature.objects.get().state == "withdrawn"


def test_the_code_comes_in_the_language_of_the_page(client, collecting, voters, django_capture_on_commit_callbacks):
    data = {k: voters[10].personal[k] for k in ("iin", "full_name", "birth_date", "address")}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ru/petitions/{collecting.pk}/sign/", {**data, "phone": "+77011234567", "consent": "on"})
    assert sms.outbox[-1].text.startswith("Петиции об отзыве депутатов: код ")


def test_a_voter_asks_for_a_new_code_on_the_confirmation_page(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm_url = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10])).url
    first_code = code_from_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        too_soon = client.post(confirm_url, {"resend": ""}).content.decode()
    assert "Please wait" in too_soon and len(sms.outbox) == 1
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(confirm_url, {"resend": ""}).content.decode()
        assert "A new code has been sent." in page
        assert len(sms.outbox) == 2 and sms.outbox[-1].phone == "+77011234567"
        new_code = code_from_outbox()
        if new_code != first_code:  # a fresh code replaces the first (equal one time in a million)
            assert "The code is not correct" in client.post(confirm_url, {"code": first_code}).content.decode()
        receipt = client.post(confirm_url, {"code": new_code}, follow=True).content.decode()
    assert 'data-testid="receipt"' in receipt
    assert Signature.objects.get().personal["iin"] == voters[10].personal["iin"]


def test_the_check_page_hides_what_the_partner_api_hides(client, collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    receipt = partner_client().post(sign_url(collecting), body_of(voters[10]), format="json").json()["receipt"]
    verification.verify_all()
    page = client.post("/en/check/", {"receipt": receipt, "iin": voters[10].personal["iin"]}).content.decode()
    # A partner's repeat of a web signature reads like a first one, as the partner API shows it.
    assert "signed more than once" not in page and "not counted" not in page
    partner_view = codes.as_seen_by_signer(Signature.objects.get(receipt=receipt.replace("-", "")))
    assert (partner_view.state, partner_view.ground) == ("valid", "")
    assert 'data-testid="signature-state"' in page and "valid" in page
