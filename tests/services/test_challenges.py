"""One-time codes (recall.services.challenges): sending, confirming, resending, limits, and the
signer's withdrawal."""

import datetime as dt

import pytest
import time_machine

from recall.errors import InvalidInput, NotFound, PetitionNotCollecting
from recall.models import Signature, SigningChallenge
from recall.notifications import sms
from recall.services import challenges, counts, signing, verification
from recall.services.challenges import ChallengeFailed
from tests.helpers import code_from_outbox, signer_of


def test_a_code_confirms_the_signature(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    assert sms.outbox[-1].phone == "+77011234567" and started.phone_masked == "+7 ••• ••• •• 67"
    challenge = SigningChallenge.objects.get(token=started.token)
    assert code_from_outbox() not in challenge.code_hash
    signature = challenges.confirm_signing(started.token, code_from_outbox())
    assert signature.channel == "web" and signature.personal["phone"] == "+77011234567"
    with pytest.raises(NotFound):
        challenges.confirm_signing(started.token, code_from_outbox())


def test_a_wrong_code_counts_and_the_limit_holds(collecting, voters, django_capture_on_commit_callbacks, settings):
    settings.RECALL_OTP_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    right = code_from_outbox()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        with pytest.raises(ChallengeFailed, match="not correct"):
            challenges.confirm_signing(started.token, wrong)
    with pytest.raises(ChallengeFailed, match="Too many wrong codes"):
        challenges.confirm_signing(started.token, right)
    assert not Signature.objects.exists()


def test_a_code_expires(collecting, voters, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.RECALL_OTP_TTL_SECONDS + 1)):
        with pytest.raises(ChallengeFailed, match="expired"):
            challenges.confirm_signing(started.token, code_from_outbox())


def test_resends_are_spaced_and_limited(collecting, voters, django_capture_on_commit_callbacks, settings):
    settings.RECALL_OTP_MAX_RESENDS = 2
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    with pytest.raises(ChallengeFailed, match="wait"):
        challenges.resend(started.token)
    now = dt.datetime.now(dt.UTC)
    for minutes in (2, 4):
        with time_machine.travel(now + dt.timedelta(minutes=minutes)), django_capture_on_commit_callbacks(execute=True):
            challenges.resend(started.token)
    assert len(sms.outbox) == 3
    with time_machine.travel(now + dt.timedelta(minutes=6)):
        with pytest.raises(ChallengeFailed, match="No more codes"):
            challenges.resend(started.token)
    with time_machine.travel(now + dt.timedelta(minutes=4, seconds=30)):
        assert challenges.confirm_signing(started.token, code_from_outbox()).pk


def test_an_expired_code_can_be_sent_again(collecting, voters, django_capture_on_commit_callbacks):
    signer = signing.check_signer(
        iin=voters[10].personal["iin"],
        full_name="x",
        birth_date=dt.date(1980, 1, 1),
        address="x",
        phone="+77011234567",
    )
    started = challenges.start_signing(collecting.pk, signer)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        assert challenges.resend(started.token).token == started.token


def test_a_voter_who_already_signed_gets_the_same_answer_and_a_notice(
    collecting, voters, django_capture_on_commit_callbacks
):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_signing(collecting.pk, signer_of(voters[10], phone="+77059998877"))
    assert started.phone_masked == "+7 ••• ••• •• 77"
    to_entered, to_recorded = sms.outbox[-2:]
    assert to_entered.phone == "+77059998877" and "already recorded" in to_entered.text
    assert to_recorded.phone == "+77011234567" and "asked to sign" in to_recorded.text  # the real signer learns
    assert not any(word.isdigit() and len(word) == 6 for m in sms.outbox for word in m.text.split())
    with pytest.raises(ChallengeFailed, match="not correct"):
        challenges.confirm_signing(started.token, "000000")
    assert Signature.objects.count() == 1


