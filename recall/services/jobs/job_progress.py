"""Progress of a background import, readable while its transaction is still open.

An import is one transaction (nothing half-imported), so its row cannot show progress to
other connections; the counter lives in the cache instead.
"""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from django.db import models


def _key(job: models.Model) -> str:
    return f"recall:job-progress:{job._meta.label_lower}:{job.pk}"


def set(job: models.Model, done: int, total: int) -> None:  # noqa: A001 - module namespace
    # Progress is a nicety: never fail the import for it.
    with contextlib.suppress(Exception):
        cache.set(_key(job), (done, total), timeout=24 * 3600)


def get(job: models.Model) -> tuple[int, int] | None:
    try:
        return cache.get(_key(job))
    except Exception:  # noqa: BLE001
        return None
