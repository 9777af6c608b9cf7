"""Withdrawal reaches the signer: a code only to the number on record, or the partner
that collected the signature withdraws it on the voter's request (scope `withdraw`, audited)."""

import io

import pytest
from django.core.management import call_command

from accounts.admin import ApiKeyForm
from accounts.models import ApiKey
from recall.models import AuditEntry, Signature
from recall.notifications import sms
from recall.services import signing, verification
from recall.services.signing import codes
from recall.services.signing.codes import CodeFailed
from tests.helpers import partner_client, signer_of


def _partner_signature(partner, collecting, voter, phone=""):
    return signing.sign_for_partner(collecting.pk, signer_of(voter, phone=phone), client_id=partner.key.client_id)


def test_a_receipt_and_iin_no_longer_send_a_code_to_whatever_number_is_typed(
    collecting, voters, django_capture_on_commit_callbacks
):
    partner = partner_client(scopes=("sign",))
    signature = _partner_signature(partner, collecting, voters[10])
    # Never to a number typed now: anyone with the receipt and the IIN could withdraw the
    # voter's signature.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CodeFailed) as error:
        codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    assert error.value.code == "withdraw_through_partner" and sms.outbox == []
    assert Signature.objects.get(pk=signature.pk).state == "received"


def test_a_partners_recorded_number_gets_the_code(collecting, voters, django_capture_on_commit_callbacks):
    partner = partner_client(scopes=("sign",))
    signature = _partner_signature(partner, collecting, voters[10], phone="+77012223344")
    with django_capture_on_commit_callbacks(execute=True):
        codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    assert [m.phone for m in sms.outbox] == ["+77012223344"]


def test_the_partner_withdraws_on_the_voters_request_scoped_and_audited(collecting, voters):
    partner = partner_client(scopes=("sign", "withdraw"))
    signature = _partner_signature(partner, collecting, voters[10])
    verification.verify_all()
    url = f"/api/v1/signatures/{signing.format_receipt(signature.receipt)}/withdraw/"
    response = partner.post(url)
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.withdrawn_count) == (0, 1)
    entry = AuditEntry.objects.get(action="signature.withdrawn")
    assert entry.actor_label == f"partner:{partner.key.client_id}"
    assert partner.post(url).status_code == 409  # once


def test_a_partner_cannot_withdraw_without_the_scope_or_another_partners_signature(collecting, voters):
    owner = partner_client(scopes=("sign", "withdraw"))
    signature = _partner_signature(owner, collecting, voters[10])
    url = f"/api/v1/signatures/{signature.receipt}/withdraw/"
    assert partner_client(scopes=("sign", "read")).post(url).status_code == 403
    assert partner_client(scopes=("withdraw",)).post(url).status_code == 404
    web = signing.sign_on_web(collecting.pk, signer_of(voters[11]))
    assert owner.post(f"/api/v1/signatures/{web.receipt}/withdraw/").status_code == 404
    assert Signature.objects.filter(state="withdrawn").count() == 0


def test_the_withdraw_scope_can_be_granted_by_the_command_and_in_the_admin(db):
    call_command("create_api_key", "Withdrawing partner", "--scopes", "sign,withdraw", stdout=io.StringIO())
    assert ApiKey.objects.get(client__name="Withdrawing partner").scopes == ["sign", "withdraw"]
    # The admin's form offers it too.
    assert "withdraw" in dict(ApiKeyForm.base_fields["scopes"].choices)
