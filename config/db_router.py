"""Public reads on PostgreSQL streaming replicas; everything else on the primary.

``DATABASE_REPLICA_URLS`` (comma-separated) adds read replicas. Only the public reads go there:
the shared pages and API answers built by recall.services.public.public_cache (petition pages,
lists, the API detail, open data), which are a few seconds old by design. Every write and every read of a person's own data (the check page, a receipt, a
withdrawal, the admin, a partner's signatures) stays on the primary, so a signer always reads
their own writes.

Each process measures each replica's replay lag at most every RECALL_REPLICA_CHECK_SECONDS
(``now() - pg_last_xact_replay_timestamp()``, 0 when it has replayed all it received); a replica
more than RECALL_REPLICA_MAX_LAG_SECONDS behind, or that cannot be reached, is left out until a
later check finds it well, and the reads go to another replica or to the primary. A replica that
fails in the middle of a build is marked down and the answer built again on the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger("recall.replicas")

PRIMARY = "default"
# Set while a public answer is built: its reads may go to a replica.
_public = contextvars.ContextVar("public_reads", default=False)
_round_robin = itertools.count()
_lock = threading.Lock()
# alias: (checked at, healthy)
_health: dict[str, tuple[float, bool]] = {}

LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def lag_seconds(alias: str) -> float:
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def _healthy(alias: str) -> bool:
    now = time.monotonic()
    checked, ok = _health.get(alias, (0.0, False))
    if now - checked < settings.RECALL_REPLICA_CHECK_SECONDS:
        return ok
    try:
        lag = lag_seconds(alias)
        ok = lag <= settings.RECALL_REPLICA_MAX_LAG_SECONDS
        if not ok:
            logger.warning("replica %s is %.1f s behind: reads go elsewhere", alias, lag)
    except Exception as error:  # noqa: BLE001 - a replica that cannot answer is simply not used
        logger.warning("replica %s unavailable: %s", alias, error)
        with contextlib.suppress(Exception):
            connections[alias].close()
        ok = False
    with _lock:
        _health[alias] = (now, ok)
    return ok


def mark_down(alias: str) -> None:
    with _lock:
        _health[alias] = (time.monotonic(), False)
    with contextlib.suppress(Exception):
        connections[alias].close()


def forget() -> None:
    _health.clear()


def replica_for_read() -> str | None:
    """A healthy replica, in turn, or None."""
    candidates = replicas()
    if not candidates:
        return None
    start = next(_round_robin)
    for offset in range(len(candidates)):
        alias = candidates[(start + offset) % len(candidates)]
        if _healthy(alias):
            return alias
    return None


@contextlib.contextmanager
def public_reads() -> Iterator[None]:
    """The reads inside may go to a replica (a public answer being built)."""
    token = _public.set(True)
    try:
        yield
    finally:
        _public.reset(token)


class PrimaryReplicaRouter:
    """Public reads to a healthy replica, the rest to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if _public.get():
            return replica_for_read() or PRIMARY
        return PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
