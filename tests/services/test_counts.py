"""Counts kept by the workers (recall.services.verification.counts), the threshold crossed once and the
milestones announced once (recall.services.lifecycle.thresholds), the nightly reconciliation."""

from django.core import mail
from django.db import transaction
from django.utils import timezone

from recall.models import DailyTally, Petition, PetitionState, PetitionTransition, WebhookDelivery
from recall.services import verification
from recall.services.notices import webhooks
from recall.services.verification import counts
from tests.factories import ApiClientFactory, SignatureFactory, make_iin


def test_counts_and_the_daily_series_follow_verification(collecting, voters):
    for voter in voters[10:14]:
        SignatureFactory(petition=collecting, voter_row=voter)
    SignatureFactory(petition=collecting, iin=make_iin(7777), full_name="Nobody")
    SignatureFactory(petition=collecting, voter_row=voters[20], full_name="Someone Else")
    assert verification.verify_all() == 6
    collecting.refresh_from_db()
    assert (collecting.received_count, collecting.valid_count, collecting.invalid_count, collecting.review_count) == (
        6,
        4,
        1,
        1,
    )
    assert collecting.awaiting_count == 1
    assert DailyTally.objects.get(petition=collecting).valid == 4
    assert counts.truth(collecting.pk)["received_count"] == 6


def test_reaching_the_threshold_moves_the_petition_once_and_tells_everyone(collecting, voters, alice):
    client = ApiClientFactory()
    webhooks.create_endpoint(
        client_id=client.pk, url="http://partner.example/hook", events=["petition.threshold_reached"]
    )
    Petition.objects.filter(pk=collecting.pk).update(contact_email="group@example.kz")
    for voter in voters[10:19]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.COLLECTING
    for voter in voters[19:22]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_batch(limit=1)
    verification.verify_all()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.THRESHOLD_REACHED
    assert PetitionTransition.objects.filter(petition=collecting, to_state=PetitionState.THRESHOLD_REACHED).count() == 1
    assert WebhookDelivery.objects.filter(event="petition.threshold_reached").count() == 1


def test_milestones_are_announced_once_each(collecting, voters, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "en"  # the language of notices
    Petition.objects.filter(pk=collecting.pk).update(contact_email="group@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        for voter in voters[10:13]:
            SignatureFactory(petition=collecting, voter_row=voter)
        verification.verify_all()  # 3 of 10: 25 %
        SignatureFactory(petition=collecting, voter_row=voters[13])
        verification.verify_all()  # 4 of 10: still 25 %
        for voter in voters[14:18]:
            SignatureFactory(petition=collecting, voter_row=voter)
        verification.verify_all()  # 8 of 10: 75 % (50 % skipped in one batch)
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        f"Recall petition No. {collecting.pk}: 25% of the required signatures",
        f"Recall petition No. {collecting.pk}: 75% of the required signatures",
    ]


def test_reconciliation_repairs_a_corrupted_count(collecting, voters):
    for voter in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(valid_count=999, received_count=1)
    DailyTally.objects.filter(petition=collecting).update(valid=42)
    repaired = counts.reconcile()
    assert repaired == {collecting.pk: {"received_count": (1, 5), "valid_count": (999, 5)}}
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.received_count) == (5, 5)
    assert DailyTally.objects.get(petition=collecting).valid == 5
    assert collecting.audit_entries.filter(action="counts.repaired").exists()
    assert counts.reconcile() == {}


def test_reconciliation_finds_a_counter_corrupted_to_zero(collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(received_count=0, valid_count=0)
    assert counts.reconcile() == {collecting.pk: {"received_count": (0, 1), "valid_count": (0, 1)}}


def test_queued_signatures_are_shown_as_awaiting(collecting, voters, client):
    for voter in voters[10:13]:
        SignatureFactory(petition=collecting, voter_row=voter)
    assert counts.refresh_queued() == 3
    data = client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]
    assert (data["received"], data["awaiting"]) == (3, 3)
    verification.verify_all()
    data = client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]
    assert (data["received"], data["awaiting"], data["valid"]) == (3, 0, 3)


def test_applying_a_batchs_counts_drops_the_public_copies_itself(client, collecting):
    # counts.apply alone: in a verification batch the ledger's append drops the copies too, and
    # would hide a counts.apply that forgot to.
    page = f"/en/petitions/{collecting.pk}/"
    assert "<strong>0</strong> valid signatures" in client.get(page).content.decode()
    delta = counts.Delta()
    for _ in range(2):
        delta.move(None, "valid", timezone.now())
    with transaction.atomic():
        counts.apply({collecting.pk: delta})
    assert "<strong>2</strong> valid signatures" in client.get(page).content.decode()
    assert client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]["valid"] == 2
