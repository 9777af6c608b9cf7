"""Details found in the last reading: languages of messages, grounds, searches, settings."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from recall.errors import InvalidInput
from recall.notifications import sms
from recall.services import review, verification
from recall.services.register_import import ImportRejected, import_register

from .factories import SignatureFactory


def test_the_code_comes_in_the_language_of_the_page(client, collecting, voters, django_capture_on_commit_callbacks):
    sms.outbox.clear()
    data = {k: voters[10].personal[k] for k in ("iin", "full_name", "birth_date", "address")}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ru/petitions/{collecting.pk}/sign/", {**data, "phone": "+77011234567", "consent": "on"})
    assert "Ваш код подтверждения" in sms.outbox[-1].text


def test_officials_decide_with_the_commissions_grounds(collecting, voters, bob):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Typo")
    verification.verify_all()
    with pytest.raises(InvalidInput):
        review.decide(signature.pk, actor=bob, valid=False, ground="not_in_register")
    review.decide(signature.pk, actor=bob, valid=False, ground="signed_by_other")


def test_officials_find_a_signature_by_its_receipt_as_printed(client, bob, collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], receipt="7KQ2M9XD3FRA")
    client.force_login(bob)
    found = client.get(reverse("admin:recall_signature_changelist") + "?q=7kq2-m9xd-3fra").context["cl"].result_list
    assert list(found) == [signature]


def test_an_empty_register_file_is_a_clear_error(karaganda):
    with pytest.raises(ImportRejected, match="missing columns"):
        import_register(io.BytesIO(b""))


def test_a_rate_that_cannot_be_read_stops_the_checks(settings):
    settings.RECALL_WEB_FORM_RATE = "30 a day"
    with pytest.raises(SystemCheckError, match="recall.E001"):
        call_command("check")
