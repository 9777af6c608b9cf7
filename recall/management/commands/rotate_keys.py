"""Re-encrypt stored personal data under the newest key of RECALL_ENCRYPTION_KEYS.

Rotation: put a new key first in RECALL_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then remove the old keys. Rows are rewritten in batches by primary key, each
batch in its own transaction; running it twice is harmless (tokens are re-encrypted again).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from recall import crypto

# (table, column) of every Fernet token the service stores.
ENCRYPTED = [
    ("recall_voter", "personal"),
    ("recall_signature", "personal"),
    ("recall_signature", "eds_cms"),  # NULL except for EDS signatures: skipped
    ("recall_signingchallenge", "payload"),
    ("recall_webhookendpoint", "secret"),
]


class Command(BaseCommand):
    help = "Re-encrypt personal data and secrets under the newest RECALL_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        for table, column in ENCRYPTED:
            done = self.rotate(table, column, batch)
            self.stdout.write(f"{table}.{column}: {done} rows re-encrypted")

    def rotate(self, table: str, column: str, batch: int) -> int:
        done, last = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # Locked: a row written meanwhile must not be overwritten with its older data.
                lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
                cursor.execute(
                    f"SELECT id, {column} FROM {table} WHERE id > %s ORDER BY id LIMIT %s{lock}", [last, batch]
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",
                    [(crypto.rotate(token), pk) for pk, token in rows if token],
                )
            done += len(rows)
            last = rows[-1][0]
