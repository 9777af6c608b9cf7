"""Re-deriving the per-word name digests (recall.names) of rows stored before the rule, or after
RECALL_IIN_KEY changed: the register's and the signatures' names are decrypted batch by batch,
digested again and written back. Deterministic, so running it twice writes the same values."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import connection, transaction

from ... import crypto
from ..jobs.register_import import NAME_COLUMNS as VOTER_COLUMNS

SIGNATURE_COLUMNS = ("name_tokens", "name_near")
Progress = Callable[[int], None]


def _voter_values(personal: dict) -> tuple[list[int], ...]:
    words = crypto.register_name_digests(personal.get("full_name", ""), personal.get("iin", ""))
    return list(words.surname), list(words.given), list(words.patronymic), list(words.patronymic_near)


def _signature_values(personal: dict) -> tuple[list[int], ...]:
    words = crypto.typed_name_digests(personal.get("full_name", ""), personal.get("iin", ""))
    return list(words.tokens), list(words.near)


TABLES = {
    "recall_voter": (VOTER_COLUMNS, _voter_values),
    "recall_signature": (SIGNATURE_COLUMNS, _signature_values),
}


def derive(table: str, *, batch: int = 5000, progress: Progress | None = None) -> int:
    """Re-derive the name digests of every row of ``table`` (recall_voter or recall_signature),
    one transaction per batch of primary keys; returns the rows written."""
    columns, values = TABLES[table]
    postgres = connection.vendor == "postgresql"
    cast = "::bigint[]" if postgres else ""
    assignments = ", ".join(f"{column} = %s{cast}" for column in columns)
    done, last = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Locked: a row rewritten meanwhile (a register re-import) must not get older digests.
            lock = " FOR UPDATE" if postgres else ""
            cursor.execute(f"SELECT id, personal FROM {table} WHERE id > %s ORDER BY id LIMIT %s{lock}", [last, batch])
            rows = cursor.fetchall()
            if not rows:
                return done
            updates = []
            for pk, token in rows:
                derived = values(crypto.decrypt(token)) if token else tuple([] for _ in columns)
                updates.append((*(d if postgres else json.dumps(d) for d in derived), pk))
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", updates)
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(len(rows))


def row_count(table: str) -> int:
    if table not in TABLES:
        raise ValueError(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]
