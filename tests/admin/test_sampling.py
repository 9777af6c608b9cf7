"""Random samples in the admin: drawn, decided item by item, closed."""

from django.urls import reverse

from recall.ledger import sampling_draw
from recall.models import PetitionState, SampleRun
from recall.services import verification
from tests.factories import SignatureFactory
from tests.helpers import DICE, walk


def test_a_sample_is_drawn_decided_and_closed_in_the_admin(client, bob, collecting, voters, policy):
    for voter in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=voter)
    SignatureFactory(petition=collecting, voter_row=voters[15], full_name="Someone Else")
    verification.verify_all()
    policy.sample_minimum = 3
    policy.save()
    collecting = walk(collecting, PetitionState.VERIFYING)
    client.force_login(bob)
    page = client.get(reverse("admin:recall_petition_sample", args=[collecting.pk])).content.decode()
    assert "3 of 6 signatures" in page
    response = client.post(
        reverse("admin:recall_petition_sample", args=[collecting.pk]), {"action": "dice", "digits": DICE["digits"]}
    )
    run = SampleRun.objects.get()
    assert response.url == reverse("admin:recall_samplerun_change", args=[run.pk])
    assert run.procedure == DICE and run.seed == sampling_draw.seed_from_procedure(DICE).hex()
    page = client.get(response.url).content.decode()
    assert f"tools/verify_ledger.py BASE_URL {collecting.pk}" in page and run.seed in page
    for item in run.items.all():
        url = reverse("admin:recall_signature_decide", args=[item.signature_id]) + f"?sample_item={item.pk}"
        client.post(url, {"decision": "valid"})
    client.post(reverse("admin:recall_samplerun_close", args=[run.pk]))
    run.refresh_from_db()
    assert run.closed_at is not None and run.valid_in_sample == 3


def test_the_seed_is_made_by_commit_reveal_in_the_admin(client, bob, collecting, voters, policy):
    for voter in voters[10:16]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    policy.sample_minimum = 3
    policy.save()
    collecting = walk(collecting, PetitionState.VERIFYING)
    client.force_login(bob)
    url = reverse("admin:recall_petition_sample", args=[collecting.pk])
    reveals = {"commission": b"\x11" * 32, "initiative group": b"\x22" * 32}
    for name, reveal in reveals.items():
        client.post(url, {"action": "commit", "name": name, "value": sampling_draw.party_commitment(name, reveal)})
    wrong = client.post(url, {"action": "reveal", "name": "commission", "value": "33" * 32}).content.decode()
    assert "does not match" in wrong
    for name, reveal in reveals.items():
        client.post(url, {"action": "reveal", "name": name, "value": reveal.hex()})
    assert "Draw the sample with the revealed seed" in client.get(url).content.decode()
    client.post(url, {"action": "commit_reveal"})
    run = SampleRun.objects.get()
    assert run.seed == sampling_draw.commit_reveal_seed(list(reveals.items())).hex()
    assert run.procedure["kind"] == "commit-reveal" and run.sample_size == 3
