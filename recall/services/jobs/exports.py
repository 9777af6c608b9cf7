"""Exports for the commission: a petition's signatures as CSV and PDF, and a one-page
certified summary. IINs are masked in every export; names are as the signers entered them.

The certified summary names the public ledger's checkpoint it certifies (size and root hash,
signed for the occasion if the ledger grew) and is signed as a PDF (PAdES baseline B, pyHanko)
under the commission's certificate and key (RECALL_SUMMARY_SIGNING_CERT / _KEY), so a reader
checks it in any PDF reader and against the ledger with tools/verify_ledger.py."""

from __future__ import annotations

import csv
import io
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

from ... import iin
from ...models import Ground, LedgerCheckpoint, Petition, PetitionTransition, SampleRun, Signature, SignatureState
from .. import ledger

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
        ]


def _cell(value: str) -> str:
    """Text a signer typed must not run as a spreadsheet formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def signatures_csv(petition: Petition) -> Iterator[str]:
    """CSV lines, streamed: a petition can hold tens of thousands of signatures."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # the BOM makes spreadsheet programs read UTF-8
    for row in _rows(petition):
        yield writer.writerow([_cell(value) for value in row])


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


def summary(petition: Petition) -> dict[str, Any]:
    by_state = dict(Signature.objects.filter(petition=petition).values_list("state").annotate(n=Count("pk")).order_by())
    by_ground = dict(
        Signature.objects.filter(petition=petition, state=SignatureState.INVALID)
        .values_list("ground")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "by_state": {s.label: by_state.get(s.value, 0) for s in SignatureState},
        "by_ground": {Ground(g).label: n for g, n in sorted(by_ground.items(), key=lambda kv: -kv[1])},
        "sample": SampleRun.objects.filter(petition=petition, closed_at__isnull=False).order_by("-closed_at").first(),
        "certification": PetitionTransition.objects.filter(
            petition=petition, to_state__in=["sufficient", "insufficient"]
        )
        .select_related("actor")
        .last(),
    }


def summary_pdf(petition: Petition, *, printed_by: Any) -> bytes:
    """One page: the requirement, the counts by state and ground, the sample, the certification,
    the ledger checkpoint it certifies; PAdES-signed when the commission's key is configured."""
    ledger.sign_checkpoint(petition.pk)  # the ledger as it is now, under a signed checkpoint
    checkpoint = LedgerCheckpoint.objects.filter(petition=petition).order_by("-size", "-signed_at").first()
    return sign_pdf(_summary_page(petition, printed_by=printed_by, checkpoint=checkpoint), petition)


def _summary_page(petition: Petition, *, printed_by: Any, checkpoint: LedgerCheckpoint | None) -> bytes:
    regular, bold = _fonts()
    data = summary(petition)
    buffer = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle(_("Certified summary of petition No. %(id)s") % {"id": petition.pk})
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
    line(_("Signatures by state"), font=bold, size=11)
    for label, n in data["by_state"].items():
        line(f"    {label}: {n}")
    line("    " + _("Total received: %(n)s") % {"n": sum(data["by_state"].values())}, gap=9 * mm)
    if data["by_ground"]:
        line(_("Invalid signatures by ground"), font=bold, size=11)
        for label, n in data["by_ground"].items():
            line(f"    {label}: {n}")
        y -= 3 * mm
    run = data["sample"]
    if run is not None:
        line(_("Random sample"), font=bold, size=11)
        line(
            "    "
            + _("Seed %(seed)s; %(size)s of %(raw)s signatures")
            % {"seed": run.seed, "size": run.sample_size, "raw": run.population_size}
        )
        line(
            "    "
            + _("Valid in the sample: %(valid)s; duplicates: %(dups)s")
            % {"valid": run.valid_in_sample, "dups": run.duplicates_in_sample}
        )
        line(
            "    "
            + _("Projected valid: %(projected)s; outcome: %(outcome)s")
            % {"projected": run.projected_valid, "outcome": run.get_outcome_display()},
            gap=9 * mm,
        )
    certification = data["certification"]
    if certification is not None:
        who = (
            (certification.actor.get_full_name() or certification.actor.username)
            if certification.actor
            else _("system")
        )
        line(_("Certification"), font=bold, size=11)
        line(f"    {certification.get_to_state_display()} — {who}, {when(certification.at)}", gap=9 * mm)
    if checkpoint is not None:
        # Also in the document's subject, for a program to read: origin, size, root.
        c.setSubject(f"{ledger.origin(petition.pk)} {checkpoint.size} {ledger.b64(checkpoint.root_hash)}")
        line(_("Public ledger"), font=bold, size=11)
        line("    " + _("Origin: %(origin)s") % {"origin": ledger.origin(petition.pk)})
        line("    " + _("Certified checkpoint: %(size)s entries, root hash") % {"size": checkpoint.size})
        line("        " + ledger.b64(checkpoint.root_hash), size=9)
        line("    " + _("Verify it: python3 tools/verify_ledger.py <site> %(id)s --vkey") % {"id": petition.pk})
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


def sign_pdf(pdf: bytes, petition: Petition) -> bytes:
    """Sign ``pdf`` (PAdES baseline B) with the commission's certificate; unchanged when none is
    configured (a development set-up: production configures one, see docs/architecture.md)."""
    cert, key = settings.RECALL_SUMMARY_SIGNING_CERT, settings.RECALL_SUMMARY_SIGNING_KEY
    if not (cert and key):
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _pdf_signer(
        cert, key, tuple(settings.RECALL_SUMMARY_SIGNING_CHAIN), settings.RECALL_SUMMARY_SIGNING_PASSPHRASE or ""
    )
    meta = signers.PdfSignatureMetadata(
        field_name="CommissionSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Certified summary of petition No. %(id)s") % {"id": petition.pk},
        location=settings.RECALL_SUMMARY_SIGNING_LOCATION or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()
