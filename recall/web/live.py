"""The live parts of a petition's page (recall.web.views.petition_detail): what changes with
every count batch, built on every uncached request around a shell kept per process.

Built as strings, not with the template engine: in a rush these parts are most of the page's
cost, and a template spends it resolving variables and nodes. The output is the bytes the
template (recall/petition/_live.html, now gone) gave, whitespace included: every value from the
database is escaped with ``escape``, so is every text a ``{% translate %}`` gave, and a text
with markup of its own (a ``blocktranslate``'s) is not, its values are; the msgids are the
template's, so the translations stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import ngettext

from .. import charts
from ..l10n import day as date
from ..l10n import number
from ..l10n import text as _  # gettext, once per language (and still found by makemessages)
from ..selectors import DayCount, Forecast


@dataclass
class Live:
    """What the parts show, read by the view."""

    petition: Any
    description: str
    stations: Any  # recall.services.public.stations.Breakdown, or None
    stations_chart: str
    days_left: int | None
    signable: bool
    closed_at: Any  # a callable: when signing stopped (read only if the part shows it)
    forecast: Forecast | None
    series: list[DayCount]
    witness_names: list[str]
    by_identity: list[tuple[str, int]]


def parts(live: Live) -> dict[str, str]:
    """The parts by name (recall.web.views.LIVE_PARTS)."""
    return {
        "description": escape(live.description),
        "counts": counts(live),
        "ledger": ledger(live),
        "stations": stations(live),
        "series": series(live),
    }


def progress(petition: Any) -> str:
    """recall/_progress.html, as included by the page."""
    if not petition.required_signatures:
        text = escape(_("No signatures are collected: the petition was not registered."))
        return f'\n<div class="progress">\n  \n  <p class="progress-text">{text}</p>\n  \n</div>\n'
    valid, required, percent = petition.valid_count, petition.required_signatures, petition.progress_percent
    text = _("<strong>%(valid)s</strong> valid signatures of %(required)s required") % {
        "valid": escape(number(valid)),
        "required": escape(number(required)),
    }
    label = escape(_("Valid signatures"))  # (a call in an f-string is not found by makemessages)
    return (
        f'\n<div class="progress">\n  \n  <progress max="{required}" value="{valid}" '
        f'aria-label="{label}">{percent}%</progress>\n  <p class="progress-text">\n    '
        f"{text}\n    ({percent}%)\n  </p>\n  \n</div>\n"
    )


def chart(petition: Any, days: list[DayCount], outlook: Forecast | None) -> str:
    """The progress chart (recall.templatetags.charts.progress_chart) from what the page read."""
    return charts.petition_svg(petition, [(d.date, d.valid) for d in days], outlook)


def _row(label: str, value: str, cls: str = "") -> str:
    dd = f'<dd class="{cls}">' if cls else "<dd>"
    return f"<div><dt>{escape(label)}</dt>{dd}{value}</dd></div>"


def counts(live: Live) -> str:
    p = live.petition
    out = ["\n  ", progress(p), "\n  "]
    if p.required_signatures:
        out += ["\n  ", chart(p, live.series, live.forecast), "\n  "]
    required = escape(number(p.required_signatures)) if p.required_signatures else "—"
    out += [
        '\n  <dl class="counts" data-testid="counts">\n    ',
        _row(_("Received"), escape(number(p.all_received))),
        "\n    ",
        _row(_("Counted (valid)"), escape(number(p.valid_count))),
        "\n    ",
        _row(_("Not counted (invalid)"), escape(number(p.invalid_count))),
        "\n    ",
        _row(_("Awaiting verification"), escape(number(p.awaiting_count))),
        "\n    ",
        _row(_("Withdrawn"), escape(number(p.withdrawn_count))),
        "\n    ",
        _row(_("Required"), required),
        "\n    ",
    ]
    if p.window_start:
        out.append(_row(_("Collection started"), escape(date(p.window_start, "j E Y")), "date"))
    out.append("\n    ")
    closed_at = None if live.signable else live.closed_at()
    if live.signable:
        ends = escape(date(p.window_end, "j E Y, H:i"))
        out.append("\n      " + _row(_("Collection ends"), ends, "date") + "\n    ")
    elif closed_at:
        out.append("\n      " + _row(_("Collection ended"), escape(date(closed_at, "j E Y")), "date") + "\n    ")
    out.append("\n  </dl>\n  ")
    if live.by_identity:
        named = "; ".join(f"{escape(name)}: {escape(number(n))}" for name, n in live.by_identity)
        out.append(
            '\n  <p data-testid="by-identity">'
            + escape(_("Valid signatures by how the signer was identified:"))
            + f"\n    {named}.</p>\n  "
        )
    out.append("\n  ")
    if live.forecast:
        outlook = live.forecast
        if outlook.reached:
            text = escape(_("The required number of valid signatures has been reached."))
        elif outlook.in_time:
            text = _("At the rate of the last seven days the requirement will be reached on %(date)s.") % {
                "date": escape(date(outlook.reach_on, "j E Y"))
            }
        else:
            text = _(
                "At the rate of the last seven days the requirement will not be reached before the collection "
                "ends on %(date)s."
            ) % {"date": escape(date(outlook.window_last_day, "j E Y"))}
        out.append(f'\n  <p data-testid="forecast">\n    \n      {text}\n    \n  </p>\n  ')
    out.append("\n  ")
    if live.signable:
        days = ngettext("%(days)s day left", "%(days)s days left", live.days_left) % {"days": live.days_left}
        url = escape(reverse("recall:sign", args=[p.pk]))
        sign = escape(_("Sign this petition"))
        out.append(
            f'\n    <div class="sign-box">\n      <p class="meta">{days}</p>\n      '
            f'<p><a class="button button-large" href="{url}">{sign}</a></p>\n    </div>\n  '
        )
    out.append("\n")
    return "".join(out)


def ledger(live: Live) -> str:
    size = live.petition.ledger_size
    n = len(live.witness_names)
    entries = ngettext("The record has %(size)s entry.", "The record has %(size)s entries.", size) % {"size": size}
    cosigned = ngettext(
        "%(n)s accredited witness has cosigned its latest checkpoint.",
        "%(n)s accredited witnesses have cosigned its latest checkpoint.",
        n,
    ) % {"n": n}
    names = f" ({', '.join(escape(name) for name in live.witness_names)})" if live.witness_names else ""
    return f'\n  <p data-testid="witnesses">{entries}\n  {cosigned}{names}</p>\n'


def stations(live: Live) -> str:
    found = live.stations
    if not found:
        return "\n\n"
    intro = _(
        "Valid signatures by polling station, as of %(time)s. A station with fewer than %(min)s of them is "
        "not shown on its own, so that no signer can be singled out."
    ) % {"time": escape(date(found.counted_at, "j E, H:i")), "min": 10}
    out = [
        '\n\n<section aria-labelledby="stations-h" data-testid="stations">\n  <h2 id="stations-h">',
        escape(_("Where the signatures come from")),
        f"</h2>\n  <p>{intro}</p>\n  ",
    ]
    if found.stations or found.other_valid:
        out.append(f'\n  {live.stations_chart}\n  <table class="stations">\n    <thead><tr><th scope="col">')
        station_h, valid_h = escape(_("Polling station")), escape(_("Valid signatures"))
        out.append(f'{station_h}</th><th scope="col">{valid_h}</th></tr></thead>\n    <tbody>\n      ')
        for station in found.stations:
            name = _("No. %(n)s") % {"n": escape(station.name)}
            out.append(f"<tr><td>{name}</td><td>{escape(number(station.valid))}</td></tr>")
        out.append("\n      ")
        if found.other_valid:
            other = ngettext("Other stations (%(n)s)", "Other stations (%(n)s)", found.other_stations) % {
                "n": found.other_stations
            }
            out.append(f"<tr><td>{other}</td><td>{escape(number(found.other_valid))}</td></tr>")
        out.append("\n      ")
        if found.unknown_valid:
            unknown = escape(_("No polling station in the register"))
            out.append(f"<tr><td>{unknown}</td><td>{escape(number(found.unknown_valid))}</td></tr>")
        out.append("\n    </tbody>\n  </table>\n  ")
    else:
        none_yet = escape(_("No polling station has enough signers to be shown yet."))
        out.append(f"\n  <p>{none_yet}</p>\n  ")
    out.append("\n</section>\n\n")
    return "".join(out)


def series(live: Live) -> str:
    days = live.series[-14:]
    if not days:
        return "\n\n"
    rows = "".join(
        f"<tr><td>{escape(date(d.date, 'j E'))}</td><td>{escape(number(d.valid))}</td>"
        f"<td>{escape(number(d.total))}</td></tr>"
        for d in days
    )
    return (
        '\n\n<section aria-labelledby="series-h">\n  <h2 id="series-h">'
        + escape(_("Valid signatures by day"))
        + '</h2>\n  <table>\n    <thead><tr><th scope="col">'
        + escape(_("Day"))
        + '</th><th scope="col">'
        + escape(_("Valid"))
        + '</th><th scope="col">'
        + escape(_("Total"))
        + f"</th></tr></thead>\n    <tbody>{rows}</tbody>\n  </table>\n</section>\n\n"
    )
