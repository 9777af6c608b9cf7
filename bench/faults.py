"""Faults the service must recover from by itself, reproduced against real processes.

    python bench/faults.py [--trials 10] [--register-rows 200000] [--lease 20]

Runs gunicorn with the benchmark settings (bench/settings.py, a fresh database of its own), a
real Celery worker and Celery beat, and injects two faults (the third, Redis killed under load,
is bench/broker_outage.py's; a threshold crossed with the broker down is
tests/workers/test_notice_outbox.py's):

1. **A database failover.** Every connection of the service to PostgreSQL is terminated
   (``pg_terminate_backend``, as a failover or an idle-connection reaper does) while idle, then
   nine partner sign requests and nine reads (/readyz, which asks the database) are sent one after another. Repeated
   ``--trials`` times. Target: no request answers anything but 202/200 (each process notices
   the dead connection before using it and opens a new one).
   Then the same under load: connections terminated every 0.25 s for 10 s while 4 clients sign.
   Terminated in the middle of a statement a request may fail; what is checked there is that
   every 202 is a stored signature and that the counts equal a recount.
2. **A worker killed mid-job.** A register import of ``--register-rows`` voters is uploaded as an
   official does; once the worker has claimed it, the worker is killed (SIGKILL) and a new one
   started, as a supervisor would. Target: the job ends (done when run again, or failed with a
   message the official sees) without anyone touching it, within its lease (``--lease`` s, given to the processes
   as RECALL_JOB_LEASE_SECONDS) plus beat's minute, and its upload is gone from disk.

Results are printed and written to bench/results/faults-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import register_file
from bench.common import DB_NAME, PG_ARGS, RESULTS, ROOT, median
from bench.sign_load import PORT, endpoint, seed, start_server


def celery(log_name: str, *args: str, env: dict[str, str]) -> subprocess.Popen:
    log = open(RESULTS / f"faults-{log_name}.log", "a")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "-l", "warning"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def terminate_backends() -> int:
    """Terminate every connection to the benchmark database but this script's own."""
    sql = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    done = subprocess.run(["psql", *PG_ARGS, "-d", "postgres", "-Atc", sql], capture_output=True, text=True, check=True)
    return int(done.stdout.strip() or 0)


