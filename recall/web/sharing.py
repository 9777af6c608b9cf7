"""What a petition looks like where people pass it on: the links that share it (WhatsApp and
Telegram, how petitions spread in Kazakhstan, and a copy of the link), the Open Graph and
Twitter card tags of its page, and the picture those tags name: the progress, drawn as a PNG
on the server (Pillow, with the DejaVu fonts the PDF exports use), since messengers do not
render SVG.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from .. import charts
from ..l10n import number
from ..models import DailyTally, Petition, PetitionState
from ..services.public.stations import Breakdown

CARD_SIZE = (1200, 630)  # what Open Graph and Twitter's large card show without cropping


@dataclass(frozen=True)
class Share:
    url: str  # the petition's page, absolute
    title: str
    description: str
    image: str  # the card, absolute
    whatsapp: str
    telegram: str


def title_of(petition: Petition) -> str:
    return _("Recall of %(name)s") % {"name": petition.deputy.name_as_object}


def description_of(petition: Petition) -> str:
    if petition.required_signatures:
        counted = _("%(valid)s valid signatures of %(required)s required (%(percent)s%%).") % {
            "valid": number(petition.valid_count),
            "required": number(petition.required_signatures),
            "percent": petition.progress_percent,
        }
    else:
        counted = ""
    return " ".join(
        filter(
            None,
            [petition.district.name_local + ".", counted, str(PetitionState(petition.state).label).capitalize() + "."],
        )
    )


def share_links(request: HttpRequest, petition: Petition, *, description: str | None = None) -> Share:
    """``description``: what to show instead of the petition's (its count changes; the page
    puts a live part there)."""
    url = request.build_absolute_uri(reverse("recall:petition", args=[petition.pk]))
    title = title_of(petition)
    return Share(
        url=url,
        title=title,
        description=description_of(petition) if description is None else description,
        image=request.build_absolute_uri(reverse("recall:card", args=[petition.pk])),
        whatsapp="https://wa.me/?" + urlencode({"text": f"{title}: {url}"}, quote_via=quote),
        telegram="https://t.me/share/url?" + urlencode({"url": url, "text": title}, quote_via=quote),
    )


def stations_chart(found: Breakdown) -> SafeString:
    rows = [(_("No. %(n)s") % {"n": s.name}, s.valid) for s in found.stations]
    if found.other_valid:
        rows.append((_("Other stations (%(n)s)") % {"n": found.other_stations}, found.other_valid))
    summary = "; ".join(f"{name}: {n}" for name, n in rows)
    return charts.stations_svg(rows, title=_("Valid signatures by polling station"), summary=summary)


# --- The card ---------------------------------------------------------------------------------

BRAND, INK, MUTED, GREEN, TRACK, RED = "#003b70", "#1b1b1b", "#4a4a4a", "#00703c", "#dfe3e6", "#a33333"


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(settings.RECALL_PDF_FONT_BOLD if bold else settings.RECALL_PDF_FONT, size)


def _lines(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int, most: int) -> list[str]:
    """``text`` wrapped to ``width`` pixels, at most ``most`` lines (the last one cut with "…")."""
    for chars in range(60, 10, -2):
        lines = textwrap.wrap(text, chars)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            break
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip(" ,.") + "…"
    return lines


def card_png(petition: Petition) -> bytes:
    """The petition's progress as a 1200 x 630 PNG: who, where, the count against the
    requirement, a bar, and the valid signatures over the window."""
    width, height = CARD_SIZE
    image = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(image)
    pad = 60
    draw.rectangle([0, 0, width, 84], fill=BRAND)
    draw.text((pad, 24), _("Deputy recall petitions"), font=_font(30, bold=True), fill="white")
    y = 116
    title_font = _font(52, bold=True)
    for line in _lines(draw, title_of(petition), title_font, width - 2 * pad, 2):
        draw.text((pad, y), line, font=title_font, fill=INK)
        y += 64
    place_font = _font(30)
    for line in _lines(draw, petition.district.name_local, place_font, width - 2 * pad, 1):
        draw.text((pad, y + 6), line, font=place_font, fill=MUTED)
    y += 70
    valid = formats.number_format(petition.valid_count, force_grouping=True)
    if petition.required_signatures:
        required = formats.number_format(petition.required_signatures, force_grouping=True)
        big = _font(96, bold=True)
        draw.text((pad, y), valid, font=big, fill=GREEN)
        x = pad + draw.textlength(valid, font=big) + 20
        draw.text(
            (x, y + 44),
            _("of %(required)s required (%(percent)s%%)")
            % {
                "required": required,
                "percent": petition.progress_percent,
            },
            font=_font(36),
            fill=INK,
        )
        y += 130
        share = min(petition.valid_count / petition.required_signatures, 1.0)
        draw.rounded_rectangle([pad, y, width - pad, y + 36], radius=18, fill=TRACK)
        if share > 0:
            draw.rounded_rectangle([pad, y, pad + max(36, (width - 2 * pad) * share), y + 36], radius=18, fill=GREEN)
        y += 60
        _sparkline(draw, petition, box=(pad, y, width - pad, height - 40))
    else:
        draw.text((pad, y), str(petition.get_state_display()).capitalize(), font=_font(44, bold=True), fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _sparkline(draw: ImageDraw.ImageDraw, petition: Petition, *, box: tuple[int, int, int, int]) -> None:
    """Valid signatures over the window, a step line against the requirement's dashed line."""
    if petition.window_start is None or petition.window_end is None:
        return
    left, top, right, bottom = box
    start = timezone.localtime(petition.window_start).date()
    end = max(timezone.localtime(petition.window_end).date(), start)
    span = max((end - start).days, 1)
    days = list(DailyTally.objects.filter(petition=petition).order_by("day").values_list("day", "valid"))
    total_valid = DailyTally.objects.filter(petition=petition).aggregate(n=Sum("valid"))["n"] or 0
    top_value = max(petition.required_signatures or 0, total_valid, 1) * 1.1

    def at(day, value):
        return (
            left + (right - left) * min(max((day - start).days, 0), span) / span,
            bottom - (bottom - top) * value / top_value,
        )

    required_y = at(start, petition.required_signatures)[1]
    for x in range(left, right, 24):
        draw.line([(x, required_y), (min(x + 12, right), required_y)], fill=RED, width=3)
    points, total = [at(start, 0)], 0
    for day, valid in days:
        points.append(at(day, total))
        total += valid
        points.append(at(day, total))
    points.append(at(min(max(timezone.localdate(), days[-1][0] if days else start), end), total))
    draw.line(points, fill=GREEN, width=5, joint="curve")
    draw.line([(left, bottom), (right, bottom)], fill=TRACK, width=2)
