"""Load Kazakhstan's public holidays of some years from the ``holidays`` package into
``PublicHoliday``, where officials see and correct them. Days already there are kept as they
are (an official's correction is not overwritten)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recall.calendar import package_holidays
from recall.models import PublicHoliday


class Command(BaseCommand):
    help = "Load Kazakhstan's public holidays of the given years from the holidays package."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int, help="years, e.g. 2031 2032")

    def handle(self, *args, years: list[int], **options):
        bad = [y for y in years if not 2000 <= y <= 2100]
        if bad:
            raise CommandError(f"years out of range 2000-2100: {bad}")
        found = package_holidays(years)
        kept = PublicHoliday.objects.filter(day__in=found).count()
        PublicHoliday.objects.bulk_create(
            [PublicHoliday(day=d, name=n, source=PublicHoliday.Source.PACKAGE) for d, n in sorted(found.items())],
            ignore_conflicts=True,
        )
        self.stdout.write(f"{len(found) - kept} holidays added, {kept} already stored")
