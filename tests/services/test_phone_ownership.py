"""The phone ownership backend (recall.phone_ownership): asked before a signing code leaves;
a number that is not the IIN's gets no code and the page cannot tell; an owned number makes the
signature PHONE_OF_IIN. The example backend (ListedPhones) is the one these tests configure."""

import datetime as dt

import pytest
import time_machine

from recall import phone_ownership, tasks
from recall.models import CodeRequest, Signature
from recall.notifications import sms
from recall.phone_ownership import ListedPhones, PhoneOwnershipUnavailable
from recall.services.signing import codes
from recall.services.signing.codes import CodeFailed
from tests.helpers import code_from_outbox, signer_of

OWNED = "+77011234567"
OTHER = "+77019998877"


class Down:
    def __init__(self) -> None:
        pass

    def owns(self, *, iin: str, phone: str) -> bool:
        raise PhoneOwnershipUnavailable("the service bus does not answer")


@pytest.fixture
def listed(voters, settings, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text(f"iin,phone\n{voters[10].personal['iin']},8 701 123 45 67\n", encoding="utf-8")
    settings.RECALL_PHONE_OWNERSHIP_BACKEND = "recall.phone_ownership.ListedPhones"
    settings.RECALL_PHONE_OWNERSHIP_OPTIONS = {"path": str(path)}
    return path


def start(petition, signer, capture):
    with capture(execute=True):
        return codes.start_signing(petition.pk, signer)


def test_the_example_backend_answers_from_its_pairs(voters, listed):
    backend = ListedPhones(path=str(listed))
    assert backend.owns(iin=voters[10].personal["iin"], phone=OWNED)
    assert not backend.owns(iin=voters[10].personal["iin"], phone=OTHER)
    assert not backend.owns(iin=voters[11].personal["iin"], phone=OWNED)


def test_the_owner_gets_a_code_and_signs_with_a_phone_of_the_iin(
    collecting, voters, listed, django_capture_on_commit_callbacks
):
    started = start(collecting, signer_of(voters[10], phone=OWNED), django_capture_on_commit_callbacks)
    signature = codes.confirm_signing(started.token, code_from_outbox())
    assert signature.identity_strength == "phone_of_iin"
    assert CodeRequest.objects.get(token=started.token).phone_of_iin is True


def test_a_number_not_the_iins_gets_no_code_and_cannot_confirm(
    collecting, voters, listed, django_capture_on_commit_callbacks
):
    refused = start(collecting, signer_of(voters[10], phone=OTHER), django_capture_on_commit_callbacks)
    assert sms.outbox[-1].phone == OTHER and "no code was sent" in sms.outbox[-1].text
    for guess in ("000000", "123456"):
        with pytest.raises(CodeFailed) as error:
            codes.confirm_signing(refused.token, guess)
        assert error.value.code == "wrong_code"  # as any wrong code
    assert not Signature.objects.exists()


def test_the_page_answers_a_refused_number_as_an_accepted_one(
    collecting, voters, listed, django_capture_on_commit_callbacks
):
    accepted = start(collecting, signer_of(voters[10], phone=OWNED), django_capture_on_commit_callbacks)
    refused = start(collecting, signer_of(voters[11], phone=OWNED), django_capture_on_commit_callbacks)
    assert type(accepted) is type(refused) and accepted.phone_masked == refused.phone_masked


def test_without_a_backend_a_code_proves_only_the_phone(collecting, voters, django_capture_on_commit_callbacks):
    started = start(collecting, signer_of(voters[10], phone=OTHER), django_capture_on_commit_callbacks)
    signature = codes.confirm_signing(started.token, code_from_outbox())
    assert signature.identity_strength == "phone"
    assert CodeRequest.objects.get(token=started.token).phone_of_iin is None


def test_an_unavailable_register_sends_nothing_and_is_retried(
    collecting, voters, settings, django_capture_on_commit_callbacks
):
    settings.RECALL_PHONE_OWNERSHIP_BACKEND = f"{__name__}.Down"
    with django_capture_on_commit_callbacks(execute=False):
        started = codes.start_signing(collecting.pk, signer_of(voters[10], phone=OWNED))
    request = CodeRequest.objects.get(token=started.token)
    with pytest.raises(PhoneOwnershipUnavailable):
        codes.send_code(request.pk)
    request.refresh_from_db()
    assert not sms.outbox and request.phone_of_iin is None and request.can_confirm and not request.code_hash
    assert PhoneOwnershipUnavailable in tasks.send_challenge_code.autoretry_for


def test_withdrawal_codes_go_to_the_number_on_record_without_asking(
    collecting, voters, listed, settings, django_capture_on_commit_callbacks
):
    started = start(collecting, signer_of(voters[10], phone=OWNED), django_capture_on_commit_callbacks)
    signature = codes.confirm_signing(started.token, code_from_outbox())
    settings.RECALL_PHONE_OWNERSHIP_BACKEND = f"{__name__}.Down"
    with django_capture_on_commit_callbacks(execute=True):
        codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    assert "WITHDRAW" in sms.outbox[-1].text


def test_a_resend_after_the_number_was_registered_sends_a_code_that_confirms(
    collecting, voters, listed, django_capture_on_commit_callbacks
):
    refused = start(collecting, signer_of(voters[10], phone=OTHER), django_capture_on_commit_callbacks)
    listed.write_text(f"iin,phone\n{voters[10].personal['iin']},{OTHER}\n", encoding="utf-8")
    phone_ownership.backend.cache_clear()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            codes.resend(refused.token)
        signature = codes.confirm_signing(refused.token, code_from_outbox())
    assert signature.identity_strength == "phone_of_iin"
