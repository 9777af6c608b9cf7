"""Random samples in the admin: the seed step by step (the commission's commitment, the beacon
round, its reveal, the draw once the round exists), then decided item by item, closed."""

import datetime as dt

import time_machine
from django.urls import reverse

from recall.ledger import sampling_draw
from recall.models import SampleRun, SeedCommitment, SeedRound
from recall.services import verification
from recall.services.ledger import sampling
from tests.factories import SignatureFactory
from tests.helpers import under_verification


def test_a_sample_is_drawn_decided_and_closed_in_the_admin(client, bob, samples_of_3, collecting, voters):
    for voter in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=voter)
    SignatureFactory(petition=collecting, voter_row=voters[15], full_name="Someone Else")
    verification.verify_all()
    under_verification(collecting)
    client.force_login(bob)
    url = reverse("admin:recall_petition_sample", args=[collecting.pk])
    page = client.get(url).content.decode()
    assert "3 of 6 signatures" in page and "Commit the commission's share" in page
    assert "Draw the sample" not in page  # nothing to draw before a round is fixed
    client.post(url, {"action": "commit"})
    commission = SeedCommitment.objects.get(name="commission")
    assert commission.held_reveal and not commission.reveal
    client.post(url, {"action": "fix_round"})
    fixed = SeedRound.objects.get()
    page = client.get(url).content.decode()
    assert f"Round {fixed.round} of chain" in page and "Reveal the commission's share" in page
    client.post(url, {"action": "reveal"})
    commission.refresh_from_db()
    assert sampling_draw.party_commitment("commission", bytes.fromhex(commission.reveal)) == commission.commitment
    early = client.post(url, {"action": "draw"}).content.decode()
    assert "does not exist yet" in early and not SampleRun.objects.exists()
    with time_machine.travel(fixed.round_time + dt.timedelta(seconds=1), tick=False):
        response = client.post(url, {"action": "draw"})
    run = SampleRun.objects.get()
    assert response.url == reverse("admin:recall_samplerun_change", args=[run.pk])
    assert run.procedure["kind"] == "beacon" and run.procedure["round"] == fixed.round
    assert [p["name"] for p in run.procedure["parties"]] == ["commission"]
    page = client.get(response.url).content.decode()
    assert f"tools/verify_ledger.py BASE_URL {collecting.pk}" in page and run.seed in page
    for item in run.items.all():
        url = reverse("admin:recall_signature_decide", args=[item.signature_id]) + f"?sample_item={item.pk}"
        client.post(url, {"decision": "valid"})
    client.post(reverse("admin:recall_samplerun_close", args=[run.pk]))
    run.refresh_from_db()
    assert run.closed_at is not None and run.valid_in_sample == 3


def test_a_party_that_does_not_reveal_is_recorded_absent_and_the_draw_goes_on(bob, samples_of_3, collecting, voters):
    for voter in voters[10:16]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    under_verification(collecting)
    sampling.commit_for_commission(collecting, actor=bob)
    group = sampling_draw.party_commitment("initiative group", b"\x22" * 32)
    sampling.commit(collecting, party="initiative group", commitment=group)
    fixed = sampling.fix_round(collecting, actor=bob)
    sampling.reveal_for_commission(collecting, actor=bob)
    with time_machine.travel(fixed.round_time + dt.timedelta(seconds=1), tick=False):
        assert sampling.draw_due() == 1
    run = SampleRun.objects.get()
    assert run.started_by is None  # drawn by the system as soon as the round existed
    assert run.procedure["absent"] == [{"name": "initiative group", "commitment": group}]
    assert [p["name"] for p in run.procedure["parties"]] == ["commission"]
