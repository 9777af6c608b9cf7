"""The sign path and the one-time codes, through the services."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recall.errors import AlreadySigned, InvalidInput, NotFound, PetitionNotCollecting
from recall.models import Petition, PetitionState, Signature, SigningChallenge
from recall.notifications import sms
from recall.services import challenges, signing, verification
from recall.services.challenges import ChallengeFailed

from .factories import ApiClientFactory, make_iin


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def signer_of(voter, phone="+77011234567", **changes):
    data = {
        "iin": voter.personal["iin"],
        "full_name": voter.personal["full_name"],
        "birth_date": dt.date.fromisoformat(voter.personal["birth_date"]),
        "address": voter.personal["address"],
        "phone": phone,
    }
    data.update(changes)
    return signing.check_signer(**data)


def code_from_outbox() -> str:
    return sms.outbox[-1].text.split(": ")[1].split(".")[0]


def test_check_signer_names_the_bad_field():
    cases = [
        ({"iin": "791028302727"}, "iin", "invalid_iin"),
        ({"iin": "12345"}, "iin", "invalid_iin"),
        ({"birth_date": dt.date.today() + dt.timedelta(days=1)}, "birth_date", "invalid_birth_date"),
        ({"full_name": "  "}, "full_name", "required"),
        ({"address": ""}, "address", "required"),
    ]
    base = {"iin": "791028302728", "full_name": "A B", "birth_date": dt.date(1979, 10, 28), "address": "x"}
    for change, field, code in cases:
        with pytest.raises(InvalidInput) as error:
            signing.check_signer(**{**base, **change})
        assert (error.value.field, error.value.code) == (field, code)


def test_storing_a_web_signature_is_one_insert_and_never_touches_the_petition(
    collecting, voters, django_capture_on_commit_callbacks
):
    signer = signer_of(voters[10])
    with CaptureQueriesContext(connection) as queries:
        signing.sign_on_web(collecting.pk, signer)
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # One statement: the INSERT, guarded by the petition's state and window in the same SQL.
    assert len(statements) == 1 and statements[0].startswith('INSERT INTO "recall_signature"')
    assert "UPDATE" not in statements[0]


def test_a_stored_signature_keeps_the_data_encrypted_and_the_iin_digested(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT voter_digest, personal FROM recall_signature WHERE id = %s", [signature.pk])
        digest, personal = cursor.fetchone()
    assert voters[10].personal["iin"] not in digest + personal
    assert voters[10].personal["full_name"] not in personal
    assert Signature.objects.get(pk=signature.pk).personal["iin"] == voters[10].personal["iin"]


def test_signing_twice_on_the_web_is_refused_by_the_constraint(collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with pytest.raises(AlreadySigned):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    assert Signature.objects.count() == 1


def test_a_petition_closed_meanwhile_takes_no_signature(collecting, voters):
    from recall.errors import NotFound

    with pytest.raises(NotFound):
        signing.sign_on_web(999_999, signer_of(voters[10]))
    assert not Signature.objects.exists()


def test_a_closed_petition_takes_no_signature(collecting, voters):
    with time_machine.travel(collecting.window_end + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(PetitionNotCollecting):
            signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    Petition.objects.filter(pk=collecting.pk).update(state=PetitionState.WITHDRAWN)
    with pytest.raises(PetitionNotCollecting):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))


def test_a_partner_learns_only_of_its_own_repeats(collecting, voters):
    mine, other = ApiClientFactory(), ApiClientFactory()
    first = signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=mine.pk)
    with pytest.raises(AlreadySigned, match=signing.format_receipt(first.receipt)):
        signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=mine.pk)
    repeat = signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=other.pk)
    assert repeat.duplicate_of_id == first.pk and repeat.receipt != first.receipt
    verification.verify_all()
    assert Signature.objects.get(pk=repeat.pk).ground == "duplicate"


def test_a_partner_cannot_date_a_signature_in_the_future(collecting, voters):
    with pytest.raises(InvalidInput) as error:
        signing.sign_for_partner(
            collecting.pk,
            signer_of(voters[10]),
            client_id=ApiClientFactory().pk,
            signed_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )
    assert error.value.code == "invalid_signed_at"


def test_receipts_are_typed_forgivingly():
    assert signing.normalize_receipt("7kq2-m9xd 3fra") == "7KQ2M9XD3FRA"
    assert signing.normalize_receipt("OIL") == "011"


# --- One-time codes ------------------------------------------------------------------------------


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
    from recall.services import counts

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


def test_unknown_iins_still_get_stored_for_the_commission(collecting):
    stranger = signing.check_signer(
        iin=make_iin(4242), full_name="Stranger", birth_date=dt.date(1980, 1, 1), address="x", phone="+77011234567"
    )
    signing.sign_on_web(collecting.pk, stranger)
    verification.verify_all()
    assert Signature.objects.get().ground == "not_in_register"


def test_requests_are_limited_per_phone_and_per_iin(collecting, voters, settings):
    settings.RECALL_OTP_PER_PHONE_PER_DAY = 2
    settings.RECALL_OTP_PER_IIN_PER_DAY = 2
    for voter in voters[10:12]:
        challenges.start_signing(collecting.pk, signer_of(voter, phone="+77000000001"))
    with pytest.raises(ChallengeFailed, match="this phone number today") as error:
        challenges.start_signing(collecting.pk, signer_of(voters[12], phone="+77000000001"))
    assert error.value.field == "phone"
    for phone in ("+77000000002", "+77000000003"):
        challenges.start_signing(collecting.pk, signer_of(voters[13], phone=phone))
    with pytest.raises(ChallengeFailed, match="this IIN today"):
        challenges.start_signing(collecting.pk, signer_of(voters[13], phone="+77000000004"))


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
