"""Destroy the personal data of petitions past their retention period (recall.services.privacy.retention).

``--dry-run`` lists the petitions and their signature counts and changes nothing; ``--as-of``
evaluates the rule as of another day (to test it, or to see what a coming day will purge).
The nightly beat job (recall.tasks.purge_personal_data) calls the same service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recall.errors import DomainError
from recall.services.privacy import retention


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Destroy (crypto-shred) the personal data of petitions whose retention period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=str, default=None, help="evaluate the rule as of this day (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be purged; change nothing")

    def handle(self, *args: Any, as_of: str | None, dry_run: bool, **options: Any) -> None:
        day = _day(as_of) if as_of else None
        try:
            run = retention.purge_due(as_of=day, dry_run=dry_run, system_label="purge_personal_data")
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        verb = "would purge" if dry_run else "purged"
        for item in run.due:
            if dry_run or item.petition.pk in run.purged:
                count = run.purged.get(item.petition.pk, item.signatures)
                self.stdout.write(
                    f"petition {item.petition.pk} ({item.petition.get_state_display()}, purge date "
                    f"{item.purge_date.isoformat()}): {verb} {count} signatures"
                )
        for petition_id, reason in run.skipped.items():
            self.stdout.write(f"petition {petition_id} kept: {reason}")
        total = len(run.due) if dry_run else len(run.purged)
        self.stdout.write(f"{total} petitions {verb}")
