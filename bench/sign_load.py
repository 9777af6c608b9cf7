"""Load on the partner sign endpoint against two baselines, served by gunicorn on PostgreSQL.

    python bench/sign_load.py [--driver both|wrk|python] [--connections 8] [--seconds 10]
                              [--rounds 3] [--workers 5]

Endpoints, driven in the same run, alternating within each round:
- ``sign``: POST /api/v1/petitions/{id}/signatures/ with an API key and an Idempotency-Key, every
  check on (key, scope, throttle, idempotency, validation, the guarded INSERT, the queue);
- ``orm``: a minimal DRF view creating the same row with the ORM (same digests, the name's word
  digests included, and the same encryption;
  no key, no validation, no idempotency, no queue);
- ``bare``: a DRF view doing one raw INSERT into the same table (no digests, no encryption);
- ``outside``: the same bare view outside the service's stack (bench/wsgi.py serves it through a
  Django handler with no middleware): the floor of any sign endpoint written with DRF.

``orm`` and ``bare`` are served under /bench/, where the site's middleware runs in full; the
sign endpoint is under /api/, where sessions, the signed-in user, its second factor and messages
step aside (config.middleware.site_only).

Drivers: ``wrk`` (C, leaves the CPU to the server; bench/wrk_post.lua) and ``python`` (one
process per connection, http.client). Every request signs a distinct voter. Prints requests per
second, p50 and p99 latency and errors per round, then the medians and the ratios
sign/orm, sign/bare and sign/outside. Targets: sign >= 1.0x orm and >= 0.6x outside, p99 < 50 ms, no
errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, median, percentile

PORT = 8977
ENDPOINTS = ("sign", "orm", "bare", "outside")
WRK_SCRIPT = ROOT / "bench" / "wrk_post.lua"


def seed(total_requests: int) -> tuple[int, str, list[bytes]]:
    """A collecting petition, a partner key, and one distinct request body per request."""
    from bench.common import collecting_petition, fresh_database, setup_django

    fresh_database()
    setup_django()
    from accounts.models import ApiClient, ApiKey
    from recall import iin
    from recall.models import District, policy_for

    district = District.objects.create(
        code="B-1", name="Bench", region="Bench", level="mazhilis", body="Mazhilis", registered_voters=5_000_000
    )
    policy_for("mazhilis")
    petition = collecting_petition(district, now=dt.datetime.now(dt.UTC))
    client = ApiClient.objects.create(name="Bench partner")
    _key, raw = ApiKey.objects.create_key(client=client, name="bench", scopes=["sign", "read"])
    bodies: dict[str, bytes] = {}
    start = dt.date(1950, 1, 1)
    n = 0
    while len(bodies) < total_requests:
        born = start + dt.timedelta(days=n % 20000)
        number = iin.make(born, "MF"[n % 2], (n // 20000) * 13 + 1)
        bodies.setdefault(
            number,
            json.dumps(
                {
                    "iin": number,
                    "full_name": f"Бенчмарк Сайлаушы {n}",
                    "birth_date": born.isoformat(),
                    "address": f"Astana, Kabanbay batyr {n % 200}, apt. {n % 90}",
                },
                ensure_ascii=False,
            ).encode(),
        )
        n += 1
    return petition.pk, raw, list(bodies.values())


def endpoint(name: str, petition_id: int, key: str) -> tuple[str, dict[str, str], bool]:
    """(path, headers, send an Idempotency-Key)"""
    if name == "sign":
        return (
            f"/api/v1/petitions/{petition_id}/signatures/",
            {"Content-Type": "application/json", "Authorization": f"Api-Key {key}"},
            True,
        )
    return f"/bench/{name}/{petition_id}/signatures/", {"Content-Type": "application/json"}, False


# --- Python driver ------------------------------------------------------------------------------


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


def drive_python(path: str, headers: dict, idempotent: bool, bodies: list[bytes], clients: int, seconds: float) -> dict:
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


# --- wrk driver ---------------------------------------------------------------------------------

WRK_THREADS = 2


def drive_wrk(
    path: str,
    headers: dict,
    idempotent: bool,
    bodies_file: Path,
    first: int,
    count: int,
    connections: int,
    seconds: float,
) -> dict:
    auth = headers.get("Authorization", "")
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        f"http://127.0.0.1:{PORT}{path}",
        "--",
        str(bodies_file),
        str(first),
        str(count),
        auth,
        "1" if idempotent else "0",
        str(WRK_THREADS),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^JSON (\{.*\})$", output, re.MULTILINE)
    if not found:
        raise SystemExit("wrk printed no summary:\n" + output)
    data = json.loads(found.group(1))
    return {
        "requests": data["requests"],
        "rps": data["requests"] / data["seconds"],
        "p50_ms": data["p50_ms"],
        "p99_ms": data["p99_ms"],
        "errors": data["non2xx"] + data["errors"],
    }


# --- The run ------------------------------------------------------------------------------------


def wait_for_port() -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", PORT)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def start_server(workers: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **(env or {})},
    )
    wait_for_port()
    return server


def summarize(rounds: dict[str, list[dict]]) -> dict[str, dict]:
    return {
        name: {k: median([r[k] for r in results]) for k in ("rps", "p50_ms", "p99_ms")}
        | {"errors": sum(r["errors"] for r in results)}
        for name, results in rounds.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", choices=["both", "wrk", "python"], default="both")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (2 x cores + 1)")
    args = parser.parse_args()

    drivers = ["wrk", "python"] if args.driver == "both" else [args.driver]
    per_run = int(args.seconds * 4000)  # more bodies than one endpoint can use in a round
    budget = per_run * args.rounds * len(ENDPOINTS) * len(drivers) + 3000
    petition_id, key, bodies = seed(budget)
    RESULTS.mkdir(parents=True, exist_ok=True)
    bodies_file = RESULTS / "sign_bodies.jsonl"
    bodies_file.write_bytes(b"\n".join(bodies) + b"\n")
    server = start_server(args.workers)
    offset = 0
    results: dict[str, dict[str, list[dict]]] = {}
    try:
        for name in ENDPOINTS:  # warm every worker's connections and imports
            path, headers, idem = endpoint(name, petition_id, key)
            drive_python(path, headers, idem, bodies[offset : offset + 1000], args.connections, 1.0)
            offset += 1000
        for driver in drivers:
            rounds: dict[str, list[dict]] = {name: [] for name in ENDPOINTS}
            for r in range(args.rounds):
                order = ENDPOINTS[r % len(ENDPOINTS) :] + ENDPOINTS[: r % len(ENDPOINTS)]  # alternate the first
                for name in order:
                    path, headers, idem = endpoint(name, petition_id, key)
                    if driver == "wrk":
                        result = drive_wrk(
                            path, headers, idem, bodies_file, offset, per_run, args.connections, args.seconds
                        )
                    else:
                        chunk = bodies[offset : offset + per_run]
                        result = drive_python(path, headers, idem, chunk, args.connections, args.seconds)
                    offset += per_run
                    rounds[name].append(result)
                    print(
                        f"{driver:>6} round {r + 1} {name:>5}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                        f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}  ({result['requests']} requests)",
                        flush=True,
                    )
            results[driver] = rounds
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        bodies_file.unlink(missing_ok=True)

    report = {}
    print()
    for driver, rounds in results.items():
        summary = summarize(rounds)
        paired_orm = median([s["rps"] / b["rps"] for s, b in zip(rounds["sign"], rounds["orm"], strict=True)])
        paired_bare = median([s["rps"] / b["rps"] for s, b in zip(rounds["sign"], rounds["bare"], strict=True)])
        paired_out = median([s["rps"] / b["rps"] for s, b in zip(rounds["sign"], rounds["outside"], strict=True)])
        print(f"{driver}: medians of {args.rounds} rounds, {args.connections} connections, {args.workers} workers")
        print(f"{'':>8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, s in summary.items():
            print(f"{name:>8} {s['rps']:10.1f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['errors']:7d}")
        print(
            f"sign/orm {paired_orm:.2f}, sign/bare {paired_bare:.2f}, sign/outside {paired_out:.2f} "
            "(medians of the per-round ratios)"
        )
        print()
        report[driver] = {
            "rounds": rounds,
            "summary": summary,
            "sign_orm": paired_orm,
            "sign_bare": paired_bare,
            "sign_outside": paired_out,
        }
    print("targets: sign/orm >= 1.0, sign/outside >= 0.6, p99 < 50 ms, no errors")
    out = RESULTS / f"sign_load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"args": vars(args), **report}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