def request(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


def failover(petition_id: int, key: str, bodies: list[bytes], trials: int) -> dict:
    path, headers, _ = endpoint("sign", petition_id, key)
    # Public pages are answered from the cache; /readyz asks the database in every request.
    read = "/readyz"
    statuses: dict[str, list[int]] = {"sign": [], "read": []}
    body = iter(bodies)
    terminated = []
    for trial in range(trials):
        # Every gunicorn worker holds a connection (CONN_MAX_AGE), then all are cut while idle.
        for _ in range(12):
            request("GET", read, None, {})
            request("POST", path, next(body), {**headers, "Idempotency-Key": f"warm-{trial}-{time.time_ns()}"})
        time.sleep(0.2)
        terminated.append(terminate_backends())
        for i in range(9):
            sign_headers = {**headers, "Idempotency-Key": f"failover-{trial}-{i}-{time.time_ns()}"}
            statuses["sign"].append(request("POST", path, next(body), sign_headers))
            statuses["read"].append(request("GET", read, None, {}))
    failed = {name: [s for s in got if s not in (200, 202)] for name, got in statuses.items()}
    return {
        "trials": trials,
        "connections_terminated_median": median(terminated),
        "sign_requests": len(statuses["sign"]),
        "sign_failed": len(failed["sign"]),
        "read_requests": len(statuses["read"]),
        "read_failed": len(failed["read"]),
        "failed_statuses": sorted(set(failed["sign"] + failed["read"])),
    }


def failover_under_load(petition_id: int, key: str, bodies: list[bytes], seconds: float = 10) -> dict:
    path, headers, _ = endpoint("sign", petition_id, key)
    accepted: list[int] = []
    failed: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    chunks = [bodies[i::4] for i in range(4)]

    def client(mine: list[bytes], n: int) -> None:
        for i, body in enumerate(mine):
            if time.monotonic() >= deadline:
                return
            status = request("POST", path, body, {**headers, "Idempotency-Key": f"load-{n}-{i}-{time.time_ns()}"})
            with lock:
                (accepted if status == 202 else failed).append(status)

    threads = [threading.Thread(target=client, args=(chunk, n)) for n, chunk in enumerate(chunks)]
    for thread in threads:
        thread.start()
    cuts = 0
    while time.monotonic() < deadline:
        terminate_backends()
        cuts += 1
        time.sleep(0.25)
    for thread in threads:
        thread.join()
    return {"seconds": seconds, "cuts": cuts, "accepted": len(accepted), "failed": len(failed)}


def killed_job(rows: int, lease: int, env: dict[str, str]) -> dict:
    from django.core.files import File

    from accounts.models import User
    from recall.models import RegisterImport
    from recall.services.jobs import register_import

    with tempfile.TemporaryDirectory() as tmp:
        places = Path(tmp) / "districts.csv"
        register_file.districts_csv(places, rows)
        subprocess.run(
            [sys.executable, "manage.py", "import_places", str(places)],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            check=True,
            capture_output=True,
        )
        source = Path(tmp) / "register.csv"
        register_file.write(source, rows)
        official = User.objects.create_superuser("faults", "faults@example.kz", "faults-bench-only")
        worker = celery("worker", "worker", "-Q", "verification,notifications,default", "--concurrency", "1", env=env)
        beat = celery("beat", "beat", "--schedule", str(Path(tmp) / "beat-schedule"), env=env)
        try:
            with source.open("rb") as handle:
                job = register_import.create_job(file=File(handle, name="faults-register.csv"), actor=official)
            upload = Path(job.file.path)
            started = time.monotonic()
            while RegisterImport.objects.get(pk=job.pk).state != "running":
                if time.monotonic() - started > 120:
                    raise SystemExit("the worker did not claim the import within 2 minutes")
                time.sleep(0.1)
            time.sleep(1.0)  # well inside the import
            worker.kill()
            worker.wait()
            killed_at = time.monotonic()
            # The supervisor starts a new worker at once.
            worker = celery(
                "worker", "worker", "-Q", "verification,notifications,default", "--concurrency", "1", env=env
            )
            limit = lease + 60 + 180
            while True:
                state = RegisterImport.objects.get(pk=job.pk)
                if state.state in ("done", "failed"):
                    break
                if time.monotonic() - killed_at > limit:
                    break
                time.sleep(0.5)
            ended = time.monotonic() - killed_at
        finally:
            stop(worker, beat)
    job = RegisterImport.objects.get(pk=job.pk)
    return {
        "rows": rows,
        "lease_s": lease,
        "state": job.state,
        "ended_after_kill_s": round(ended, 1),
        "attempts": job.attempts,
        "errors": job.errors[:3] if job.errors else [],
        "upload_left_on_disk": upload.exists(),
        "created": job.created_count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--register-rows", type=int, default=200_000)
    parser.add_argument("--lease", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)

    petition_id, key, bodies = seed(40_000)
    from django.db import connection

    from recall.models import Signature
    from recall.services.verification import counts

    env = {"RECALL_JOB_LEASE_SECONDS": str(args.lease)}
    server = start_server(args.workers, env)
    results: dict = {"args": vars(args)}
    try:
        results["failover"] = failover(petition_id, key, bodies[:20_000], args.trials)
        print("database failover, idle connections cut:", json.dumps(results["failover"]), flush=True)
        connection.close()  # this script's own connection was cut too
        stored_before = Signature.objects.filter(petition_id=petition_id).count()
        results["failover_under_load"] = load = failover_under_load(petition_id, key, bodies[20_000:])
        connection.close()
        stored = Signature.objects.filter(petition_id=petition_id).count() - stored_before
        load["stored"] = stored
        load["lost"] = max(0, load["accepted"] - stored)
        print("connections cut every 0.25 s under load:", json.dumps(load), flush=True)
    finally:
        stop(server)
    results["killed_job"] = killed_job(args.register_rows, args.lease, env)
    print("worker killed mid-import:", json.dumps(results["killed_job"]), flush=True)
    results["counts_repaired"] = len(counts.reconcile([petition_id]))

    f, job = results["failover"], results["killed_job"]
    print()
    print(
        f"failover: {f['sign_failed']} of {f['sign_requests']} sign and {f['read_failed']} of "
        f"{f['read_requests']} read requests failed after the connections were cut ({args.trials} trials; target 0)"
    )
    print(
        f"under load: {load['accepted']} accepted, {load['stored']} stored, {load['lost']} lost, "
        f"{load['failed']} refused while connections were cut every 0.25 s; counts repaired: {results['counts_repaired']}"
    )
    print(
        f"killed job: {job['state']} {job['ended_after_kill_s']} s after the kill (lease {args.lease} s + beat's minute), "
        f"upload {'LEFT ON DISK' if job['upload_left_on_disk'] else 'gone'}"
    )
    out = RESULTS / f"faults-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