def test_check_needs_the_receipt_and_the_signers_iin(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    found = challenges.find_signature(signing.format_receipt(signature.receipt).lower(), voters[10].personal["iin"])
    assert found.pk == signature.pk
    with pytest.raises(NotFound, match="No signature matches"):
        challenges.find_signature(signature.receipt, voters[11].personal["iin"])
    with pytest.raises(NotFound, match="No signature matches"):
        challenges.find_signature("AAAA-BBBB-CCCC", voters[10].personal["iin"])


def test_a_voter_withdraws_with_a_code_sent_to_the_number_they_signed_with(
    collecting, voters, django_capture_on_commit_callbacks
):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_withdrawal(signature.receipt, voters[10].personal["iin"], "+77770000000")
    assert sms.outbox[-1].phone == "+77011234567"
    challenges.confirm_withdrawal(started.token, code_from_outbox())
    collecting.refresh_from_db()
    assert Signature.objects.get(pk=signature.pk).state == "withdrawn"
    assert (collecting.valid_count, collecting.withdrawn_count, collecting.received_count) == (0, 1, 1)


def test_a_signature_not_yet_verified_can_be_withdrawn_and_counts_stay_true(
    collecting, voters, django_capture_on_commit_callbacks
):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        started = challenges.start_withdrawal(signature.receipt, voters[10].personal["iin"], "+77770000000")
    challenges.confirm_withdrawal(started.token, code_from_outbox())
    verification.verify_all()
    collecting.refresh_from_db()
    stored = {k: getattr(collecting, k) for k in counts.truth(collecting.pk)}
    assert stored == counts.truth(collecting.pk)


def test_no_withdrawal_after_the_window(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with time_machine.travel(collecting.window_end + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(PetitionNotCollecting):
            challenges.start_withdrawal(signature.receipt, voters[10].personal["iin"], "+77011234567")


@pytest.mark.parametrize("phone", ["+7 701 123 45 67", "87011234567", "7011234567", "+7 (701) 123-45-67"])
def test_kazakh_mobile_numbers_are_normalized(phone):
    assert challenges.normalize_phone(phone) == "+77011234567"


@pytest.mark.parametrize("phone", ["12345", "+1 202 555 0100", "+7 495 123 45 67 89"])
def test_other_numbers_are_refused(phone):
    with pytest.raises(InvalidInput):
        challenges.normalize_phone(phone)


@pytest.mark.parametrize("phone", ["+7 701 555 00 4٠", "+７７０１５５５００４０"])
def test_digits_of_other_scripts_are_not_phone_numbers(phone):
    with pytest.raises(InvalidInput):
        challenges.normalize_phone(phone)


def test_requests_are_limited_per_phone_and_per_iin(collecting, voters, settings):
    settings.RECALL_OTP_PER_PHONE_PER_DAY = 2
    settings.RECALL_OTP_PER_IIN_PER_DAY = 2
    # Frozen: the limits count the requests of the last 24 hours, all of these among them.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), tick=False):
        for voter in voters[10:12]:
            challenges.start_signing(collecting.pk, signer_of(voter, phone="+77000000001"))
        with pytest.raises(ChallengeFailed, match="this phone number today") as error:
            challenges.start_signing(collecting.pk, signer_of(voters[12], phone="+77000000001"))
        assert error.value.field == "phone"
        for phone in ("+77000000002", "+77000000003"):
            challenges.start_signing(collecting.pk, signer_of(voters[13], phone=phone))
        with pytest.raises(ChallengeFailed, match="this IIN today"):
            challenges.start_signing(collecting.pk, signer_of(voters[13], phone="+77000000004"))
    assert SigningChallenge.objects.count() == 4


def test_codes_are_sent_by_a_task_given_only_the_challenge(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    assert sms.outbox == [] and len(callbacks) == 1
    challenge = SigningChallenge.objects.get(token=started.token)
    assert challenges.send_code(challenge.pk) == "code"
    assert challenges.confirm_signing(started.token, code_from_outbox()).pk


def test_a_confirmation_raced_by_another_gives_a_neutral_answer(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    first_code = code_from_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        second = challenges.start_signing(collecting.pk, signer_of(voters[10]))
    challenges.confirm_signing(second.token, code_from_outbox())
    with pytest.raises(ChallengeFailed, match="could not be completed"):
        challenges.confirm_signing(first.token, first_code)
