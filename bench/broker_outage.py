"""The partner sign endpoint while Redis (broker and cache) is down, against the same endpoint
with Redis up, in one run; then how long until everything stored during the outage is verified.

    python bench/broker_outage.py [--connections 8] [--seconds 10] [--rounds 3] [--workers 5]

The benchmark runs a Redis server of its own (port 6391, so the machine's Redis is never
touched), gunicorn with the benchmark settings, one real Celery worker and Celery beat. Each
round drives wrk against the sign endpoint with Redis up, then kills Redis (SIGKILL) and drives
it again, then starts Redis again and waits until no signature is left unverified (the work
left by the outage is picked up by beat's re-queue, recall.tasks.requeue_unverified). Every
request signs a distinct voter; every answer 202 must be a stored signature (nothing lost),
and the stored counts must equal a recount (nothing counted twice).

Targets: during the outage at least 0.5x the normal throughput, p99 under
100 ms, nothing lost, everything verified within 60 s of Redis returning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REDIS_PORT = 6391
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}"
os.environ.setdefault("BENCH_REDIS_URL", f"{REDIS_URL}/0")
os.environ.setdefault("BENCH_CACHE_URL", f"{REDIS_URL}/1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, median  # noqa: E402
from bench.sign_load import drive_wrk, endpoint, seed, start_server  # noqa: E402


class Redis:
    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="bench-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def kill(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def celery(*args: str) -> subprocess.Popen:
    # Appended: a restarted process must not overwrite the traceback of the one that exited.
    log = open(RESULTS / f"broker_outage-{args[0]}.log", "a")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "-l", "warning"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def waiting() -> int:
    from recall.models import Signature

    return Signature.objects.filter(state="received").count()


class Supervised:
    """A Celery process started again when it exits, as compose's restart policy does: a
    worker can die of an error kombu raises while reconnecting to a Redis that went away."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.restarts = 0
        self.process = celery(*args)

    def check(self) -> None:
        if self.process.poll() is not None:
            self.restarts += 1
            print(f"celery {self.args[0]} exited ({self.process.returncode}); started again", flush=True)
            self.process = celery(*self.args)


def wait_verified(timeout: float, supervised: list[Supervised]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for process in supervised:
            process.check()
        if waiting() == 0:
            return time.monotonic() - started
        time.sleep(0.25)
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    redis = Redis()
    redis.start()
    per_phase = args.seconds * 3000
    petition_id, key, bodies = seed(per_phase * 2 * args.rounds + 2000)
    from django.db import connection

    from recall.models import Signature
    from recall.services.verification import counts

    bodies_file = RESULTS / "outage_bodies.jsonl"
    bodies_file.write_bytes(b"\n".join(bodies) + b"\n")
    server = start_server(args.workers)
    worker = Supervised("worker", "-Q", "verification,notifications,default", "--concurrency", "1")
    beat = Supervised("beat", "--schedule", str(Path(redis.directory) / "beat-schedule"))
    supervised = [worker, beat]
    path, headers, idempotent = endpoint("sign", petition_id, key)
    offset = 0
    rounds: dict[str, list[dict]] = {"up": [], "down": []}
    recovery: list[float] = []
    accepted = 0
    try:
        # Warm every gunicorn worker, and let the Celery worker and beat connect.
        warm = drive_wrk(path, headers, idempotent, bodies_file, offset, 1000, args.connections, 2)
        offset += 1000
        accepted += warm["requests"] - warm["errors"]
        wait_verified(60, supervised)
        for r in range(args.rounds):
            up = drive_wrk(path, headers, idempotent, bodies_file, offset, per_phase, args.connections, args.seconds)
            offset += per_phase
            redis.kill()
            down = drive_wrk(path, headers, idempotent, bodies_file, offset, per_phase, args.connections, args.seconds)
            offset += per_phase
            left = waiting()
            redis.start()
            took = wait_verified(180, supervised)
            accepted += up["requests"] - up["errors"] + down["requests"] - down["errors"]
            rounds["up"].append(up)
            rounds["down"].append(down)
            recovery.append(took)
            for name, result in (("redis up", up), ("redis down", down)):
                print(
                    f"round {r + 1} {name:>10}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}",
                    flush=True,
                )
            print(f"round {r + 1}: {left} signatures waiting when Redis returned, all verified {took:.1f} s later")
    finally:
        processes = (server, worker.process, beat.process)
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.close()
        bodies_file.unlink(missing_ok=True)

    connection.close()
    stored = Signature.objects.filter(petition_id=petition_id).count()
    drift = counts.reconcile([petition_id])
    ratio = median([d["rps"] / u["rps"] for u, d in zip(rounds["up"], rounds["down"], strict=True)])
    summary = {
        phase: {k: median([r[k] for r in results]) for k in ("rps", "p50_ms", "p99_ms")}
        | {"errors": sum(r["errors"] for r in results)}
        for phase, results in rounds.items()
    }
    print()
    print(f"medians of {args.rounds} rounds, {args.connections} connections, {args.workers} gunicorn workers")
    for phase, s in summary.items():
        print(
            f"  redis {phase:>4}: {s['rps']:8.1f} req/s  p50 {s['p50_ms']:6.2f} ms  p99 {s['p99_ms']:6.2f} ms  errors {s['errors']}"
        )
    print(
        f"down/up {ratio:.2f}; verified after Redis returned: median {median(recovery):.1f} s, max {max(recovery):.1f} s"
    )
    # wrk does not count answers still in flight when a phase ends, so stored may exceed it.
    lost = "nothing lost" if stored >= accepted else f"{accepted - stored} LOST"
    print(f"answered 202: {accepted}, stored: {stored} ({lost}); counts repaired by reconciliation: {len(drift)}")
    print(f"Celery processes started again after exiting: worker {worker.restarts}, beat {beat.restarts}")
    print("targets: down/up >= 0.5, p99 down < 100 ms, nothing lost, verified within 60 s")
    out = RESULTS / f"broker_outage-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(args),
                "rounds": rounds,
                "recovery_s": recovery,
                "summary": summary,
                "down_up": ratio,
                "accepted": accepted,
                "stored": stored,
                "repaired": len(drift),
            },
            indent=2,
        )
    )
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
