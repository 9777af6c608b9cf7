"""One-time codes (recall.services.signing.codes): sending, confirming, resending, limits, and the
signer's withdrawal."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recall import ratelimit
from recall.errors import InvalidInput, NotFound, PetitionNotCollecting
from recall.models import CodeRequest, Signature
from recall.notifications import sms
from recall.phones import normalize_phone
from recall.services import signing, verification
from recall.services.signing import codes
from recall.services.signing.codes import CodeFailed
from recall.services.verification import counts
from tests.helpers import code_from_outbox, signer_of


def test_a_code_confirms_the_signature(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    assert sms.outbox[-1].phone == "+77011234567" and started.phone_masked == "+7 ••• ••• •• 67"
    challenge = CodeRequest.objects.get(token=started.token)
    assert code_from_outbox() not in challenge.code_hash
    signature = codes.confirm_signing(started.token, code_from_outbox())
    assert signature.channel == "web" and signature.personal["phone"] == "+77011234567"
    with pytest.raises(NotFound):
        codes.confirm_signing(started.token, code_from_outbox())


def test_a_wrong_code_counts_and_the_limit_holds(collecting, voters, django_capture_on_commit_callbacks, settings):
    settings.RECALL_OTP_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    right = code_from_outbox()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        with pytest.raises(CodeFailed, match="not correct"):
            codes.confirm_signing(started.token, wrong)
    with pytest.raises(CodeFailed, match="Too many wrong codes"):
        codes.confirm_signing(started.token, right)
    assert not Signature.objects.exists()


def test_a_code_expires(collecting, voters, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS + 1)):
        with pytest.raises(CodeFailed, match="expired"):
            codes.confirm_signing(started.token, code_from_outbox())


def test_resends_are_spaced_and_limited(collecting, voters, django_capture_on_commit_callbacks, settings):
    settings.RECALL_OTP_MAX_RESENDS = 2
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    with pytest.raises(CodeFailed, match="wait"):
        codes.resend(started.token)
    now = dt.datetime.now(dt.UTC)
    for minutes in (2, 4):
        with time_machine.travel(now + dt.timedelta(minutes=minutes)), django_capture_on_commit_callbacks(execute=True):
            codes.resend(started.token)
    assert len(sms.outbox) == 3
    with time_machine.travel(now + dt.timedelta(minutes=6)):
        with pytest.raises(CodeFailed, match="No more codes"):
            codes.resend(started.token)
    with time_machine.travel(now + dt.timedelta(minutes=4, seconds=30)):
        assert codes.confirm_signing(started.token, code_from_outbox()).pk


def test_an_expired_code_can_be_sent_again(collecting, voters, django_capture_on_commit_callbacks):
    signer = signing.check_signer(
        iin=voters[10].personal["iin"],
        full_name="x",
        birth_date=dt.date(1980, 1, 1),
        address="x",
        phone="+77011234567",
    )
    started = codes.start_signing(collecting.pk, signer)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        assert codes.resend(started.token).token == started.token


def test_a_repeat_gets_a_code_like_anyone_and_the_signer_is_told(
    collecting, voters, django_capture_on_commit_callbacks
):
    # The typed number gets a code, not "already recorded", which would say that the IIN signed.
    first = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10], phone="+77059998877"))
    assert started.phone_masked == "+7 ••• ••• •• 77"
    to_entered, to_recorded = sms.outbox[-2:]
    assert to_entered.phone == "+77059998877" and to_entered.text.startswith("Deputy recall petitions: code")
    assert to_recorded.phone == "+77011234567" and "asked to sign" in to_recorded.text  # the real signer learns
    code = re.search(r"\d{6}", to_entered.text).group()
    repeat = codes.confirm_signing(started.token, code)
    assert repeat.duplicate_of_id == first.pk and repeat.receipt and repeat.receipt != first.receipt
    verification.verify_all()
    assert Signature.objects.get(pk=repeat.pk).ground == "duplicate"
    shown = codes.as_seen_by_signer(codes.find_signature(repeat.receipt, voters[10].personal["iin"]))
    assert (shown.state, shown.ground) == ("valid", "")
    assert Signature.objects.get(pk=repeat.pk).state == "invalid"  # shown, not saved


def test_the_request_path_does_the_same_work_whether_the_iin_signed(collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))

    def statements(voter):
        with CaptureQueriesContext(connection) as queries:
            codes.start_signing(collecting.pk, signer_of(voter, phone="+77059998877"))
        return [re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in queries.captured_queries]

    assert statements(voters[10]) == statements(voters[11])


def test_check_needs_the_receipt_and_the_signers_iin(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    found = codes.find_signature(signing.format_receipt(signature.receipt).lower(), voters[10].personal["iin"])
    assert found.pk == signature.pk
    with pytest.raises(NotFound, match="No signature matches"):
        codes.find_signature(signature.receipt, voters[11].personal["iin"])
    with pytest.raises(NotFound, match="No signature matches"):
        codes.find_signature("AAAA-BBBB-CCCC", voters[10].personal["iin"])


def test_a_voter_withdraws_with_a_code_sent_to_the_number_they_signed_with(
    collecting, voters, django_capture_on_commit_callbacks
):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    assert sms.outbox[-1].phone == "+77011234567"
    codes.confirm_withdrawal(started.token, code_from_outbox())
    collecting.refresh_from_db()
    assert Signature.objects.get(pk=signature.pk).state == "withdrawn"
    assert (collecting.valid_count, collecting.withdrawn_count, collecting.received_count) == (0, 1, 1)


def test_a_signature_not_yet_verified_can_be_withdrawn_and_counts_stay_true(
    collecting, voters, django_capture_on_commit_callbacks
):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    codes.confirm_withdrawal(started.token, code_from_outbox())
    verification.verify_all()
    collecting.refresh_from_db()
    stored = {k: getattr(collecting, k) for k in counts.truth(collecting.pk)}
    assert stored == counts.truth(collecting.pk)


def test_no_withdrawal_after_the_window(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with time_machine.travel(collecting.window_end + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(PetitionNotCollecting):
            codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])


@pytest.mark.parametrize("phone", ["+7 701 123 45 67", "87011234567", "7011234567", "+7 (701) 123-45-67"])
def test_kazakh_mobile_numbers_are_normalized(phone):
    assert normalize_phone(phone) == "+77011234567"


@pytest.mark.parametrize("phone", ["12345", "+1 202 555 0100", "+7 495 123 45 67 89"])
def test_other_numbers_are_refused(phone):
    with pytest.raises(InvalidInput):
        normalize_phone(phone)


@pytest.mark.parametrize("phone", ["+7 701 555 00 4٠", "+７７０１５５５００４０"])
def test_digits_of_other_scripts_are_not_phone_numbers(phone):
    with pytest.raises(InvalidInput):
        normalize_phone(phone)


def test_requests_are_limited_per_number_per_address_in_all_and_per_iin_and_number_pair(collecting, voters, settings):
    # Never a limit per IIN alone: a stranger with the IIN and phones of their own would lock the voter out.
    settings.RECALL_OTP_PHONE_RATE_PER_ADDRESS = "3/hour"
    settings.RECALL_OTP_PHONE_RATE = "5/hour"
    settings.RECALL_OTP_PER_PAIR_PER_DAY = 2
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), tick=False):
        origin = ratelimit.set_client_origin("198.51.100.1")
        try:
            for voter in voters[10:13]:
                codes.start_signing(collecting.pk, signer_of(voter, phone="+77000000001"))
            with pytest.raises(CodeFailed, match="this phone number from here") as error:
                codes.start_signing(collecting.pk, signer_of(voters[13], phone="+77000000001"))
            assert error.value.field == "phone"
        finally:
            ratelimit.reset_client_origin(origin)
        # From other addresses, the number gets two more this hour, then no more from anywhere.
        for n, voter in enumerate(voters[13:16]):
            origin = ratelimit.set_client_origin(f"198.51.100.{10 + n}")
            try:
                if n < 2:
                    codes.start_signing(collecting.pk, signer_of(voter, phone="+77000000001"))
                else:
                    with pytest.raises(CodeFailed, match="this phone number; try again in an hour"):
                        codes.start_signing(collecting.pk, signer_of(voter, phone="+77000000001"))
            finally:
                ratelimit.reset_client_origin(origin)
        for _ in range(2):
            codes.start_signing(collecting.pk, signer_of(voters[20], phone="+77000000002"))
        with pytest.raises(CodeFailed, match="this IIN and phone number today"):
            codes.start_signing(collecting.pk, signer_of(voters[20], phone="+77000000002"))
    assert CodeRequest.objects.count() == 7


def test_a_stranger_cannot_lock_a_voter_out(collecting, voters, settings, django_capture_on_commit_callbacks):
    settings.RECALL_OTP_PER_PAIR_PER_DAY = 2
    victim = voters[10]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), tick=False):
        # Today five requests with the victim's IIN and any phones locked the victim out for a day.
        for n in range(6):
            codes.start_signing(collecting.pk, signer_of(victim, phone=f"+7700000001{n}"))
        with django_capture_on_commit_callbacks(execute=True):
            started = codes.start_signing(collecting.pk, signer_of(victim))
        assert codes.confirm_signing(started.token, code_from_outbox()).duplicate_of_id is None


def test_the_number_a_voter_confirmed_for_the_iin_is_always_let_through(
    collecting, voters, settings, django_capture_on_commit_callbacks
):
    settings.RECALL_OTP_PER_PAIR_PER_DAY = 1
    settings.RECALL_OTP_PHONE_RATE_PER_ADDRESS = settings.RECALL_OTP_PHONE_RATE = "1/hour"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            started = codes.start_signing(collecting.pk, signer_of(voters[10]))
        signature = codes.confirm_signing(started.token, code_from_outbox())
        # A stranger who knows the IIN and the number spends both limits ...
        with pytest.raises(CodeFailed, match="too many|Too many"):
            codes.start_signing(collecting.pk, signer_of(voters[11]))
        # ... and the voter still gets a code to withdraw, and to sign again after withdrawing.
        with django_capture_on_commit_callbacks(execute=True):
            withdrawal = codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
        codes.confirm_withdrawal(withdrawal.token, code_from_outbox())
        assert codes.start_signing(collecting.pk, signer_of(voters[10])).token


def test_codes_are_sent_by_a_task_given_only_the_challenge(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    assert sms.outbox == [] and len(callbacks) == 1
    challenge = CodeRequest.objects.get(token=started.token)
    assert codes.send_code(challenge.pk) == "code"
    assert codes.confirm_signing(started.token, code_from_outbox()).pk


def test_a_confirmation_raced_by_another_is_stored_as_a_repeat(collecting, voters, django_capture_on_commit_callbacks):
    # A raced confirmation is answered like a first signature (an error, which a first never
    # gets, would say that the IIN signed) and never counts.
    with django_capture_on_commit_callbacks(execute=True):
        first = codes.start_signing(collecting.pk, signer_of(voters[10]))
    first_code = code_from_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        second = codes.start_signing(collecting.pk, signer_of(voters[10]))
    counted = codes.confirm_signing(second.token, code_from_outbox())
    repeat = codes.confirm_signing(first.token, first_code)
    assert repeat.duplicate_of_id == counted.pk


def test_the_code_message_names_the_service_the_petition_the_action_and_how_long(
    collecting, voters, django_capture_on_commit_callbacks, settings
):
    settings.RECALL_OTP_TTL_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    text = sms.outbox[-1].text
    assert text.startswith("Deputy recall petitions: code ")
    assert f"to SIGN petition No. {collecting.pk} to recall {collecting.deputy.full_name} (Karaganda No. 1)" in text
    assert "Valid for 10 minutes. Do not share it." in text
    with django_capture_on_commit_callbacks(execute=True):
        signature = codes.confirm_signing(started.token, code_from_outbox())
    with django_capture_on_commit_callbacks(execute=True):
        codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    assert "to WITHDRAW your signature from petition No." in sms.outbox[-1].text


def test_the_receipt_is_texted_after_signing(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        signature = codes.confirm_signing(started.token, code_from_outbox())
    receipt = sms.outbox[-1]
    assert receipt.phone == "+77011234567"
    assert signing.format_receipt(signature.receipt) in receipt.text
    assert "has been received and awaits verification" in receipt.text and "/check/" in receipt.text


@pytest.mark.parametrize(("language", "expected"), [("en", "3 tries left"), ("ru", "Осталось 3 попытки")])
def test_a_wrong_code_says_how_many_tries_are_left(
    collecting, voters, django_capture_on_commit_callbacks, settings, language, expected
):
    from django.utils import translation

    settings.RECALL_OTP_MAX_ATTEMPTS = 4
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_signing(collecting.pk, signer_of(voters[10]))
    wrong = f"{(int(code_from_outbox()) + 1) % 1_000_000:06d}"
    with translation.override(language):
        with pytest.raises(CodeFailed, match=expected):
            codes.confirm_signing(started.token, wrong)
        for left in ("2", "1"):
            with pytest.raises(CodeFailed, match=left):
                codes.confirm_signing(started.token, wrong)
    with pytest.raises(CodeFailed, match="no tries are left"):
        codes.confirm_signing(started.token, wrong)
