"""Shared by the benchmark scripts: a fresh benchmark database and small statistics."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The database of bench/settings.py (BENCH_DATABASE_URL), dropped and re-created by each run.
DB_NAME = urlsplit(os.environ.get("BENCH_DATABASE_URL", "postgres:///recall_bench")).path.lstrip("/") or "recall_bench"


def redis_db(variable: str, default: int) -> str:
    """The Redis database number of a BENCH_*_URL of bench/settings.py, for redis-cli -n."""
    path = urlsplit(os.environ.get(variable, "")).path.lstrip("/")
    return path if path.isdigit() else str(default)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


_URL = urlsplit(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recall_bench"))
# The server of BENCH_DATABASE_URL, for the PostgreSQL client programs.
PG_ARGS = ["-h", _URL.hostname or "127.0.0.1", "-p", str(_URL.port or 5432), "-U", _URL.username or "postgres"]


def fresh_database() -> None:
    """Drop and re-create the benchmark database, then migrate it."""
    subprocess.run(["dropdb", *PG_ARGS, "--if-exists", "--force", DB_NAME], check=True)
    subprocess.run(["createdb", *PG_ARGS, DB_NAME], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        check=True,
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def collecting_petition(district, *, now):  # type: ignore[no-untyped-def]
    """A petition collecting now against a new single-mandate deputy of ``district``; it needs
    10 % of the district's registered voters."""
    import datetime as dt

    from recall.models import Deputy, Petition, PetitionState

    deputy = Deputy.objects.create(
        full_name=f"Deputy {district.code}",
        mandate="single",
        level=district.level,
        district=district,
        term_start=dt.date(2023, 3, 29),
        term_end=dt.date(2028, 3, 29),
    )
    return Petition.objects.create(
        deputy=deputy,
        district=district,
        grounds_category="lost_trust",
        grounds_text="benchmark",
        applied_at=now,
        state=PetitionState.COLLECTING,
        registered_at=now,
        registered_voters=district.registered_voters,
        threshold_percent=10,
        required_signatures=max(1, district.registered_voters // 10),
        window_start=now - dt.timedelta(days=1),
        window_end=now + dt.timedelta(days=29),
    )
