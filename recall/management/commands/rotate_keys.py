"""Rotate the master keys of RECALL_ENCRYPTION_KEYS.

Put a new key first in RECALL_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then remove the old keys. A petition's personal data is encrypted under the petition's
own data key (recall.services.privacy.keys), which is stored wrapped by the master keys: rotation re-wraps
those keys, one small row per petition, and never rewrites a signature. Tokens still under the
master keys are re-encrypted: the register, the webhook secrets, and rows written before data
keys existed, which go under their petition's data key on the way. Batches by primary key, each
in its own transaction; running it twice is harmless.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from recall import crypto
from recall.models import CodeRequest
from recall.services.privacy.keys import forget_data_keys, rewrap_data_keys

# (table, column, the column of the row's petition or None) of every token under the master
# keys. Data-key tokens ("p<id>:...") are skipped by the SQL: a Fernet token starts "gAAAAA".
ENCRYPTED = [
    ("recall_voter", "personal", None),
    ("recall_signature", "personal", "petition_id"),
    ("recall_signature", "eds_cms", "petition_id"),  # NULL except for EDS signatures
    (CodeRequest._meta.db_table, "payload", "petition_id"),
    ("recall_groupcode", "payload", None),
    ("recall_groupdraftmember", "contact", None),
    ("recall_webhookendpoint", "secret", None),
]


class Command(BaseCommand):
    help = "Re-wrap the petitions' data keys and re-encrypt master-key tokens under the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        self.stdout.write(f"data keys: {rewrap_data_keys()} re-wrapped")
        for table, column, petition in ENCRYPTED:
            done = self.rotate(table, column, petition, batch)
            self.stdout.write(f"{table}.{column}: {done} rows re-encrypted")
        forget_data_keys()

    def rotate(self, table: str, column: str, petition: str | None, batch: int) -> int:
        done, last = 0, 0
        owner = petition or "NULL"
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # Locked: a row written meanwhile must not be overwritten with its older data.
                lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
                cursor.execute(
                    f"SELECT id, {column}, {owner} FROM {table} WHERE id > %s AND {column} LIKE 'gAAAAA%%' "
                    f"ORDER BY id LIMIT %s{lock}",
                    [last, batch],
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",
                    [(_reencrypt(token, petition_id), pk) for pk, token, petition_id in rows],
                )
            done += len(rows)
            last = rows[-1][0]


def _reencrypt(token: str, petition_id: int | None) -> str:
    if petition_id is None:
        return crypto.rotate(token)
    return crypto.encrypt(crypto.decrypt(token), petition_id=petition_id)
