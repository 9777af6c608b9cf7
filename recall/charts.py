"""Server-rendered SVG charts: valid signatures over time against the requirement and the
collection window. No JavaScript and no inline style (the Content-Security-Policy allows
neither), readable on a phone (the SVG scales to its box), with a text alternative for screen
readers. Used by the petition pages of the public site and of the officials' workspace.

    {% load charts %}{% progress_chart petition %}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36


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
    """The chart as an inline SVG element; ``points`` are running totals of valid signatures.
    ``projection`` (day, total) draws a dashed line from today's total at the recent rate."""
    today = today or timezone.localdate()
    end = max(end, start + dt.timedelta(days=1))
    top_value = max([required or 0, *(p.total for p in points), projection[1] if projection else 0, 1])
    span = (end - start).days or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top_value)

    label = title or _("Valid signatures over time")
    summary = _describe(points, required=required, start=start, end=end)
    if projection:
        summary += " " + _("The dashed line continues at the rate of the last seven days.")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(label)}</title><desc id="chart-desc">{escape(summary)}</desc>',
        f'<rect class="chart-plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    if start <= today <= end:
        parts.append(
            f'<line class="chart-today" x1="{x(today):.1f}" y1="{TOP}" x2="{x(today):.1f}" y2="{TOP + plot_h}"/>'
        )
    if required:
        caption = _("required: %(n)s") % {"n": formats.number_format(required, force_grouping=True)}
        parts.append(
            f'<line class="chart-required" x1="{LEFT}" y1="{y(required):.1f}" x2="{LEFT + plot_w}" y2="{y(required):.1f}"/>'
            f'<text class="chart-label" x="{LEFT + 4}" y="{y(required) - 4:.1f}">{escape(caption)}</text>'
        )
    if points:
        steps = [f"{x(start):.1f},{y(0):.1f}"]
        previous = 0
        for point in points:
            steps.append(f"{x(point.day):.1f},{y(previous):.1f}")
            steps.append(f"{x(point.day):.1f},{y(point.total):.1f}")
            previous = point.total
        steps.append(f"{x(min(max(today, points[-1].day), end)):.1f},{y(previous):.1f}")
        parts.append(f'<polyline class="chart-line" points="{" ".join(steps)}"/>')
    if projection and start <= today <= end:
        now_total = points[-1].total if points else 0
        parts.append(
            f'<line class="chart-projection" x1="{x(today):.1f}" y1="{y(now_total):.1f}" '
            f'x2="{x(min(projection[0], end)):.1f}" y2="{y(projection[1]):.1f}"/>'
        )
    for value in (0, top_value):
        parts.append(
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(formats.number_format(value, force_grouping=True))}</text>"
        )
    for day, anchor in ((start, "start"), (end, "end")):
        parts.append(
            f'<text class="chart-axis" x="{x(day):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">'
            f"{escape(formats.date_format(day, 'SHORT_DATE_FORMAT'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _describe(points: list[Point], *, required: int | None, start: dt.date, end: dt.date) -> str:
    total = points[-1].total if points else 0
    text = _("%(valid)s valid signatures") % {"valid": formats.number_format(total, force_grouping=True)}
    if required:
        text += " " + _("of %(required)s required") % {"required": formats.number_format(required, force_grouping=True)}
    return (
        text
        + "; "
        + _("collection from %(start)s to %(end)s.")
        % {
            "start": formats.date_format(start, "DATE_FORMAT"),
            "end": formats.date_format(end, "DATE_FORMAT"),
        }
    )
