"""Load on the partner sign endpoint versus a minimal DRF INSERT, served by gunicorn on PostgreSQL.

    python bench/sign_load.py [--clients 8] [--seconds 10] [--rounds 3] [--workers 5]

Both endpoints are driven in the same run, alternating round by round, each by N concurrent
clients (separate processes, one HTTP/1.1 connection at a time) for a fixed time. Every request
signs a distinct voter. Prints requests per second, p50 and p99 latency and errors per round,
then the medians and the ratio (sign endpoint / baseline). Target: ratio >= 0.6, p99 < 50 ms,
no errors. The sign requests carry an Idempotency-Key, as partners are asked to send.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, median, percentile

PORT = 8977


def seed(total_requests: int) -> tuple[int, str, list[bytes]]:
    """A collecting petition, a partner key, and one distinct request body per request."""
    from bench.common import collecting_petition, fresh_database, setup_django

    fresh_database()
    setup_django()
    from accounts.models import ApiClient, ApiKey
    from recall import iin
    from recall.models import District, policy_for

    district = District.objects.create(
        code="B-1", name="Bench", region="Bench", level="mazhilis", body="Mazhilis", registered_voters=500_000
    )
    policy_for("mazhilis")
    petition = collecting_petition(district, now=dt.datetime.now(dt.UTC))
    client = ApiClient.objects.create(name="Bench partner")
    _key, raw = ApiKey.objects.create_key(client=client, name="bench", scopes=["sign", "read"])
    bodies = []
    start = dt.date(1960, 1, 1)
    for n in range(total_requests):
        born = start + dt.timedelta(days=n % 15000)
        number = iin.make(born, "MF"[n % 2], n // 15000 * 7 + n % 7)
        bodies.append(
            json.dumps(
                {
                    "iin": number,
                    "full_name": f"Бенчмарк Сайлаушы {n}",
                    "birth_date": born.isoformat(),
                    "address": f"Astana, Kabanbay batyr {n % 200}, apt. {n % 90}",
                }
            ).encode()
        )
    # IINs from make() can repeat across serial ranges; keep the bodies distinct.
    unique = list({json.loads(b)["iin"]: b for b in bodies}.values())
    return petition.pk, raw, unique


def client_loop(args: tuple) -> tuple[list[float], int, int]:
    path, headers, bodies, seconds, idempotent = args
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.monotonic() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    for i, body in enumerate(bodies):
        if time.monotonic() >= deadline:
            break
        h = dict(headers)
        if idempotent:
            h["Idempotency-Key"] = f"bench-{os.getpid()}-{i}-{time.time_ns()}"
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=h)
            response = conn.getresponse()
            response.read()
            ok = response.status == 202
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        latencies.append((time.perf_counter() - started) * 1000)
        sent += 1
        errors += not ok
    conn.close()
    return latencies, errors, sent


def drive(path: str, headers: dict, bodies: list[bytes], clients: int, seconds: float, idempotent: bool) -> dict:
    share = len(bodies) // clients
    jobs = [(path, headers, bodies[i * share : (i + 1) * share], seconds, idempotent) for i in range(clients)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(client_loop, jobs)
    elapsed = time.perf_counter() - started
    latencies = [x for r in results for x in r[0]]
    sent = sum(r[2] for r in results)
    return {
        "requests": sent,
        "rps": sent / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "errors": sum(r[1] for r in results),
    }


def wait_for_port() -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", PORT)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (2 x cores + 1)")
    parser.add_argument("--no-idempotency-key", action="store_true")
    args = parser.parse_args()

    budget = int(args.clients * args.seconds * 1500) * args.rounds * 2
    petition_id, key, bodies = seed(budget)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port()
        json_headers = {"Content-Type": "application/json"}
        endpoints = {
            "baseline": (f"/bench/baseline/{petition_id}/signatures/", json_headers, False),
            "sign": (
                f"/api/v1/petitions/{petition_id}/signatures/",
                {**json_headers, "Authorization": f"Api-Key {key}"},
                not args.no_idempotency_key,
            ),
        }
        # Warm both endpoints (connections, imports) before measuring.
        offset = 0
        for path, headers, idem in endpoints.values():
            drive(path, headers, bodies[offset : offset + 400], args.clients, 1.0, idem)
            offset += 400
        rounds: dict[str, list[dict]] = {name: [] for name in endpoints}
        per_round = (len(bodies) - offset) // (args.rounds * 2)
        for r in range(args.rounds):
            for name, (path, headers, idem) in endpoints.items():
                chunk = bodies[offset : offset + per_round]
                offset += per_round
                result = drive(path, headers, chunk, args.clients, args.seconds, idem)
                rounds[name].append(result)
                print(
                    f"round {r + 1} {name:>8}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}  ({result['requests']} requests)"
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    summary = {
        name: {k: median([r[k] for r in results]) for k in ("rps", "p50_ms", "p99_ms")}
        | {"errors": sum(r["errors"] for r in results)}
        for name, results in rounds.items()
    }
    ratio = summary["sign"]["rps"] / summary["baseline"]["rps"]
    # Rounds alternate, so each sign round is compared with the baseline round just before it.
    paired = median([s["rps"] / b["rps"] for s, b in zip(rounds["sign"], rounds["baseline"], strict=True)])
    print()
    print(f"{'':>10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}   (medians of {args.rounds} rounds)")
    for name, s in summary.items():
        print(f"{name:>10} {s['rps']:10.1f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['errors']:7d}")
    print(f"ratio sign/baseline: {ratio:.2f} (of the medians), {paired:.2f} (median of per-round ratios)")
    print("target: ratio >= 0.6, p99 < 50 ms, no errors")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sign_load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {"args": vars(args), "rounds": rounds, "summary": summary, "ratio": ratio, "paired_ratio": paired}, indent=2
        )
    )
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
