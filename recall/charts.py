"""Server-rendered SVG charts: valid signatures over time against the requirement and the
collection window, and the valid signatures by polling station. No JavaScript and no inline
style (the Content-Security-Policy allows neither), with a text alternative for screen readers.
Used by the petition pages of the public site and of the officials' workspace.

    {% load charts %}{% progress_chart petition %}

An SVG scales its text with its box, so one drawing cannot be legible on a 390 px phone and
sensible on a laptop: the chart is drawn twice, at a phone's width and at a laptop's, each with
13-unit text that shows at 12-14 px where it is shown (site.css shows one of the two by the
screen's width). Labels are placed where they collide with no line and no other label
(``Layout.collisions`` lists what would; the tests hold it to none).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import l10n
from .l10n import number
from .l10n import text as _  # gettext, once per language (and still found by makemessages)

FONT = 13  # user units; each size below is drawn so that this shows at 12-14 px
# The two drawings: (name, width, height). "narrow" shows on screens under 40rem (site.css), a
# 390 px phone giving it about 358 px: 13 units show as 12.9 px. "wide" shows at up to 640 px.
SIZES = (("narrow", 360, 240), ("wide", 640, 280))
RIGHT, TOP, BOTTOM = 12, 12, 30
CHAR = 0.62  # average advance of a sans-serif digit or letter, in ems (an estimate, on the safe side)


@dataclass(frozen=True)
class Point:
    day: dt.date
    total: int


def cumulative(days: list[tuple[dt.date, int]]) -> list[Point]:
    """Running totals from (day, valid that day) pairs in day order."""
    total, points = 0, []
    for day, valid in days:
        total += valid
        points.append(Point(day, total))
    return points


def nice_ticks(top: float, most: int = 5) -> list[int]:
    """Round values from 0 to at least ``top``, at most ``most`` + 1 of them: 0, 10, 20, ... 60
    rather than 0 and 52."""
    top = max(int(math.ceil(top)), 1)
    magnitude = 10 ** max(0, int(math.floor(math.log10(top))) - 1)
    for base in (1, 2, 5, 10, 20, 25, 50, 100):
        step = base * magnitude
        if math.ceil(top / step) <= most:
            return [step * i for i in range(int(math.ceil(top / step)) + 1)]
    step = 10 ** int(math.ceil(math.log10(top)))
    return [0, step]


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Does the segment a-b pass through the box (Liang-Barsky clipping)?"""
        (x0, y0), (x1, y1) = a, b
        dx, dy = x1 - x0, y1 - y0
        low, high = 0.0, 1.0
        for p, q in ((-dx, x0 - self.x0), (dx, self.x1 - x0), (-dy, y0 - self.y0), (dy, self.y1 - y0)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


def text_box(x: float, y: float, text: str, anchor: str = "start", size: float = FONT) -> Box:
    """The box a line of text occupies (``y`` is its baseline), estimated from its length."""
    width = len(text) * size * CHAR
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return Box(left, y - size * 0.8, left + width, y + size * 0.25)


@dataclass
class Layout:
    """What one drawing holds: its lines as segments and its labels as boxes, in user units."""

    width: int
    height: int
    segments: list[tuple[str, tuple[float, float], tuple[float, float]]] = field(default_factory=list)
    labels: list[tuple[str, str, Box]] = field(default_factory=list)  # (class, text, box)

    def collisions(self) -> list[str]:
        """Every label that overlaps another label, or a line that is not its own, or leaves the drawing."""
        found = []
        for i, (kind, text, box) in enumerate(self.labels):
            if box.x0 < 0 or box.y0 < 0 or box.x1 > self.width or box.y1 > self.height:
                found.append(f"{text!r} leaves the drawing")
            for _other_kind, other, other_box in self.labels[i + 1 :]:
                if box.overlaps(other_box):
                    found.append(f"{text!r} overlaps {other!r}")
            if kind == "chart-label":
                for line, a, b in self.segments:
                    if line != "chart-required" and box.crossed_by(a, b):
                        found.append(f"{text!r} is crossed by the {line} line")
        return found


def progress_layout(
    points: list[Point],
    *,
    required: int | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    projection: tuple[dt.date, int] | None,
    width: int,
    height: int,
) -> tuple[Layout, list[str]]:
    """The drawing's geometry and its SVG elements (without the outer <svg>)."""
    end = max(end, start + dt.timedelta(days=1))
    highest = max([required or 0, *(p.total for p in points), projection[1] if projection else 0, 1])
    ticks = nice_ticks(highest * 1.08)  # a little headroom above the requirement's label
    top_value = ticks[-1]
    tick_texts = [number(t) for t in ticks]
    left = 10 + max(len(t) for t in tick_texts) * FONT * CHAR
    plot_w, plot_h = width - left - RIGHT, height - TOP - BOTTOM
    span = (end - start).days or 1
    layout = Layout(width, height)

    def x(day: dt.date) -> float:
        return left + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top_value)

    parts = [f'<rect class="chart-plot" x="{left:.1f}" y="{TOP}" width="{plot_w:.1f}" height="{plot_h}"/>']
    for tick, text in zip(ticks, tick_texts, strict=True):
        if 0 < tick < top_value:
            parts.append(
                f'<line class="chart-grid" x1="{left:.1f}" y1="{y(tick):.1f}" x2="{left + plot_w:.1f}" y2="{y(tick):.1f}"/>'
            )
        baseline = y(tick) + FONT * 0.35
        layout.labels.append(("chart-axis", text, text_box(left - 6, baseline, text, "end")))
        parts.append(
            f'<text class="chart-axis" x="{left - 6:.1f}" y="{baseline:.1f}" text-anchor="end">{escape(text)}</text>'
        )
    if start <= today <= end:
        parts.append(
            f'<line class="chart-today" x1="{x(today):.1f}" y1="{TOP}" x2="{x(today):.1f}" y2="{TOP + plot_h}"/>'
        )
    if points:
        steps = [(x(start), y(0))]
        previous = 0
        for point in points:
            steps += [(x(point.day), y(previous)), (x(point.day), y(point.total))]
            previous = point.total
        steps.append((x(min(max(today, points[-1].day), end)), y(previous)))
        layout.segments += [("chart-line", a, b) for a, b in zip(steps, steps[1:], strict=False)]
        parts.append(f'<polyline class="chart-line" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in steps)}"/>')
    if projection and start <= today <= end:
        now_total = points[-1].total if points else 0
        a, b = (x(today), y(now_total)), (x(min(projection[0], end)), y(projection[1]))
        layout.segments.append(("chart-projection", a, b))
        parts.append(
            f'<line class="chart-projection" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}"/>'
        )
    for day, anchor, at in ((start, "start", left), (end, "end", left + plot_w)):
        text = l10n.day(day, "SHORT_DATE_FORMAT")
        baseline = height - 10
        layout.labels.append(("chart-axis", text, text_box(at, baseline, text, anchor)))
        parts.append(
            f'<text class="chart-axis" x="{at:.1f}" y="{baseline}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    if required:
        line_y = y(required)
        layout.segments.append(("chart-required", (left, line_y), (left + plot_w, line_y)))
        parts.append(
            f'<line class="chart-required" x1="{left:.1f}" y1="{line_y:.1f}" x2="{left + plot_w:.1f}" y2="{line_y:.1f}"/>'
        )
        caption = _("required: %(n)s") % {"n": number(required)}
        parts.append(_place_caption(layout, caption, line_y, left, plot_w, plot_h))
    return layout, parts


def _place_caption(layout: Layout, caption: str, line_y: float, left: float, plot_w: float, plot_h: float) -> str:
    """The requirement's caption beside its line, at the first place where nothing crosses it:
    above the line at the left, at the right, then below (the last resort, kept even if crossed)."""
    inset = 6
    candidates = [
        (left + inset, line_y - 5, "start"),
        (left + plot_w - inset, line_y - 5, "end"),
        (left + inset, line_y + FONT + 3, "start"),
        (left + plot_w - inset, line_y + FONT + 3, "end"),
    ]
    for cx, cy, anchor in candidates:
        box = text_box(cx, cy, caption, anchor)
        inside = box.y0 >= TOP and box.y1 <= TOP + plot_h and box.x0 >= left and box.x1 <= left + plot_w
        crossed = any(line != "chart-required" and box.crossed_by(a, b) for line, a, b in layout.segments)
        if inside and not crossed and not any(box.overlaps(other) for _k, _t, other in layout.labels):
            break
    layout.labels.append(("chart-label", caption, box))
    return f'<text class="chart-label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="{anchor}">{escape(caption)}</text>'


def progress_svg(
    points: list[Point],
    *,
    required: int | None,
    start: dt.date,
    end: dt.date,
    today: dt.date | None = None,
    title: str = "",
    projection: tuple[dt.date, int] | None = None,
) -> SafeString:
    """The chart as two inline SVG elements (a phone's and a laptop's, site.css shows one);
    ``points`` are running totals of valid signatures. ``projection`` (day, total) draws a
    dashed line from today's total at the recent rate."""
    today = today or timezone.localdate()
    label = title or _("Valid signatures over time")
    summary = _describe(points, required=required, start=start, end=end)
    if projection:
        summary += " " + _("The dashed line continues at the rate of the last seven days.")
    drawings = []
    for name, width, height in SIZES:
        _layout, parts = progress_layout(
            points,
            required=required,
            start=start,
            end=end,
            today=today,
            projection=projection,
            width=width,
            height=height,
        )
        drawings.append(
            f'<svg class="chart chart-{name}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="chart-title-{name} chart-desc-{name}" xmlns="http://www.w3.org/2000/svg" '
            'preserveAspectRatio="xMidYMid meet">'
            f'<title id="chart-title-{name}">{escape(label)}</title><desc id="chart-desc-{name}">{escape(summary)}</desc>'
            + "".join(parts)
            + "</svg>"
        )
    return mark_safe('<div class="chart-box">' + "".join(drawings) + "</div>")


def petition_svg(petition: Any, days: list[tuple[dt.date, int]], outlook: Any) -> SafeString | str:
    """A petition's progress chart from its (day, valid) series and its forecast (the petition
    page's live part and the template tag both draw it); "" before its window is set."""
    if petition.window_start is None or petition.window_end is None:
        return ""
    return progress_svg(
        cumulative(days),
        required=petition.required_signatures,
        start=timezone.localtime(petition.window_start).date(),
        end=timezone.localtime(petition.window_end).date(),
        projection=outlook.line_end if outlook and not outlook.reached else None,
    )


def _describe(points: list[Point], *, required: int | None, start: dt.date, end: dt.date) -> str:
    total = points[-1].total if points else 0
    text = _("%(valid)s valid signatures") % {"valid": number(total)}
    if required:
        text += " " + _("of %(required)s required") % {"required": number(required)}
    return (
        text
        + "; "
        + _("collection from %(start)s to %(end)s.")
        % {
            "start": l10n.day(start, "DATE_FORMAT"),
            "end": l10n.day(end, "DATE_FORMAT"),
        }
    )


def stations_svg(rows: list[tuple[str, int]], *, title: str, summary: str) -> SafeString:
    """Valid signatures by polling station as horizontal bars, one drawing legible on a phone
    (360 units wide, shown at most 400 px wide: 13-unit text at 12 px or more): each row's
    name above its bar, its count at the bar's end."""
    width, row_h, bar_h = 360, 2.6 * FONT + 6, 12
    height = int(row_h * len(rows) + 8)
    largest = max([n for _name, n in rows] + [1])
    digits = max(len(number(n)) for _name, n in rows) if rows else 1
    bar_room = width - 8 - digits * FONT * CHAR - 6
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title bars-desc" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="bars-title">{escape(title)}</title><desc id="bars-desc">{escape(summary)}</desc>',
    ]
    for i, (name, n) in enumerate(rows):
        top = 4 + i * row_h
        length = max(2.0, bar_room * n / largest)
        count = number(n)
        parts.append(f'<text class="chart-axis" x="0" y="{top + FONT:.1f}">{escape(name)}</text>')
        parts.append(f'<rect class="chart-bar" x="0" y="{top + FONT + 4:.1f}" width="{length:.1f}" height="{bar_h}"/>')
        parts.append(
            f'<text class="chart-axis" x="{length + 6:.1f}" y="{top + FONT + 4 + bar_h - 1:.1f}">{escape(count)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
