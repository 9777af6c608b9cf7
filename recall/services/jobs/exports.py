"""Exports for the commission: a petition's signatures as CSV and PDF, and a one-page
certified summary. IINs are masked in every export; names are as the signers entered them.

The certified summary is the ledger: its counts (and sample) are the ledger's tally at the
checkpoint it names (signed for the occasion), it is refused when the signatures table
disagrees, signed as a PDF (PAdES, pyHanko) under the commission's certificate and key
(RECALL_SUMMARY_SIGNING_CERT / _KEY, required in production) with an RFC 3161 timestamp from
RECALL_TSA_URL (PAdES B-T), kept as issued (CertifiedSummary) and served on the petition's
public page. A reader validates it with pyHanko and compares it with the ledger with
tools/verify_ledger.py --summary."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from accounts.models import User

from ... import iin
from ...errors import PolicyViolation
from ...ledger import entries, sampling_draw
from ...models import (
    AWAITING_WORKERS,
    CertifiedSummary,
    Ground,
    LedgerCheckpoint,
    Petition,
    PetitionTransition,
    Signature,
    SignatureState,
)
from .. import audit, ledger
from ..ledger.alerts import raise_alarm
from ..public import public_cache
from ..verification import counts
from .csv_files import CsvLines

SUMMARY_MARK = "recall-summary/v1 "  # the PDF's subject: these, then the certified figures as JSON

COLUMNS = [
    "id",
    "receipt",
    "channel",
    "sheet",
    "line",
    "collector",
    "iin",
    "full_name",
    "signed_at",
    "state",
    "ground",
    "review_reasons",
    "decided_by",
    "decided_at",
    # Last, so that spreadsheets reading the columns before keep their places.
    "identity_strength",
]


def _rows(petition: Petition) -> Iterator[list[str]]:
    signatures = (
        Signature.objects.filter(petition=petition)
        .select_related("decided_by")
        .order_by("pk")
        .only(
            "pk",
            "receipt",
            "channel",
            "sheet_number",
            "sheet_line",
            "collector",
            "personal",
            "signed_at",
            "state",
            "ground",
            "review_reasons",
            "decided_by__username",
            "decided_at",
            "identity_strength",
        )
    )
    for s in signatures.iterator(chunk_size=2000):
        yield [
            str(s.pk),
            # Masked like the IIN: with the IIN, a receipt opens the signer's check and withdrawal.
            iin.mask(s.receipt or ""),
            s.channel,
            str(s.sheet_number or ""),
            str(s.sheet_line or ""),
            s.collector,
            iin.mask((s.personal or {}).get("iin", "")),
            (s.personal or {}).get("full_name", ""),
            timezone.localtime(s.signed_at).strftime("%Y-%m-%d %H:%M"),
            s.state,
            s.ground,
            ",".join(s.review_reasons or []),
            s.decided_by.username if s.decided_by else "",
            timezone.localtime(s.decided_at).strftime("%Y-%m-%d %H:%M") if s.decided_at else "",
            s.identity_strength,
        ]


def signatures_csv(petition: Petition) -> Iterator[str]:
    """CSV lines, streamed: a petition can hold tens of thousands of signatures."""
    lines = CsvLines()
    yield "\ufeff" + lines.line(COLUMNS)  # the BOM makes spreadsheet programs read UTF-8
    for row in _rows(petition):
        yield lines.line(row)


@cache
def _fonts() -> tuple[str, str]:
    for name, path in (("Recall", settings.RECALL_PDF_FONT), ("Recall-Bold", settings.RECALL_PDF_FONT_BOLD)):
        if not Path(path).is_file():
            raise ImproperlyConfigured(f"RECALL_PDF_FONT file not found: {path} (install fonts-dejavu-core)")
        pdfmetrics.registerFont(TTFont(name, path))
    return "Recall", "Recall-Bold"


def _fit(c: canvas.Canvas, text: str, width: float, font: str, size: float) -> str:
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text


# A long export reports its progress (and may be cancelled: the callback raises) every so many rows.
PROGRESS_EVERY = 500


def signatures_pdf(petition: Petition, progress: Callable[[int, int], None] | None = None) -> bytes:
    """A landscape table of every signature, drawn directly on the canvas (fast for many pages).
    ``progress(done, total)`` is called every ``PROGRESS_EVERY`` rows (recall.services.jobs.petition_jobs)."""
    total = Signature.objects.filter(petition=petition).count() if progress else 0
    regular, bold = _fonts()
    buffer = io.BytesIO()
    page_w, page_h = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(page_w, page_h))
    c.setTitle(_("Signatures of petition No. %(id)s") % {"id": petition.pk})
    # (key, heading, width in mm)
    columns = [
        ("id", "№", 16),
        ("channel", _("channel"), 16),
        ("sheet/line", _("sheet/line"), 20),
        ("iin", _("IIN"), 28),
        ("full_name", _("full name"), 70),
        ("signed_at", _("signed at"), 30),
        ("state", _("state"), 18),
        ("ground", _("ground"), 40),
        ("decided_by", _("decided by"), 25),
    ]
    margin, row_h, size = 10 * mm, 5 * mm, 7.5
    title = _("Petition No. %(id)s — %(deputy)s — %(district)s") % {
        "id": petition.pk,
        "deputy": petition.deputy,
        "district": petition.district,
    }

    def header(page: int) -> float:
        c.setFont(bold, 10)
        c.drawString(margin, page_h - margin, _fit(c, title, page_w - 2 * margin - 30 * mm, bold, 10))
        c.setFont(regular, 8)
        c.drawRightString(page_w - margin, page_h - margin, _("page %(n)s") % {"n": page})
        y = page_h - margin - 8 * mm
        x = margin
        c.setFont(bold, size)
        for _key, heading, width in columns:
            c.drawString(x, y, str(heading))
            x += width * mm
        c.line(margin, y - 1.5 * mm, page_w - margin, y - 1.5 * mm)
        return y - row_h

    page = 1
    y = header(page)
    for done, row in enumerate(_rows(petition)):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if y < margin:
            c.showPage()
            page += 1
            y = header(page)
        values = {
            "id": row[0],
            "channel": row[2],
            "sheet/line": f"{row[3]}/{row[4]}" if row[3] else "",
            "iin": row[6],
            "full_name": row[7],
            "signed_at": row[8],
            "state": row[9],
            "ground": row[10],
            "decided_by": row[12],
        }
        c.setFont(regular, size)
        x = margin
        for key, _heading, width in columns:
            c.drawString(x, y, _fit(c, values[key], width * mm - 1.5 * mm, regular, size))
            x += width * mm
        y -= row_h
    c.save()
    if progress:
        progress(total, total)
    return buffer.getvalue()


def ledger_figures(petition: Petition, checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    """What the summary certifies, from the ledger alone at ``checkpoint``: the tally of its
    entries and, if drawn by then, the sample and the projection its findings give. A verifier
    recomputes exactly these (tools/verify_ledger.py --summary); the PDF carries them for it."""
    events = ledger.events(petition.pk, checkpoint.size)
    counts = entries.tally(events)
    figures: dict[str, Any] = {
        "origin": ledger.origin(petition.pk),
        "size": checkpoint.size,
        "root_hash": ledger.b64(checkpoint.root_hash),
        "counts": {
            "received": counts.received,
            "valid": counts.counted,
            "invalid": counts.not_counted,
            "withdrawn": counts.withdrawn,
            "awaiting": counts.awaiting,
        },
        "sample": None,
    }
    samples = [e for e in events if isinstance(e, entries.SampleDrawn)]
    if samples:
        sample = samples[0]
        findings = {e.commitment: e for e in events if isinstance(e, entries.SampleFinding)}
        projected = None
        if len(findings) >= sample.size and sample.size:
            projected = sampling_draw.projection(
                raw=sample.population,
                sample=sample.size,
                valid=sum(f.counted for f in findings.values()),
                duplicates=sum(f.duplicate for f in findings.values()),
            )
        figures["sample"] = {
            "seed": sample.seed,
            "population": sample.population,
            "size": sample.size,
            "valid": sum(f.counted for f in findings.values()),
            "duplicates": sum(f.duplicate for f in findings.values()),
            "projected_valid": str(projected) if projected is not None else None,
        }
    return figures


def _table_counts(petition: Petition) -> dict[str, int]:
    """The same counts from the signatures table (what the ledger must agree with)."""
    truth = counts.truth(petition.pk)
    return {
        "received": truth["received_count"],
        "valid": truth["valid_count"],
        "invalid": truth["invalid_count"],
        "withdrawn": truth["withdrawn_count"],
        "awaiting": truth["review_count"],
    }


def summary(petition: Petition) -> dict[str, Any]:
    by_ground = dict(
        Signature.objects.filter(petition=petition, state=SignatureState.INVALID)
        .values_list("ground")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "by_ground": {Ground(g).label: n for g, n in sorted(by_ground.items(), key=lambda kv: -kv[1])},
        "certification": PetitionTransition.objects.filter(
            petition=petition, to_state__in=["sufficient", "insufficient"]
        )
        .select_related("actor")
        .last(),
    }


def summary_pdf(petition: Petition, *, printed_by: Any) -> tuple[bytes, LedgerCheckpoint, dict[str, bool]]:
    """One page: the requirement, the ledger's counts at a checkpoint signed now, the sample and
    the certification; PAdES-signed under the commission's certificate and timestamped (RFC
    3161). Refused when the signatures table and the ledger disagree: the certificate is the
    ledger, and a difference is tampering to investigate, never to certify."""
    ledger.sign_checkpoint(petition.pk)  # the ledger as it is now, under a signed checkpoint
    checkpoint = LedgerCheckpoint.objects.filter(petition=petition).order_by("-size", "-signed_at").first()
    if checkpoint is None or checkpoint.size != Petition.objects.get(pk=petition.pk).ledger_size:
        raise PolicyViolation(_("The ledger grew meanwhile; issue the summary again."), code="ledger_moved")
    figures = ledger_figures(petition, checkpoint)
    table = _table_counts(petition)
    if Signature.objects.filter(petition=petition, state__in=AWAITING_WORKERS).exists():
        raise PolicyViolation(
            _("Signatures still wait for the machine check; issue the summary after it."), code="verification_backlog"
        )
    if table != figures["counts"]:
        raise_alarm(
            petition.pk,
            "ledger.counts_differ",
            _("The signatures table and the public ledger disagree; the certified summary was refused."),
            table=table,
            ledger=figures["counts"],
            checkpoint=checkpoint.size,
        )
        raise PolicyViolation(
            _("The signatures differ from the public ledger (%(table)s against %(ledger)s): nothing is certified.")
            % {"table": table, "ledger": figures["counts"]},
            code="ledger_differs",
        )
    page = _summary_page(petition, printed_by=printed_by, checkpoint=checkpoint, figures=figures)
    signed, how = sign_pdf(page, petition)
    return signed, checkpoint, how


def issue_certified_summary(petition_id: int, *, actor_id: int | None = None, actor: Any = None) -> CertifiedSummary:
    """Issue and keep the certified summary (the public page serves the latest)."""
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    if actor is None and actor_id is not None:
        actor = User.objects.filter(pk=actor_id).first()
    printed_by = actor or _("the system")
    content, checkpoint, how = summary_pdf(petition, printed_by=printed_by)
    issued = CertifiedSummary.objects.create(
        petition=petition,
        checkpoint_size=checkpoint.size,
        root_hash=bytes(checkpoint.root_hash),
        pdf=content,
        signed=how["signed"],
        timestamped=how["timestamped"],
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record("summary.issued", actor=actor, petition_id=petition.pk, obj=issued, checkpoint=checkpoint.size, **how)
    public_cache.changed(petition.pk, content=True)  # the public page links it
    return issued


def _summary_page(
    petition: Petition, *, printed_by: Any, checkpoint: LedgerCheckpoint, figures: dict[str, Any]
) -> bytes:
    regular, bold = _fonts()
    data = summary(petition)
    buffer = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle(_("Certified summary of petition No. %(id)s") % {"id": petition.pk})
    # For programs (tools/verify_ledger.py --summary): the figures certified, as canonical JSON.
    c.setSubject(SUMMARY_MARK + json.dumps(figures, sort_keys=True, separators=(",", ":")))
    x, y = 20 * mm, height - 25 * mm

    def line(text: str, *, font: str = regular, size: float = 10, gap: float = 6 * mm) -> None:
        nonlocal y
        c.setFont(font, size)
        c.drawString(x, y, _fit(c, str(text), width - 2 * x, font, size))
        y -= gap

    def when(moment: Any) -> str:
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"

    line(_("Recall petition No. %(id)s: certified summary") % {"id": petition.pk}, font=bold, size=14, gap=9 * mm)
    line(_("Deputy: %(deputy)s") % {"deputy": petition.deputy})
    line(
        _("District: %(district)s (%(region)s)")
        % {"district": petition.district, "region": petition.district.region_local}
    )
    line(_("State: %(state)s") % {"state": petition.get_state_display()})
    if petition.window_start:
        line(
            _("Collection: %(start)s — %(end)s")
            % {"start": when(petition.window_start), "end": when(petition.window_end)}
        )
    line(
        _("Registered voters at registration: %(voters)s; threshold %(percent)s%%; required signatures: %(required)s")
        % {
            "voters": petition.registered_voters,
            "percent": petition.threshold_percent,
            "required": petition.required_signatures,
        },
        gap=9 * mm,
    )
    counted = figures["counts"]
    line(_("Signatures, as the public ledger counts them"), font=bold, size=11)
    for label, n in (
        (_("received"), counted["received"]),
        (_("valid"), counted["valid"]),
        (_("invalid"), counted["invalid"]),
        (_("withdrawn"), counted["withdrawn"]),
        (_("awaiting an official"), counted["awaiting"]),
    ):
        line(f"    {label}: {n}")
    y -= 3 * mm
    if data["by_ground"]:
        line(_("Invalid signatures by ground"), font=bold, size=11)
        for label, n in data["by_ground"].items():
            line(f"    {label}: {n}")
        y -= 3 * mm
    sample = figures["sample"]
    if sample is not None:
        line(_("Random sample"), font=bold, size=11)
        line(
            "    "
            + _("Seed %(seed)s; %(size)s of %(raw)s signatures")
            % {"seed": sample["seed"], "size": sample["size"], "raw": sample["population"]}
        )
        line(
            "    "
            + _("Valid in the sample: %(valid)s; duplicates: %(dups)s")
            % {"valid": sample["valid"], "dups": sample["duplicates"]}
        )
        if sample["projected_valid"] is not None:
            line("    " + _("Projected valid: %(projected)s") % {"projected": sample["projected_valid"]}, gap=9 * mm)
    certification = data["certification"]
    if certification is not None:
        who = (
            (certification.actor.get_full_name() or certification.actor.username)
            if certification.actor
            else _("system")
        )
        line(_("Certification"), font=bold, size=11)
        line(f"    {certification.get_to_state_display()} — {who}, {when(certification.at)}", gap=9 * mm)
    line(_("Public ledger"), font=bold, size=11)
    line("    " + _("Origin: %(origin)s") % {"origin": figures["origin"]})
    line("    " + _("Certified checkpoint: %(size)s entries, root hash") % {"size": checkpoint.size})
    line("        " + figures["root_hash"], size=9)
    line(
        "    "
        + _("Verify it: python3 tools/verify_ledger.py <site> %(id)s --summary <this file> --vkey")
        % {"id": petition.pk}
    )
    line("        " + ledger.signer().vkey, size=8)
    y = 40 * mm
    line(_("Printed %(at)s by %(who)s") % {"at": when(timezone.now()), "who": printed_by}, size=9)
    line(_("Signature of the commission's secretary: ______________________    Seal"), size=10)
    c.showPage()
    c.save()
    return buffer.getvalue()


@cache
def _pdf_signer(cert: str, key: str, chain: tuple[str, ...], passphrase: str) -> Any:
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(
        key, cert, ca_chain_files=chain, key_passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise ImproperlyConfigured("RECALL_SUMMARY_SIGNING_CERT / _KEY could not be loaded.")
    return signer


@cache
def _timestamper(url: str, policy: str, username: str, password: str, timeout: int) -> Any:
    """An RFC 3161 client for the configured TSA, reused (pyHanko caches a size probe per instance)."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import HTTPTimeStamper

    class PolicyTimeStamper(HTTPTimeStamper):
        """Asks the TSA for a policy (TimeStampReq.reqPolicy), as the NCA's service expects."""

        def request_cms(self, message_digest: bytes, md_algorithm: str) -> Any:
            nonce, request = super().request_cms(message_digest, md_algorithm)
            if not policy:
                return nonce, request
            fields = {
                k: request[k]
                for k in ("version", "message_imprint", "nonce", "cert_req")
                if request[k].native is not None
            }
            return nonce, tsp.TimeStampReq({**fields, "req_policy": policy})

    auth = (username, password) if username else None
    return PolicyTimeStamper(url, timeout=timeout, auth=auth)


