from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recall.errors import ImportRejected
from recall.services.jobs.places_import import import_places


class Command(BaseCommand):
    help = (
        "Import districts from a CSV file: code, level, name, region, body (English) and name_kk, name_ru, "
        "region_kk, region_ru, body_kk, body_ru. Existing districts are updated. If any line is wrong nothing "
        "is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with file.open("rb") as stream:
                result = import_places(stream, source=str(file))
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(f"line {error['line']}: {error['error']}")
            raise CommandError(f"Nothing imported: {rejected.error_count} lines have errors.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {result.total} districts: {result.created} added, {result.updated} updated.")
        )
