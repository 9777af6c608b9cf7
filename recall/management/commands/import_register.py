from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recall.services.jobs.register_import import ImportRejected, import_register


class Command(BaseCommand):
    help = (
        "Import the voter register from a CSV file (iin, full_name, birth_date, address, district, "
        "status, sex, polling_station). Existing voters are updated; lines unchanged since the "
        "last import are skipped. If any line is wrong nothing is imported. An import that was "
        "killed goes on where it stopped when it is run again on the same file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Forget what an earlier, killed import of this file did and check it from the start.",
        )

    def handle(self, *args: Any, file: Path, no_progress: bool, restart: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        bar = tqdm(total=0, unit=" rows", unit_scale=True, disable=no_progress, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.reset(total)
                if done:
                    self.stderr.write(
                        f"An earlier import of this file stopped; going on from there ({done} of {total})."
                    )
            bar.update(done - bar.n)

        try:
            with file.open("rb") as stream:
                result = import_register(stream, progress=progress, source=str(file), restart=restart)
        except ImportRejected as rejected:
            bar.close()
            for error in rejected.errors:
                self.stderr.write(f"line {error['line']}: {error['error']}")
            more = rejected.error_count - len(rejected.errors)
            if more > 0:
                self.stderr.write(f"... and {more} more")
            raise CommandError(f"Nothing imported: {rejected.error_count} lines have errors.") from None
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.total} voters: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