def signing_configured() -> bool:
    return bool(settings.RECALL_SUMMARY_SIGNING_CERT and settings.RECALL_SUMMARY_SIGNING_KEY)


def sign_pdf(pdf: bytes, petition: Petition) -> tuple[bytes, dict[str, bool]]:
    """Sign ``pdf`` with the commission's certificate (PAdES), timestamped by the configured TSA
    (PAdES B-T). Without a certificate: refused where RECALL_SUMMARY_REQUIRE_SIGNATURE is on
    (production), unsigned elsewhere (development). Returns the PDF and what was done."""
    if not signing_configured():
        if settings.RECALL_SUMMARY_REQUIRE_SIGNATURE:
            raise ImproperlyConfigured(
                "The certified summary needs the commission's certificate and key "
                "(RECALL_SUMMARY_SIGNING_CERT and RECALL_SUMMARY_SIGNING_KEY)."
            )
        return pdf, {"signed": False, "timestamped": False}
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _pdf_signer(
        settings.RECALL_SUMMARY_SIGNING_CERT,
        settings.RECALL_SUMMARY_SIGNING_KEY,
        tuple(settings.RECALL_SUMMARY_SIGNING_CHAIN),
        settings.RECALL_SUMMARY_SIGNING_PASSPHRASE or "",
    )
    timestamper = None
    if settings.RECALL_TSA_URL:
        timestamper = _timestamper(
            settings.RECALL_TSA_URL,
            settings.RECALL_TSA_POLICY,
            settings.RECALL_TSA_USERNAME,
            settings.RECALL_TSA_PASSWORD,
            settings.RECALL_TSA_TIMEOUT_SECONDS,
        )
    elif settings.RECALL_SUMMARY_REQUIRE_SIGNATURE:
        raise ImproperlyConfigured("The certified summary needs a timestamp authority (RECALL_TSA_URL).")
    meta = signers.PdfSignatureMetadata(
        field_name="CommissionSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Certified summary of petition No. %(id)s") % {"id": petition.pk},
        location=settings.RECALL_SUMMARY_SIGNING_LOCATION or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer).getvalue()
    return signed, {"signed": True, "timestamped": timestamper is not None}
