"""Random samples in the admin: drawn, decided item by item, closed."""

from django.urls import reverse

from recall.models import Petition, PetitionState, SampleRun
from recall.services import verification
from tests.factories import SignatureFactory


def test_a_sample_is_drawn_decided_and_closed_in_the_admin(client, bob, collecting, voters, policy):
    for voter in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=voter)
    SignatureFactory(petition=collecting, voter_row=voters[15], full_name="Someone Else")
    verification.verify_all()
    policy.sample_minimum = 3
    policy.save()
    Petition.objects.filter(pk=collecting.pk).update(state=PetitionState.VERIFYING)
    client.force_login(bob)
    page = client.get(reverse("admin:recall_petition_sample", args=[collecting.pk])).content.decode()
    assert "3 of 6 signatures" in page
    response = client.post(reverse("admin:recall_petition_sample", args=[collecting.pk]))
    run = SampleRun.objects.get()
    assert response.url == reverse("admin:recall_samplerun_change", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert f"sorted(random.Random('{run.seed}').sample(range(6), 3))" in page
    for item in run.items.all():
        url = reverse("admin:recall_signature_decide", args=[item.signature_id]) + f"?sample_item={item.pk}"
        client.post(url, {"decision": "valid"})
    client.post(reverse("admin:recall_samplerun_close", args=[run.pk]))
    run.refresh_from_db()
    assert run.closed_at is not None and run.valid_in_sample == 3
