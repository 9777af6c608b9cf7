"""The commission's exports (recall.services.exports), downloaded from the petition's admin page:
signatures as CSV and PDF with masked IINs, the certified summary, inside the jurisdiction."""

import csv
import io

import pytest
from django.urls import reverse

from recall.services import verification
from tests.factories import SignatureFactory


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


def test_exports_stay_inside_the_jurisdiction(client, charlie, signed, voters):
    client.force_login(charlie)
    for name in [
        "admin:recall_petition_export_csv",
        "admin:recall_petition_export_pdf",
        "admin:recall_petition_summary_pdf",
    ]:
        response = client.get(reverse(name, args=[signed.pk]))
        assert response.status_code == 302 and response["Content-Type"] != "application/pdf"
        assert voters[10].personal["iin"][-4:].encode() not in response.content


def test_csv_cells_cannot_run_as_formulas(client, bob, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10], full_name='=HYPERLINK("http://x")')
    client.force_login(bob)
    text = b"".join(client.get(reverse("admin:recall_petition_export_csv", args=[collecting.pk])).streaming_content)
    assert "'=HYPERLINK" in text.decode()
