"""The commission's choice of channels (RecallPolicy.accept_<channel>, confirm_<channel>) and the
identity each signature proves (Signature.identity_strength): refused at the door, confirmed by
an official, stored at the INSERT (recall.services.signing.channels)."""

import pytest
from django.db import IntegrityError, transaction

from recall.errors import ChannelNotAccepted
from recall.models import (
    CHANNEL_ORDER,
    Channel,
    IdentityStrength,
    JobState,
    Petition,
    RecallPolicy,
    Signature,
    policy_for,
)
from recall.services import signing, verification
from recall.services.signing import channels
from recall.services.verification import counts, paper_import, review
from tests.factories import ApiClientFactory, SignatureFactory
from tests.helpers import paper_row, signer_of
from tests.services.test_paper_import import job_for


def set_policy(petition, **values):
    RecallPolicy.objects.filter(level=petition.district.level).update(**values)


def test_every_channel_has_its_two_policy_columns():
    assert set(CHANNEL_ORDER) == set(Channel.values)
    for channel in Channel.values:
        assert hasattr(RecallPolicy, f"accept_{channel}") and hasattr(RecallPolicy, f"confirm_{channel}")


def test_the_defaults_accept_every_channel_and_confirm_none(collecting):
    policy = policy_for(collecting.district.level)
    assert policy.accepted_channels() == list(CHANNEL_ORDER)
    assert not any(policy.needs_confirmation(c) for c in CHANNEL_ORDER)


def test_a_refused_web_channel_stores_nothing(collecting, voters):
    set_policy(collecting, accept_web=False)
    with pytest.raises(ChannelNotAccepted) as error:
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    assert (error.value.code, error.value.status) == ("channel_not_accepted", 403)
    assert not Signature.objects.exists()


def test_the_insert_itself_refuses_a_channel_refused_after_the_page_was_read(collecting, voters):
    signing.signable_petition(collecting.pk, channel=Channel.WEB)
    set_policy(collecting, accept_web=False)  # the commission changes its mind meanwhile
    with pytest.raises(ChannelNotAccepted):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))


def test_refusing_one_channel_leaves_the_others(collecting, voters):
    set_policy(collecting, accept_web=False)
    signature = signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=ApiClientFactory().pk)
    assert signature.channel == Channel.PARTNER


def test_a_refused_partner_channel_is_refused(collecting, voters):
    set_policy(collecting, accept_partner=False)
    with pytest.raises(ChannelNotAccepted):
        signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=ApiClientFactory().pk)


def test_a_code_is_not_even_requested_for_a_refused_web_channel(collecting, voters):
    set_policy(collecting, accept_web=False)
    with pytest.raises(ChannelNotAccepted):
        signing.codes.start_signing(collecting.pk, signer_of(voters[10]))


def test_refused_paper_lines_are_refused_with_the_reason(collecting, voters):
    set_policy(collecting, accept_paper=False)
    job = paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[10]), paper_row(1, 2, voters[11])).pk)
    assert job.state == JobState.FAILED
    assert [e["line"] for e in job.errors] == [2, 3]
    assert "does not accept paper signatures" in job.errors[0]["error"]
    assert not Signature.objects.exists()


def test_a_channel_to_confirm_goes_to_review_instead_of_valid(collecting, voters):
    set_policy(collecting, confirm_web=True)
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    other = signing.sign_for_partner(collecting.pk, signer_of(voters[11]), client_id=ApiClientFactory().pk)
    verification.verify_all()
    signature.refresh_from_db()
    other.refresh_from_db()
    assert (signature.state, signature.review_reasons) == ("review", ["channel_confirmation"])
    assert other.state == "valid"


def test_a_channel_to_confirm_is_still_invalid_on_the_machines_grounds(collecting):
    set_policy(collecting, confirm_web=True)
    signature = SignatureFactory(petition=collecting, full_name="Nobody")
    verification.verify_all()
    signature.refresh_from_db()
    assert (signature.state, signature.ground) == ("invalid", "not_in_register")


def test_an_official_confirms_a_signature_of_a_channel_to_confirm(collecting, voters, bob):
    set_policy(collecting, confirm_web=True)
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    review.decide(signature.pk, valid=True, actor=bob)
    signature.refresh_from_db()
    collecting.refresh_from_db()
    assert signature.state == "valid" and collecting.valid_count == 1


@pytest.mark.parametrize(
    ("channel", "phone_of_iin", "strength"),
    [
        ("web", False, "phone"),
        ("web", True, "phone_of_iin"),
        ("eds", False, "certificate"),
        ("egov_mobile", False, "certificate"),
        ("partner", False, "partner"),
        ("paper", False, "paper"),
    ],
)
def test_each_channel_proves_its_own_strength(channel, phone_of_iin, strength):
    assert channels.strength_of(channel, phone_of_iin=phone_of_iin) == strength


def test_the_strength_is_stored_at_the_insert(collecting, voters):
    web = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    owned = signing.sign_on_web(collecting.pk, signer_of(voters[11]), phone_of_iin=True)
    partner = signing.sign_for_partner(collecting.pk, signer_of(voters[12]), client_id=ApiClientFactory().pk)
    paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[13])).pk)
    stored = dict(Signature.objects.values_list("pk", "identity_strength"))
    assert stored[web.pk] == IdentityStrength.PHONE
    assert stored[owned.pk] == IdentityStrength.PHONE_OF_IIN
    assert stored[partner.pk] == IdentityStrength.PARTNER
    assert Signature.objects.get(channel="paper").identity_strength == IdentityStrength.PAPER


def test_the_database_refuses_a_strength_the_channel_cannot_prove(collecting, voters):
    with pytest.raises(IntegrityError), transaction.atomic():
        SignatureFactory(petition=collecting, voter_row=voters[10], channel="web", identity_strength="certificate")


def test_the_valid_counts_by_identity_follow_verification_and_review(collecting, voters, bob):
    set_policy(collecting, confirm_partner=True)
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    partner = signing.sign_for_partner(collecting.pk, signer_of(voters[11]), client_id=ApiClientFactory().pk)
    verification.verify_all()
    collecting.refresh_from_db()
    assert (collecting.valid_phone_count, collecting.valid_partner_count) == (1, 0)
    review.decide(partner.pk, valid=True, actor=bob)
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.valid_phone_count, collecting.valid_partner_count) == (2, 1, 1)
    assert counts.reconcile([collecting.pk]) == {}


def test_reconciliation_repairs_the_counts_by_identity(collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(valid_phone_count=7)
    assert counts.reconcile([collecting.pk])[collecting.pk] == {"valid_phone_count": (7, 1)}
