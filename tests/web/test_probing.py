"""Nobody can probe who signed: a stranger who knows a voter's IIN and owns a phone
sees the same pages, text messages and check page whether that IIN signed or not, and the real
signer is told of every attempt."""

import datetime as dt
import re

import pytest
import time_machine

from recall.models import Signature
from recall.notifications import sms
from recall.services import verification
from tests.helpers import code_from_outbox, form_of

STRANGER_PHONE = "+7 705 999 88 77"


def _strip(html: str) -> str:
    """A page without what differs between any two requests: tokens, receipts, the CSRF field."""
    html = re.sub(r'(confirm/)[^/"]+/?|csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", "RECEIPT", html)
    return re.sub(r"entry \d+|of \d+ entries", "N", html)  # the ledger's positions: any signer's differ


def _sign(client, petition, voter, captured, phone: str = "+7 701 123 45 67") -> dict:
    """Everything a signer observes on the way: the pages, the texts to their own phone, the
    receipt, and the check page before and after verification."""
    start = len(sms.outbox)
    with captured(execute=True):
        first = client.post(f"/en/petitions/{petition.pk}/sign/", form_of(voter, phone=phone))
    confirm_page = client.get(first.url).content.decode()
    own = "+7" + re.sub(r"\D", "", phone)[-10:]
    code = re.search(r"\d{6}", [m for m in sms.outbox[start:] if m.phone == own][-1].text).group()
    with captured(execute=True):
        receipt_page = client.post(first.url, {"code": code}, follow=True).content.decode()
    receipt = re.search(r'data-testid="receipt">([0-9A-Z-]+)<', receipt_page).group(1)
    form = {"receipt": receipt, "iin": voter.personal["iin"]}
    before = client.post("/en/check/", form).content.decode()
    with captured(execute=True):
        verification.verify_all()
    after = client.post("/en/check/", form).content.decode()
    texts = [_strip(re.sub(r"\d{6}", "CODE", m.text)) for m in sms.outbox[start:] if m.phone == own]
    return {
        "status": first.status_code,
        "pages": [_strip(p) for p in (confirm_page, receipt_page, before, after)],
        "texts": texts,
        "receipt": receipt,
    }


@pytest.mark.parametrize("victim_data", [True, False], ids=["knows-everything", "knows-only-the-iin"])
def test_a_stranger_with_the_iin_sees_the_same_whether_the_voter_signed_or_not(
    client, collecting, voters, django_capture_on_commit_callbacks, victim_data
):
    signed, not_signed = voters[10], voters[11]
    _sign(client, collecting, signed, django_capture_on_commit_callbacks)  # the real signer, their phone
    sms.outbox.clear()

    def as_stranger(voter):
        changes = {} if victim_data else {"full_name": "Some Guess", "birth_date": "1970-01-01"}
        stranger = dict(voter.personal, **changes)
        proxy = type("Typed", (), {"personal": stranger})()
        return _sign(client, collecting, proxy, django_capture_on_commit_callbacks, phone=STRANGER_PHONE)

    probe_signed, probe_new = as_stranger(signed), as_stranger(not_signed)
    assert probe_signed["status"] == probe_new["status"] == 302
    # The code, then the receipt: the same words whether the IIN had signed or not.
    assert probe_signed["texts"] == probe_new["texts"]
    code, receipt = probe_new["texts"]
    assert code.startswith("Deputy recall petitions: code CODE to SIGN petition No.")
    assert "has been received and awaits verification. Receipt code: RECEIPT." in receipt
    # With the IIN substituted, every page is the same word for word.
    assert [p.replace(signed.personal["iin"], "IIN") for p in probe_signed["pages"]] == [
        p.replace(not_signed.personal["iin"], "IIN") for p in probe_new["pages"]
    ]
    # The real signer's one signature still counts once, and they were told of the attempt.
    assert Signature.objects.get(duplicate_of__isnull=False).duplicate_of.state == "valid"
    collecting.refresh_from_db()
    assert collecting.valid_count == 1 + victim_data  # the probe of a new voter with their data counts
    told = [m for m in sms.outbox if m.phone == "+77011234567"]
    assert len(told) == 1 and "again with your IIN" in told[0].text and "77" in told[0].text


def test_the_real_signer_is_told_at_once_then_at_most_hourly_with_the_count(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    _sign(client, collecting, voters[10], django_capture_on_commit_callbacks)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        one = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], phone=STRANGER_PHONE))
        client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], phone="+7 705 111 22 33"))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        client.post(one.url, {"resend": "1"})
    told = [m for m in sms.outbox if m.phone == "+77011234567"]
    # The first request is texted at once; the request and the resend after it, within the hour, are not.
    assert len(told) == 1 and "••• ••• •• 77" in told[0].text
    an_hour_later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=62)
    with time_machine.travel(an_hour_later), django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], phone="+7 705 444 55 66"))
    told = [m for m in sms.outbox if m.phone == "+77011234567"]
    assert len(told) == 2 and "•• 66" in told[1].text
    assert "2 more requests were made and not texted" in told[1].text


