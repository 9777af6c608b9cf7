"""The voter's own-data page: receipt, IIN and a code to the number on record show everything
held about the signature, its purge date and its ledger entries; after a purge, that the data
was destroyed."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import formats, timezone

from recall.models import CodeRequest, Petition
from recall.notifications import sms
from recall.services import ledger, lifecycle, signing, verification
from recall.services.privacy import retention
from tests.factories import SignatureFactory
from tests.helpers import code_from_outbox, signer_of

PHONE = "+77017770011"


def _signed(collecting, voter):
    return signing.sign_on_web(collecting.pk, signer_of(voter, phone=PHONE, address="Abai street 5, flat 9"))


def _open(client, signature, voter, capture):
    with capture(execute=True):
        response = client.post("/en/my-data/", {"receipt": signature.receipt, "iin": voter.personal["iin"]})
    assert response.status_code == 302, response.content.decode()
    confirmed = client.post(response.url, {"code": code_from_outbox()})
    assert confirmed.url == "/en/my-data/view/"
    return client.get(confirmed.url).content.decode()


def test_the_check_page_leads_to_the_own_data_page(client):
    assert 'href="/en/my-data/"' in client.get("/en/check/").content.decode()


def test_a_voter_sees_everything_held_about_the_signature(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    signature = _signed(collecting, voters[10])
    verification.verify_all()
    ledger.sign_due_checkpoints()
    page = _open(client, signature, voters[10], django_capture_on_commit_callbacks)
    assert sms.outbox[-1].phone == PHONE
    for value in (voters[10].personal["full_name"], voters[10].personal["iin"], "Abai street 5, flat 9", PHONE):
        assert value in page
    assert "valid" in page and "web" in page
    assert "The petition is not over yet" in page
    commitment = ledger.commitment(collecting.pk, signature.pk, signature.receipt)
    assert 'data-testid="ledger-entries"' in page and commitment in page
    # Received and decided in one batch: one entry with both (recall.ledger.entries, "verified").
    assert "&quot;type&quot;:&quot;verified&quot;" in page and "&quot;counted&quot;:true" in page


def test_the_code_goes_only_to_the_number_on_record(client, collecting, voters, django_capture_on_commit_callbacks):
    signature = _signed(collecting, voters[10])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/en/my-data/", {"receipt": signature.receipt, "iin": voters[10].personal["iin"], "phone": "+77010000000"}
        )
    assert [m.phone for m in sms.outbox] == [PHONE]
    assert CodeRequest.objects.get(purpose="view").signature_id == signature.pk


def test_a_wrong_iin_or_receipt_shows_nothing(client, collecting, voters):
    signature = _signed(collecting, voters[10])
    for receipt, iin in (
        (signature.receipt, voters[11].personal["iin"]),
        ("AAAA-BBBB-CCCC", voters[10].personal["iin"]),
    ):
        page = client.post("/en/my-data/", {"receipt": receipt, "iin": iin})
        assert page.status_code == 200 and "No signature matches this receipt code and IIN." in page.content.decode()
    assert not sms.outbox and not CodeRequest.objects.exists()


def test_a_wrong_code_opens_nothing(client, collecting, voters, django_capture_on_commit_callbacks):
    signature = _signed(collecting, voters[10])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/my-data/", {"receipt": signature.receipt, "iin": voters[10].personal["iin"]})
    wrong = "000000" if code_from_outbox() != "000000" else "111111"
    assert "The code is not correct." in client.post(response.url, {"code": wrong}).content.decode()
    assert client.get("/en/my-data/view/").url == "/en/my-data/"


def test_a_signature_without_a_phone_on_record_is_shown_by_the_commission(client, collecting, voters):
    eds = SignatureFactory(petition=collecting, voter_row=voters[10], channel="eds", eds_cms="MIIB")
    page = client.post("/en/my-data/", {"receipt": eds.receipt, "iin": voters[10].personal["iin"]}).content.decode()
    assert "no phone number on record: ask the election commission" in page
    assert not sms.outbox


def test_the_page_closes_after_a_few_minutes(client, collecting, voters, django_capture_on_commit_callbacks):
    signature = _signed(collecting, voters[10])
    _open(client, signature, voters[10], django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert client.get("/en/my-data/view/").url == "/en/my-data/"


def test_an_ended_petition_shows_the_purge_date_then_that_the_data_was_destroyed(
    client, collecting, voters, alice, django_capture_on_commit_callbacks
):
    signature = _signed(collecting, voters[10])
    verification.verify_all()
    lifecycle.withdraw(Petition.objects.get(pk=collecting.pk), actor=alice, reason="The group withdrew.")
    day = retention.purge_date(Petition.objects.get(pk=collecting.pk))
    page = _open(client, signature, voters[10], django_capture_on_commit_callbacks)
    assert f"Your personal data will be destroyed on {formats.date_format(day)}:" in page

    retention.purge(collecting.pk, as_of=day)
    # The open page, the form and the check page all say it was destroyed, and show nothing.
    for page in (
        client.get("/en/my-data/view/"),
        client.post("/en/my-data/", {"receipt": signature.receipt, "iin": voters[10].personal["iin"]}),
        client.post("/en/check/", {"receipt": signature.receipt, "iin": voters[10].personal["iin"]}),
    ):
        html = page.content.decode()
        assert 'data-testid="data-destroyed"' in html and "was destroyed on" in html
        assert voters[10].personal["full_name"] not in html and PHONE not in html


def test_the_pages_speak_kazakh_and_russian(client, collecting, voters, django_capture_on_commit_callbacks):
    signature = _signed(collecting, voters[10])
    english = ("See everything the service holds", "What you gave", "When it will be destroyed", "public ledger")
    for language, heading in (("kk", "Менің деректерім"), ("ru", "Мои данные")):
        form = client.get(f"/{language}/my-data/").content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(
                f"/{language}/my-data/", {"receipt": signature.receipt, "iin": voters[10].personal["iin"]}
            )
        confirm = client.get(started.url).content.decode()
        view = client.get(client.post(started.url, {"code": code_from_outbox()}).url).content.decode()
        for html in (form, view):
            assert heading in html
            assert not [text for text in english if text in html]
        assert "Show my data" not in confirm


def test_a_hidden_repeat_looks_like_a_first_signature_here_too(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    """Someone who typed a known IIN and their own phone got a marked duplicate's receipt: the
    own-data page must not tell them, through its state or its ledger entries, that the IIN
    had signed (README, "Who signed stays private")."""
    _signed(collecting, voters[10])
    stranger = "+77019990000"
    repeat = signing.sign_on_web(collecting.pk, signer_of(voters[10], phone=stranger), repeat_as_duplicate=True)
    assert repeat.duplicate_of_id is not None
    verification.verify_all()
    ledger.sign_due_checkpoints()
    page = _open(client, repeat, voters[10], django_capture_on_commit_callbacks)
    assert sms.outbox[-1].phone == stranger
    assert "<dd>valid</dd>" in page and "duplicate" not in page
    assert "&quot;type&quot;:&quot;received&quot;" in page
    assert "&quot;counted&quot;:false" not in page and "&quot;type&quot;:&quot;decided&quot;" not in page


def test_an_entry_coarsened_to_its_week_reads_as_that_week_with_its_channel_withheld():
    from django.utils import translation

    from recall.services.privacy.own_data import Entry

    entry = Entry(0, "", "", {"type": "received", "channel": "withheld", "day": "2026-W48"})
    with translation.override("en"):
        assert entry.when == "the week of Nov. 23, 2026"
        assert entry.channel_label.startswith("channel not shown")
    with translation.override("ru"):
        assert entry.when.startswith("неделя с 23")
    assert Entry(0, "", "", {"type": "received", "channel": "web", "day": "2026-11-24"}).day.day == 24


def test_no_cache_keeps_the_page_of_personal_data(client, collecting, voters, django_capture_on_commit_callbacks):
    signature = _signed(collecting, voters[10])
    _open(client, signature, voters[10], django_capture_on_commit_callbacks)
    response = client.get("/en/my-data/view/")
    assert voters[10].personal["iin"] in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # So is every other answer no view marked public (the forms, the receipt); public pages stay public.
    assert "no-store" in client.get("/en/my-data/")["Cache-Control"]
    assert "no-store" in client.get(f"/en/petitions/{collecting.pk}/sign/")["Cache-Control"]
    assert client.get(f"/en/petitions/{collecting.pk}/")["Cache-Control"].startswith("public")
