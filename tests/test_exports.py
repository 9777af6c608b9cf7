"""The commission's exports and the sampling pages of the admin."""

import csv
import io

import pytest
from django.urls import reverse

from recall.models import Petition, PetitionState, SampleRun
from recall.services import verification

from .factories import SignatureFactory


@pytest.fixture
def signed(collecting, voters):
    for voter in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=voter)
    SignatureFactory(petition=collecting, voter_row=voters[15], full_name="Someone Else")
    verification.verify_all()
    return collecting


def test_the_csv_lists_every_signature_with_its_state_and_a_masked_iin(client, bob, signed, voters):
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_export_csv", args=[signed.pk]))
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 6
    assert {r["state"] for r in rows} == {"valid", "review"}
    assert voters[10].personal["iin"] not in text and voters[10].personal["iin"][-4:] in text


def test_the_pdf_exports_are_pdfs(client, bob, signed):
    client.force_login(bob)
    for name in ["admin:recall_petition_export_pdf", "admin:recall_petition_summary_pdf"]:
        response = client.get(reverse(name, args=[signed.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and len(response.content) > 1000


def test_exports_stay_inside_the_jurisdiction(client, charlie, signed):
    client.force_login(charlie)
    response = client.get(reverse("admin:recall_petition_export_csv", args=[signed.pk]))
    assert response.status_code == 302


def test_a_sample_is_drawn_decided_and_closed_in_the_admin(client, bob, signed, policy):
    policy.sample_minimum = 3
    policy.save()
    Petition.objects.filter(pk=signed.pk).update(state=PetitionState.VERIFYING)
    client.force_login(bob)
    page = client.get(reverse("admin:recall_petition_sample", args=[signed.pk])).content.decode()
    assert "3 of 6 signatures" in page
    response = client.post(reverse("admin:recall_petition_sample", args=[signed.pk]))
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
