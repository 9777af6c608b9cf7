"""The uncached build of a petition's page and API detail, against the same build at another
commit, in one run.

    python bench/render.py [--baseline REF] [--requests 200] [--rounds 5] [--big 200000]

What a rush costs when every count batch drops the shared copy: RECALL_PUBLIC_CACHE_SECONDS=0,
so every request builds its answer (the content fragments, kept per process, are what this
commit adds). Each round measures, in a fresh process, ``--requests`` requests of the page
(/en/petitions/{id}/) and of the API detail (/api/v1/petitions/{id}/) of a collecting petition
with ``--big`` valid signatures and a deputy's answer, through Django's full stack in process
(the test client: no network, so the figures are the server's own work), first at this
commit, then at ``--baseline`` (a git worktree of that commit, default the commit before the
fragments), alternating which goes first. Prints the median milliseconds per request and the
queries of one build, and the ratio baseline/this (target: at least 3x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, median

# The last commit whose petition page and API detail built everything on every request.
DEFAULT_BASELINE = "22278d0"

MEASURE = r"""
import json, os, statistics, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["RECALL_PUBLIC_CACHE_SECONDS"] = "0"
import django
django.setup()
from django.db import connection
from django.test import Client

client = Client()
result = {}
for name, path in json.loads(sys.argv[1]).items():
    for _ in range(5):
        assert client.get(path).status_code == 200
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(path)
    times = []
    for _ in range(int(sys.argv[2])):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    result[name] = {"ms": statistics.median(times), "queries": len(queries)}
print("RESULT " + json.dumps(result))
"""


def seed(big: int) -> dict[str, str]:
    from bench.read_load import seed as seed_reads

    ids = seed_reads(big, 1000)
    from django.utils import timezone

    from recall.models import DeputyAnswer, Petition

    petition = Petition.objects.get(pk=ids["big"])
    texts = {"en": "An answer.", "ru": "Ответ.", "kk": "Жауап."}
    DeputyAnswer.objects.create(petition=petition, version=1, texts=texts, published_at=timezone.now(), on_behalf=True)
    return {"page": f"/en/petitions/{petition.pk}/", "api": f"/api/v1/petitions/{petition.pk}/"}


def measure(checkout: Path, paths: dict[str, str], requests: int) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(paths), str(requests)],
        cwd=checkout,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.split("RESULT ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare with")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big", type=int, default=200_000)
    args = parser.parse_args()

    paths = seed(args.big)
    with tempfile.TemporaryDirectory(prefix="recall-baseline-") as tmp:
        baseline = Path(tmp) / "checkout"
        subprocess.run(["git", "worktree", "add", "--detach", str(baseline), args.baseline], cwd=ROOT, check=True)
        try:
            (baseline / ".venv").symlink_to(ROOT / ".venv") if not (baseline / ".venv").exists() else None
            rounds: dict[str, list[dict]] = {"this": [], "baseline": []}
            for r in range(args.rounds):
                order = [("this", ROOT), ("baseline", baseline)]
                for label, checkout in order if r % 2 == 0 else order[::-1]:
                    result = measure(checkout, paths, args.requests)
                    rounds[label].append(result)
                    print(
                        f"round {r + 1} {label:>8}: "
                        + "  ".join(f"{n} {v['ms']:.2f} ms ({v['queries']} queries)" for n, v in result.items()),
                        flush=True,
                    )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False)
    report = {}
    print()
    for name in paths:
        ratios = [b[name]["ms"] / t[name]["ms"] for t, b in zip(rounds["this"], rounds["baseline"], strict=True)]
        report[name] = {
            "this_ms": median([t[name]["ms"] for t in rounds["this"]]),
            "baseline_ms": median([b[name]["ms"] for b in rounds["baseline"]]),
            "this_queries": rounds["this"][0][name]["queries"],
            "baseline_queries": rounds["baseline"][0][name]["queries"],
            "speedup": median(ratios),
            "speedup_per_round": ratios,
        }
        s = report[name]
        print(
            f"{name:>5}: this {s['this_ms']:.2f} ms ({s['this_queries']} queries), baseline {s['baseline_ms']:.2f} ms "
            f"({s['baseline_queries']} queries): {s['speedup']:.2f}x faster (median of per-round ratios; "
            f"per round {min(ratios):.2f}-{max(ratios):.2f})"
        )
    print("target: at least 3x for each")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"render-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), "report": report, "rounds": rounds}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
