"""The commission's exports (recall.services.jobs.exports), downloaded from the petition's admin page:
signatures as CSV and PDF with masked IINs, the certified summary, inside the jurisdiction."""

import csv
import io
import json

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


def _certificate(name, key, *, issuer=None, issuer_key=None, ca=False, time_stamping=False):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, ca, ca, False, False), critical=True)
    )
    if time_stamping:  # RFC 3161 2.3: a TSA's certificate has this one purpose, critical
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture
def commission_certificate(tmp_path, settings):
    """A commission's signing certificate (self-signed for the test) and its key, as PEM files."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate("Central Election Commission (test)", key, ca=True)
    cert_file, key_file = tmp_path / "commission.crt", tmp_path / "commission.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    settings.RECALL_SUMMARY_SIGNING_CERT = str(cert_file)
    settings.RECALL_SUMMARY_SIGNING_KEY = str(key_file)
    return cert_file


@pytest.fixture
def timestamp_authority(settings):
    """A stand-in RFC 3161 timestamp authority over HTTP (pyHanko's DummyTimeStamper behind a
    loopback server: the real HTTP client path), and its certificate."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate("Test TSA", key, time_stamping=True)
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    dummy = DummyTimeStamper(tsa_cert=asn1_cert, tsa_key=asn1_key)
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers["Content-Type"])
            answer = dummy.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    settings.RECALL_TSA_URL = f"http://127.0.0.1:{server.server_port}/tsa"
    from recall.services.jobs import exports

    exports._timestamper.cache_clear()
    yield asn1_cert, requests
    server.shutdown()
    server.server_close()


def test_the_certified_summary_is_the_ledger_signed_timestamped_and_public(
    client, bob, signed, commission_certificate, timestamp_authority, settings
):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from recall.models import LedgerCheckpoint
    from recall.services import ledger

    tsa_cert, tsa_requests = timestamp_authority
    settings.RECALL_SUMMARY_REQUIRE_SIGNATURE = True
    assert client.get(f"/en/petitions/{signed.pk}/certified-summary.pdf").status_code == 404
    client.force_login(bob)
    content = client.get(reverse("admin:recall_petition_summary_pdf", args=[signed.pk])).content
    reader = PdfFileReader(io.BytesIO(content))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(commission_certificate)), tsa_cert], allow_fetching=False
    )
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted  # PAdES B-T
    assert tsa_requests and set(tsa_requests) == {"application/timestamp-query"}
    signed.refresh_from_db()
    checkpoint = LedgerCheckpoint.objects.filter(petition=signed).latest("size")
    assert checkpoint.size == signed.ledger_size
    subject = str(reader.trailer["/Info"]["/Subject"])
    assert subject.startswith("recall-summary/v1 ")
    figures = json.loads(subject.removeprefix("recall-summary/v1 "))
    assert figures["size"] == checkpoint.size and figures["root_hash"] == ledger.b64(checkpoint.root_hash)
    assert figures["counts"] == {"received": 6, "valid": 5, "invalid": 0, "withdrawn": 0, "awaiting": 1}
    # Anyone downloads exactly what was issued, from the petition's public page.
    client.logout()
    page = client.get(f"/en/petitions/{signed.pk}/").content.decode()
    assert f"/en/petitions/{signed.pk}/certified-summary.pdf" in page and "timestamped" in page
    assert client.get(f"/en/petitions/{signed.pk}/certified-summary.pdf").content == content


def test_a_summary_is_refused_when_the_signatures_differ_from_the_ledger(client, bob, signed, mailoutbox, settings):
    from recall.models import AuditEntry, CertifiedSummary

    settings.LANGUAGE_CODE = "en"  # the commission's notices' language, to read the alarm below
    # An insider flips a signature to valid and adjusts the counts: only the ledger disagrees.
    flipped = Signature.objects.filter(petition=signed, state="review").get()
    Signature.objects.filter(pk=flipped.pk).update(state="valid")
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_summary_pdf", args=[signed.pk]), follow=True)
    assert "differ from the public ledger" in response.content.decode()
    assert not CertifiedSummary.objects.exists()
    assert AuditEntry.objects.filter(action="ledger.counts_differ", petition_id=signed.pk).exists()
    assert mailoutbox and "Public ledger alarm" in mailoutbox[0].subject


def test_production_refuses_an_unsigned_summary(bob, signed, settings):
    from django.core.exceptions import ImproperlyConfigured

    from recall.services.jobs import exports

    settings.RECALL_SUMMARY_REQUIRE_SIGNATURE = True
    with pytest.raises(ImproperlyConfigured, match="commission's certificate and key"):
        exports.issue_certified_summary(signed.pk, actor=bob)


def test_the_nightly_reconciliation_compares_the_signatures_with_the_ledger(bob, signed, mailoutbox, settings):
    from recall.models import AuditEntry, Petition
    from recall.services.verification import counts

    settings.LANGUAGE_CODE = "en"
    assert counts.reconcile([signed.pk]) == {} and not AuditEntry.objects.filter(action="ledger.counts_differ")
    # A signature flipped invalid-to-valid, the counts adjusted to match: caught only by the ledger.
    flipped = Signature.objects.filter(petition=signed, state="review").get()
    Signature.objects.filter(pk=flipped.pk).update(state="valid")
    Petition.objects.filter(pk=signed.pk).update(valid_count=6, review_count=0)
    counts.reconcile([signed.pk])
    alarm = AuditEntry.objects.get(action="ledger.counts_differ", petition_id=signed.pk)
    assert alarm.details["counts"]["valid_count"] == {"signatures": 6, "ledger": 5}
    assert mailoutbox and f"petition No. {signed.pk}" in mailoutbox[-1].subject


def test_the_csv_says_what_each_signature_proved(client, bob, signed):
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_export_csv", args=[signed.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert {r["identity_strength"] for r in rows} == {"phone"}
