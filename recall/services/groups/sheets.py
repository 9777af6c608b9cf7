"""Numbered paper signature sheets: the initiative group issues a batch per collector and
prints it (PDF, in Kazakh or Russian); the commission's paper import then accepts only issued
sheet numbers and takes each sheet's collector from its batch (recall.services.verification.paper_import).

A sheet carries the fields the law asks of a signer (full name, IIN, date of birth, address,
date of signing, signature), and the petition and the sheet number both printed and as a QR
code, so a scanned sheet is matched without retyping its number.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ...errors import InvalidInput, PolicyViolation
from ...models import GroupDraftMember, Petition, PetitionState, SheetBatch
from ..jobs.exports import _fit, _fonts

LINES_PER_SHEET = 10
MAX_SHEETS_PER_BATCH = 200
# Sheets are printed while signatures can still be gathered on paper.
ISSUING_STATES = (PetitionState.REGISTERED, PetitionState.COLLECTING, PetitionState.THRESHOLD_REACHED)
SHEET_LANGUAGES = ("kk", "ru")


def issue_batch(member: GroupDraftMember, *, collector: str, count: int) -> SheetBatch:
    petition = member.draft.petition
    if petition is None or petition.state not in ISSUING_STATES:
        raise PolicyViolation(_("Sheets are issued once the commission has registered the petition."), code="not_yet")
    collector = collector.strip()
    if not collector:
        raise InvalidInput(_("Name the collector."), field="collector", code="required")
    if not 1 <= count <= MAX_SHEETS_PER_BATCH:
        raise InvalidInput(
            _("Issue from 1 to %(n)s sheets at a time.") % {"n": MAX_SHEETS_PER_BATCH}, field="count", code="invalid"
        )
    with transaction.atomic():
        # The petition's row lock numbers batches one after another: no two share a sheet.
        Petition.objects.select_for_update().filter(pk=petition.pk).first()
        last = SheetBatch.objects.filter(petition=petition).aggregate(m=Max("last_number"))["m"] or 0
        return SheetBatch.objects.create(
            petition=petition,
            collector=collector[:200],
            first_number=last + 1,
            last_number=last + count,
            issued_by=member,
        )


def issued_sheets(petition_id: int) -> dict[int, str] | None:
    """Sheet number → collector for every issued sheet; None if the group issued none (sheets
    printed by the commission itself, the way before this service, are then accepted as before)."""
    batches = list(
        SheetBatch.objects.filter(petition_id=petition_id).values_list("first_number", "last_number", "collector")
    )
    if not batches:
        return None
    return {n: collector for first, last, collector in batches for n in range(first, last + 1)}


def qr_payload(petition_id: int, sheet: int) -> str:
    return f"{settings.SITE_URL}/petitions/{petition_id}/?sheet={sheet}"


def _qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as squares (no image library needed)."""
    matrix = segno.make(text, error="m").matrix
    cell = size / len(matrix)
    for row, bits in enumerate(matrix):
        for col, bit in enumerate(bits):
            if bit:
                c.rect(x + col * cell, y + size - (row + 1) * cell, cell, cell, stroke=0, fill=1)


COLUMN_WIDTHS_MM = (12, 62, 32, 26, 70, 26, 30)


def sheet_columns() -> list[str]:
    """The columns of a sheet, in the active language: the signer's data the law asks for."""
    return [
        _("No."),
        _("Full name"),
        _("IIN"),
        _("Date of birth"),
        _("Address of residence"),
        _("Date of signing"),
        _("Signature"),
    ]


def batch_pdf(batch: SheetBatch, *, language: str) -> bytes:
    if language not in SHEET_LANGUAGES:
        raise InvalidInput(_("Sheets are printed in Kazakh or Russian."), field="language", code="invalid")
    petition = Petition.objects.select_related("deputy", "district").get(pk=batch.petition_id)
    regular, bold = _fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height))
    with translation.override(language):
        title = _("Signature sheet for the recall of a deputy")
        columns = list(zip(sheet_columns(), COLUMN_WIDTHS_MM, strict=True))
        heading = _("Petition No. %(id)s to recall %(deputy)s, %(district)s") % {
            "id": petition.pk,
            "deputy": petition.deputy.name_as_object,
            "district": petition.district.name_local,
        }
        for number in range(batch.first_number, batch.last_number + 1):
            top = height - 15 * mm
            c.setFont(bold, 13)
            c.drawString(15 * mm, top, title)
            c.setFont(regular, 10)
            c.drawString(15 * mm, top - 7 * mm, _fit(c, heading, width - 75 * mm, regular, 10))
            c.setFont(bold, 12)
            c.drawString(15 * mm, top - 15 * mm, _("Sheet No. %(n)s") % {"n": number})
            c.setFont(regular, 9)
            c.drawString(
                15 * mm,
                top - 21 * mm,
                _fit(c, _("Collector: %(name)s") % {"name": batch.collector}, 150 * mm, regular, 9),
            )
            _qr(c, qr_payload(petition.pk, number), width - 45 * mm, top - 28 * mm, 30 * mm)
            y = top - 36 * mm
            row_height = 12 * mm
            x = 15 * mm
            c.setFont(bold, 8)
            for label, w in columns:
                c.rect(x, y - 8 * mm, w * mm, 8 * mm)
                c.drawString(x + 1.5 * mm, y - 5.5 * mm, _fit(c, label, (w - 3) * mm, bold, 8))
                x += w * mm
            y -= 8 * mm
            c.setFont(regular, 9)
            for line in range(1, LINES_PER_SHEET + 1):
                x = 15 * mm
                for i, (_label, w) in enumerate(columns):
                    c.rect(x, y - row_height, w * mm, row_height)
                    if i == 0:
                        c.drawString(x + 2 * mm, y - 7 * mm, str(line))
                    x += w * mm
                y -= row_height
            c.setFont(regular, 8)
            c.drawString(
                15 * mm,
                12 * mm,
                _("Collector's signature and date: ______________    Printed %(date)s")
                % {"date": f"{timezone.localdate():%d.%m.%Y}"},
            )
            c.showPage()
    c.save()
    return buffer.getvalue()
