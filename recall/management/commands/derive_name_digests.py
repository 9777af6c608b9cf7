"""Re-derive the per-word name digests (recall.names) of the voter register and of the stored
signatures: after the upgrade that introduced them, or after RECALL_IIN_KEY changed.

Until a row has them, verification compares its name by the old full-name digest. Batches of
primary keys, each its own transaction; running it again is harmless (the same values)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from recall.services.verification import name_digests


class Command(BaseCommand):
    help = "Re-derive the per-word name digests of the voter register and of the signatures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument(
            "--only", choices=["voters", "signatures"], help="One table only (default: the register, then signatures)."
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, batch: int, only: str | None, no_progress: bool, **options: Any) -> None:
        tables = {"voters": "recall_voter", "signatures": "recall_signature"}
        for label, table in tables.items():
            if only and only != label:
                continue
            with tqdm(
                total=name_digests.row_count(table),
                desc=label,
                unit=" rows",
                unit_scale=True,
                disable=no_progress,
                file=self.stderr._out,
            ) as bar:
                done = name_digests.derive(table, batch=batch, progress=bar.update)
            self.stdout.write(f"{label}: name digests derived for {done} rows")
