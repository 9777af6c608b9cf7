"""Date arithmetic of the recall rules (months, local days, the commission's working days)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from .models import DayCount, PublicHoliday


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the service's time zone (Asia/Almaty)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def eighteenth_birthday(birth_date: dt.date) -> dt.date:
    try:
        return birth_date.replace(year=birth_date.year + 18)
    except ValueError:  # born on 29 February: of age on 1 March
        return dt.date(birth_date.year + 18, 3, 1)


# --- The commission's deadlines: working days and public holidays ---------------------------
#
# Public holidays are data (recall.models.PublicHoliday), seeded from the ``holidays`` package
# and kept by the officials. A year the table holds nothing for falls back to the package, so a
# deadline in a year nobody has loaded yet still skips the holidays the package knows.


@dataclass(frozen=True)
class WorkCalendar:
    """Days off (weekends, holidays) and days made working (a Saturday moved by decree)."""

    days_off: frozenset[dt.date]
    working: frozenset[dt.date]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.working:
            return True
        return day.weekday() < 5 and day not in self.days_off


def package_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """Kazakhstan's public holidays by the ``holidays`` package, named in Kazakh."""
    import holidays

    return dict(holidays.country_holidays("KZ", years=sorted(set(years)), language="kk").items())


def work_calendar(start: dt.date, end: dt.date) -> WorkCalendar:
    rows = list(PublicHoliday.objects.filter(day__year__gte=start.year, day__year__lte=end.year))
    off = {r.day for r in rows if r.is_day_off}
    working = {r.day for r in rows if not r.is_day_off}
    missing = set(range(start.year, end.year + 1)) - {r.day.year for r in rows}
    if missing:
        off |= set(package_holidays(missing))
    return WorkCalendar(frozenset(off), frozenset(working))


# A period of N days never spans more than this many calendar days (N working days in a
# fortnight of holidays): the calendar is read once for the whole stretch.
def _horizon(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days * 3 + 30)


def add_days(start: dt.date, days: int, count: str) -> dt.date:
    """The due date ``days`` after ``start``, counted as the policy says (``DayCount``):
    calendar days, the due date moved off a weekend or holiday to the next working day; or
    working days only."""
    cal = work_calendar(start, _horizon(start, days))
    if count == DayCount.WORKING:
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if cal.is_working_day(day):
                left -= 1
        return day
    if count != DayCount.CALENDAR:
        raise ValueError(f"unknown day count {count!r}")
    day = start + dt.timedelta(days=days)
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_before(due: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days before ``due`` (``due`` itself for 0)."""
    cal = work_calendar(due - dt.timedelta(days=days * 3 + 30), due)
    day, left = due, days
    while left > 0:
        day -= dt.timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day
