from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString

from .. import charts, selectors
from ..models import DailyTally, Petition

register = template.Library()


@register.simple_tag
def progress_chart(petition: Petition, days: list[tuple[dt.date, int]] | None = None) -> SafeString:
    """Valid signatures of ``petition`` over its collection window (recall.charts); ``days``, the
    (day, valid) series, if the page has read it already."""
    if petition.window_start is None or petition.window_end is None:
        return SafeString("")
    if days is None:
        days = list(DailyTally.objects.filter(petition=petition).order_by("day").values_list("day", "valid"))
    return SafeString(charts.petition_svg(petition, days, selectors.forecast(petition, days)))
