"""Read load on the public pages against a plain Django view, served by gunicorn on PostgreSQL.

    python bench/read_load.py [--connections 8] [--seconds 5] [--rounds 3] [--workers 5]
                              [--big 1000000] [--small 1000] [--uncached]

A petition in the news is read far more than it is signed. Endpoints, driven by ``wrk`` in the
same run and alternating within each round (each round starts with another endpoint):
- ``plain``: a Django view answering "ok" through the same middleware, no database;
- ``page-big`` / ``page-small``: the petition page (/en/petitions/{id}/) of a petition with
  ``--big`` (1,000,000) and ``--small`` (1,000) valid signatures;
- ``home``: the home page (/en/);
- ``api-big`` / ``api-small``: the petition API detail (/api/v1/petitions/{id}/, JSON).

Prints requests per second, p50 and p99 latency and non-2xx answers per round, then the medians
and each endpoint's ratio to ``plain`` (median of the per-round ratios), and big/small.
Target: every endpoint >= 0.5x plain; big/small about 1. ``--uncached`` runs a second server
with RECALL_PUBLIC_CACHE_SECONDS=0 (every answer built from the database) for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sign_load
from bench.common import RESULTS, ROOT, median

PORT = 8431
WRK_THREADS = 2


def seed(big: int, small: int) -> dict[str, int]:
    """Two collecting petitions with ``big`` and ``small`` valid signatures (rows in the
    signatures table, counts and daily series reconciled from them), and ten more collecting."""
    from bench.common import collecting_petition, fresh_database, setup_django

    fresh_database()
    setup_django()
    import logging

    from django.db import connection

    from recall.models import District, policy_for
    from recall.services.verification import counts

    policy_for("mazhilis")
    logging.getLogger("recall.services.verification.counts").setLevel(logging.ERROR)  # the seed "repairs" every count
    now = dt.datetime.now(dt.UTC)
    ids = {}
    for n, (name, size) in enumerate([("big", big), ("small", small), *((f"other{i}", 10) for i in range(10))]):
        district = District.objects.create(
            code=f"R-{n}",
            name=f"Read bench {n}",
            region="Bench",
            level="mazhilis",
            body="Mazhilis",
            registered_voters=max(20_000_000, size * 2),
        )
        petition = collecting_petition(district, now=now)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Valid signatures spread over the last 28 days; digests distinct per petition.
            cursor.execute(
                """
                INSERT INTO recall_signature (petition_id, voter_digest, channel, identity_strength, signed_at,
                    received_at, state, ground, review_reasons, iin_checksum_ok, data_complete, iin_data_mismatch,
                    name_digest, birth_digest, personal, collector, request_hash, decision_note)
                SELECT %s, md5(%s || '-' || g), 'web', 'phone', now() - (g %% 28) * interval '1 day',
                    now() - (g %% 28) * interval '1 day', 'valid', '', '[]', true, true, false, '', '', '""',
                    '', '', ''
                FROM generate_series(1, %s) AS g
                """,
                [petition.pk, str(petition.pk), size],
            )
        counts.reconcile([petition.pk])
        print(f"seeded {name}: {size} signatures in {time.perf_counter() - started:.1f} s", flush=True)
        ids[name] = petition.pk
    return ids


def endpoints(ids: dict[str, int]) -> dict[str, tuple[str, str]]:
    """name: (path, Accept)"""
    html = "text/html"
    return {
        "plain": ("/bench/plain/", html),
        "page-big": (f"/en/petitions/{ids['big']}/", html),
        "page-small": (f"/en/petitions/{ids['small']}/", html),
        "home": ("/en/", html),
        "api-big": (f"/api/v1/petitions/{ids['big']}/", "application/json"),
        "api-small": (f"/api/v1/petitions/{ids['small']}/", "application/json"),
    }


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def drive_wrk(path: str, accept: str, connections: int, seconds: float) -> dict:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        f"http://127.0.0.1:{PORT}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
    if not (rps and requests and p50 and p99):
        raise SystemExit("wrk printed no summary:\n" + output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {
        "requests": int(requests.group(1)),
        "rps": float(rps.group(1)),
        "p50_ms": _ms(*p50.groups()),
        "p99_ms": _ms(*p99.groups()),
        "errors": errors,
    }


def wait_ready() -> None:
    """Until the workers answer (the port is bound before they have imported the project)."""
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/plain/", timeout=10) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer")


def run(label: str, paths: dict[str, tuple[str, str]], args: argparse.Namespace, env: dict[str, str]) -> dict:
    sign_load.PORT = PORT  # the server helpers bind and wait on this port
    server = sign_load.start_server(args.workers, env)
    names = list(paths)
    rounds: dict[str, list[dict]] = {name: [] for name in names}
    try:
        wait_ready()
        for name in names:  # warm every worker's connections, imports and the cache
            drive_wrk(*paths[name], args.connections, 1)
        for r in range(args.rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                result = drive_wrk(*paths[name], args.connections, args.seconds)
                rounds[name].append(result)
                print(
                    f"{label:>8} round {r + 1} {name:>10}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}  ({result['requests']} requests)",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = sign_load.summarize(rounds)
    ratios = {
        name: median([x["rps"] / p["rps"] for x, p in zip(rounds[name], rounds["plain"], strict=True)])
        for name in names
    }
    big_small = {
        kind: median([b["rps"] / s["rps"] for b, s in zip(rounds[f"{kind}-big"], rounds[f"{kind}-small"], strict=True)])
        for kind in ("page", "api")
    }
    print(f"\n{label}: medians of {args.rounds} rounds, {args.connections} connections, {args.workers} workers")
    print(f"{'':>10} {'req/s':>10} {'x plain':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, s in summary.items():
        print(f"{name:>10} {s['rps']:10.1f} {ratios[name]:8.2f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['errors']:7d}")
    print(
        f"big/small ({args.big:,} vs {args.small:,} signatures): page {big_small['page']:.2f}, api {big_small['api']:.2f}\n"
    )
    return {"rounds": rounds, "summary": summary, "ratio_to_plain": ratios, "big_small": big_small}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (2 x cores + 1)")
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--uncached", action="store_true", help="also run with the public cache off")
    args = parser.parse_args()

    paths = endpoints(seed(args.big, args.small))
    report = {"cached": run("cached", paths, args, {})}
    if args.uncached:
        report["uncached"] = run("uncached", paths, args, {"RECALL_PUBLIC_CACHE_SECONDS": "0"})
    print("target: every endpoint >= 0.50x plain; big/small about 1.0; no errors")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"read_load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), **report}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
