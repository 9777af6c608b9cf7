"""The commission's exports (recall.services.jobs.exports), downloaded from the petition's admin page:
signatures as CSV and PDF with masked IINs, the certified summary, inside the jurisdiction."""

import csv
import io

import pytest
from django.urls import reverse

from recall.models import Signature
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


def test_the_csv_masks_receipts_like_iins(client, bob, signed):
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_export_csv", args=[signed.pk]))
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    receipts = sorted(Signature.objects.values_list("receipt", flat=True))
    assert not any(receipt in text for receipt in receipts)
    assert sorted(r["receipt"] for r in rows) == sorted("••••••••" + receipt[-4:] for receipt in receipts)


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


@pytest.fixture
def commission_certificate(tmp_path, settings):
    """A commission's signing certificate (self-signed for the test) and its key, as PEM files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Central Election Commission (test)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "commission.crt", tmp_path / "commission.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    settings.RECALL_SUMMARY_SIGNING_CERT = str(cert_file)
    settings.RECALL_SUMMARY_SIGNING_KEY = str(key_file)
    return cert_file


def test_the_certified_summary_is_pades_signed_and_names_its_ledger_checkpoint(
    client, bob, signed, commission_certificate
):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from recall.models import LedgerCheckpoint
    from recall.services import ledger

    client.force_login(bob)
    content = client.get(reverse("admin:recall_petition_summary_pdf", args=[signed.pk])).content
    reader = PdfFileReader(io.BytesIO(content))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(commission_certificate))])
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert signature.field_name == "CommissionSignature"
    signed.refresh_from_db()
    checkpoint = LedgerCheckpoint.objects.filter(petition=signed).latest("size")
    assert checkpoint.size == signed.ledger_size
    subject = str(reader.trailer["/Info"]["/Subject"])
    assert subject == f"{ledger.origin(signed.pk)} {checkpoint.size} {ledger.b64(checkpoint.root_hash)}"