def test_sixty_requests_from_one_address_text_the_signer_once(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    _sign(client, collecting, voters[10], django_capture_on_commit_callbacks)
    sms.outbox.clear()
    for n in range(60):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10], phone=f"+7 705 000 00 {n:02d}"))
    assert len([m for m in sms.outbox if m.phone == "+77011234567"]) == 1


def test_a_strangers_repeat_never_counts_and_can_be_withdrawn_like_a_first(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    _sign(client, collecting, voters[10], django_capture_on_commit_callbacks)
    probe = _sign(client, collecting, voters[10], django_capture_on_commit_callbacks, phone=STRANGER_PHONE)
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.invalid_count) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/en/withdraw/", {"receipt": probe["receipt"], "iin": voters[10].personal["iin"], "phone": STRANGER_PHONE}
        )
    assert started.status_code == 302 and sms.outbox[-1].phone == "+77059998877"
    done = client.post(started.url, {"code": code_from_outbox()}, follow=True)
    assert done.status_code == 200
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.invalid_count, collecting.withdrawn_count) == (1, 0, 1)
    first = Signature.objects.get(duplicate_of__isnull=True)
    assert first.state == "valid"


def _ask(client, petition, voter, phone, captured):
    with captured(execute=True):
        return client.post(f"/en/petitions/{petition.pk}/sign/", form_of(voter, phone=phone))


def test_a_stranger_with_only_the_victims_number_cannot_lock_the_victim_out(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    victim, phone = voters[10], "+7 701 555 66 77"
    # Ten requests with other voters' IINs and the victim's number, from one address, within
    # that address's form limit.
    attacker = type(client)(REMOTE_ADDR="203.0.113.9")
    for voter in voters[20:30]:
        _ask(attacker, collecting, voter, phone, django_capture_on_commit_callbacks)
    assert len([m for m in sms.outbox if m.phone == "+77015556677"]) == 3
    # The victim, from their own address, signs.
    own = type(client)(REMOTE_ADDR="198.51.100.7")
    sms.outbox.clear()
    started = _ask(own, collecting, victim, phone, django_capture_on_commit_callbacks)
    assert started.status_code == 302, started.content.decode()[:500]
    confirmed = own.post(started.url, {"code": code_from_outbox()})
    assert confirmed.status_code == 302 and Signature.objects.filter(duplicate_of__isnull=True).count() == 1


def test_a_number_gets_a_few_texts_an_hour_whatever_iins_and_addresses_are_used(
    client, collecting, voters, django_capture_on_commit_callbacks
):
    phone = "+7 701 555 66 77"
    for n, voter in enumerate(voters[20:60]):
        stranger = type(client)(REMOTE_ADDR=f"203.0.113.{n // 2}")  # twenty addresses
        _ask(stranger, collecting, voter, phone, django_capture_on_commit_callbacks)
    assert len([m for m in sms.outbox if m.phone == "+77015556677"]) == 8  # RECALL_OTP_PHONE_RATE
    # The hour over, the number's owner signs.
    sms.outbox.clear()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)):
        own = type(client)(REMOTE_ADDR="198.51.100.7")
        started = _ask(own, collecting, voters[10], phone, django_capture_on_commit_callbacks)
        assert own.post(started.url, {"code": code_from_outbox()}).status_code == 302
