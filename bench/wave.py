"""A nationwide wave: the national register, 29 Mazhilis and 50 maslikhat petitions collecting at
once, mixed load on the whole service, real Celery workers verifying.

    python bench/wave.py [--voters 12000000] [--minutes 10] [--clients 16] [--web-workers 5]
                         [--kill-worker-seconds 60] [--reuse-register] [--rate ACTIONS_PER_SECOND]
    python bench/wave.py --voters 200000 --minutes 2 --kill-worker-seconds 20      # a short run

1. The register (bench/register_file.py: 17 regions and 3 cities, their districts) imported with
   `manage.py import_register` into a fresh benchmark database (``--reuse-register`` keeps the
   one there); 79 of its districts get a collecting petition each, 29 of them as Mazhilis
   districts, 50 as maslikhat districts.
2. The service as deployed: gunicorn (``--web-workers``), two Celery workers on the
   ``verification`` queue (one process each), one on ``notifications,default`` (the text
   messages), and beat (re-queue, checkpoints). Public reads go to the replica when
   DATABASE_REPLICA_URLS is set (bench/replica.py starts one).
3. ``--minutes`` of mixed load from ``--clients`` processes choosing every action at random: 80 %
   public reads (the petition page in kk/ru/en, the API detail, the home page), 15 % signing
   (half a partner's POST with an API key, half a voter on the web: the form, the code texted to
   their phone, the confirmation), 5 % checks (a partner reading a receipt's state). Signers are
   voters of the petition's district, so their signatures are valid.
   Without ``--rate`` each client is a closed loop (the next action when the last is answered):
   the service is saturated, and its latency is the queue's (Little's law). With ``--rate R``
   the actions arrive at R a second in all (a Poisson process shared by the clients), as
   visitors do whatever the service's pace, and an action's first request is timed from when it
   was due, not from when a busy client got to send it (no coordinated omission).
4. Unless ``--kill-worker-seconds 0``: in the middle, one verification worker is killed
   (SIGKILL, its batch unacknowledged) and started again after that many seconds.
5. After the load: wait until nothing is waiting, then read from the database the verification
   lag of every signature stored during the wave (received to decided), and check that nothing
   was lost: every accepted signature is stored and decided, and the stored counts equal a
   recount.

Prints read and sign p50/p99, errors, the lag p50/p99 (over the wave, and for signatures stored
after the killed worker came back), against the targets: no errors, read p99 < 100 ms, sign p99 <
200 ms, lag p99 < 60 s. Results in bench/results/wave-*.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import register_file
from bench.common import RESULTS, ROOT, percentile

PORT = 8927
SMS_LIST = "bench:sms"  # bench/sms.py pushes every text here; the web signers read their code
READ_SHARE, SIGN_SHARE = 0.80, 0.15
SIGNERS_PER_PETITION = 4000


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "RECALL_SMS_BACKEND": "bench.sms.RedisOutbox",
        "RECALL_WEB_FORM_RATE": "100000000/hour",  # every voter of the wave comes from 127.0.0.1
        "RECALL_PUBLIC_LOCAL_SECONDS": "1",
    }


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True)


# --- Setting up ---------------------------------------------------------------------------------


def setup(args: argparse.Namespace, work: Path) -> dict:
    from bench.common import fresh_database, setup_django

    register = work / "register.csv"
    if not args.reuse_register:
        fresh_database()
        register_file.districts_csv(work / "districts.csv", args.voters)
        manage("import_places", str(work / "districts.csv"))
        register_file.write(register, args.voters)
        started = time.perf_counter()
        manage("import_register", str(register), "--no-progress")
        print(f"register: {args.voters:,} voters imported in {time.perf_counter() - started:.0f} s", flush=True)
    elif not register.exists():
        register_file.write(register, args.voters)
    setup_django()
    from accounts.models import ApiClient, ApiKey
    from bench.common import collecting_petition
    from recall.models import District, policy_for

    if args.reuse_register:  # a new wave on the same register: the last wave's petitions go
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE recall_petition, recall_deputy CASCADE")
    for level in ("mazhilis", "district"):
        policy_for(level)
    chosen = list(District.objects.order_by("code")[:79])
    now = dt.datetime.now(dt.UTC)
    petitions = {}
    for n, district in enumerate(chosen):
        if n < 29:  # the 29 single-member Mazhilis districts of the wave
            District.objects.filter(pk=district.pk).update(level="mazhilis")
            district.level = "mazhilis"
        petitions[district.code] = collecting_petition(district, now=now).pk
    client, _created = ApiClient.objects.get_or_create(name="Wave partner")
    _key, raw = ApiKey.objects.create_key(client=client, name="wave", scopes=["sign", "read"])
    signers: dict[int, list[list[str]]] = {pk: [] for pk in petitions.values()}
    with register.open(newline="") as f:
        for row in csv.DictReader(f):
            pk = petitions.get(row["district"])
            if pk and row["status"] == "active" and len(signers[pk]) < SIGNERS_PER_PETITION:
                signers[pk].append([row["iin"], row["full_name"], row["birth_date"], row["address"]])
    return {"petitions": list(petitions.values()), "key": raw, "signers": signers}


# --- The service --------------------------------------------------------------------------------


def start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env(), stdout=log.open("ab"), stderr=subprocess.STDOUT)


def worker(name: str, queues: str, work: Path) -> subprocess.Popen:
    return start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            f"{name}@%h",
            "-Q",
            queues,
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "-l",
            "warning",
        ],  # fmt: skip
        work / f"{name}.log",
    )


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_workers(names: set[str], timeout: float = 180) -> None:
    """Until every Celery worker named answers a ping: the load starts on a service that is up
    (a web signer waits 30 s for its texted code, which the notifications worker sends)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if names <= {name.split("@")[0] for reply in replies for name in reply}:
            return
    raise SystemExit(f"the workers {sorted(names)} did not all start in {timeout:.0f} s")


def wait_port(port: int) -> None:
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


# --- The load -----------------------------------------------------------------------------------


def client_loop(job: tuple) -> dict:
    index, seconds, plan, key, redis_url, rate = job
    import redis

    sms = redis.Redis.from_url(redis_url, socket_timeout=45)
    rng = random.Random(index)
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    out: dict = {"read": [], "sign": [], "check": [], "errors": [], "accepted": [], "receipts": [], "behind": []}
    deadline = time.monotonic() + seconds
    due = time.perf_counter()  # open loop: when the next action is due
    first = False  # the next request is an action's first: timed from when it was due

    def call(method: str, path: str, body: bytes | None = None, headers: dict | None = None):  # type: ignore[no-untyped-def]
        nonlocal conn, first
        started = due if first else time.perf_counter()
        first = False
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            return None, b"", {}, (time.perf_counter() - started) * 1000, str(error)
        return response.status, data, dict(response.getheaders()), (time.perf_counter() - started) * 1000, ""

    petitions = plan["petitions"]
    while time.monotonic() < deadline:
        if rate:
            due += rng.expovariate(rate)
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                out["behind"].append(-wait * 1000)
            first = True
        roll = rng.random()
        pk = rng.choice(petitions)
        if roll < READ_SHARE:
            path = rng.choice(
                [f"/{rng.choice(['kk', 'ru', 'en'])}/petitions/{pk}/", f"/api/v1/petitions/{pk}/", "/en/"]
            )
            status, _b, _h, ms, error = call("GET", path)
            out["read"].append(ms)
            if status != 200:
                out["errors"].append(f"read {path}: {status or error}")
            continue
        if roll < READ_SHARE + SIGN_SHARE:
            signer = plan["take"](pk, rng)
            if signer is None:
                continue
            iin, name, born, address = signer
            if rng.random() < 0.5:
                body = json.dumps({"iin": iin, "full_name": name, "birth_date": born, "address": address}).encode()
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Api-Key {key}",
                    "Idempotency-Key": f"wave-{index}-{iin}",
                }
                status, data, _h, ms, error = call("POST", f"/api/v1/petitions/{pk}/signatures/", body, headers)
                out["sign"].append(ms)
                if status == 202:
                    out["accepted"].append(iin)
                    out["receipts"].append(json.loads(data)["receipt"])
                else:
                    out["errors"].append(f"partner sign: {status or error} {data[:120]!r}")
                continue
            # A number of the voter's own (a billion of them: two signers never share one).
            phone = f"+77{int(hashlib.blake2b(iin.encode(), digest_size=8).hexdigest(), 16) % 10**9:09d}"
            # The voter opens the form (its CSRF cookie and token), fills it in and sends it.
            status, data, headers, ms, error = call("GET", f"/en/petitions/{pk}/sign/")
            out["sign"].append(ms)
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
            cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
            if status != 200 or not token or not cookie:
                out["errors"].append(f"sign page: {status or error}")
                continue
            form = urlencode(
                {
                    "iin": iin,
                    "full_name": name,
                    "birth_date": born,
                    "address": address,
                    "phone": phone,
                    "consent": "on",
                    "csrfmiddlewaretoken": token.group(1).decode(),
                }  # fmt: skip
            ).encode()
            form_headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie.group(1)}",
                "Referer": f"http://127.0.0.1:{PORT}/en/petitions/{pk}/sign/",
            }
            status, data, headers, ms, error = call("POST", f"/en/petitions/{pk}/sign/", form, form_headers)
            out["sign"].append(ms)
            confirm = headers.get("Location", "")
            if status != 302 or "/confirm/" not in confirm:
                out["errors"].append(f"web sign: {status or error} {data[:120]!r}")
                continue
            try:  # the code, as the voter's phone would receive it from the notification worker
                found = sms.blpop([f"{SMS_LIST}:{phone}"], timeout=30)
            except redis.RedisError as error:
                found = None
                out["errors"].append(f"web sign: reading the texted code: {error}")
            code = re.search(rb"(?<!\d)(\d{6})(?!\d)", found[1]) if found else None
            if code is None:
                out["errors"].append(f"web sign: no code texted to {phone}")
                continue
            body = urlencode(
                {"code": code.group(1).decode(), "csrfmiddlewaretoken": token.group(1).decode(), "confirm": ""}
            ).encode()
            status, data, headers, ms, error = call("POST", confirm, body, form_headers)
            out["sign"].append(ms)
            if status == 302 and "/receipt/" in headers.get("Location", ""):
                out["accepted"].append(iin)
            else:
                out["errors"].append(f"web confirm: {status or error} {data[:120]!r}")
            continue
        if out["receipts"]:
            receipt = rng.choice(out["receipts"])
            status, _b, _h, ms, error = call(
                "GET", f"/api/v1/signatures/{receipt}/", headers={"Authorization": f"Api-Key {key}"}
            )
            out["check"].append(ms)
            if status != 200:
                out["errors"].append(f"check: {status or error}")
    conn.close()
    return out


class Signers:
    """Each client process signs with its own share of each petition's voters."""

    def __init__(self, signers: dict[int, list[list[str]]], index: int, clients: int) -> None:
        self.left = {pk: rows[index::clients] for pk, rows in signers.items()}

    def __call__(self, pk: int, rng: random.Random) -> list[str] | None:
        rows = self.left.get(pk)
        return rows.pop() if rows else None


# --- After the load -----------------------------------------------------------------------------


def drain_and_measure(started: dt.datetime, back_at: dt.datetime | None, timeout: float) -> dict:
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM recall_signature WHERE state = 'received'")
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(1)
        cursor.execute("SELECT count(*) FROM recall_signature WHERE state = 'received'")
        waiting = cursor.fetchone()[0]
        lags: dict = {}
        for label, since in (("wave", started), ("after the worker came back", back_at)):
            if since is None:
                continue
            cursor.execute(
                """
                SELECT count(*),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM verified_at - received_at)),
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM verified_at - received_at))
                FROM recall_signature WHERE received_at >= %s AND verified_at IS NOT NULL
                """,
                [since],
            )
            n, p50, p99 = cursor.fetchone()
            lags[label] = {"signatures": n, "p50_s": float(p50 or 0), "p99_s": float(p99 or 0)}
    from recall.services.verification import counts

    drift = counts.reconcile()  # the stored counts against a recount (repaired and logged if they drifted)
    return {"waiting_after": waiting, "lag": lags, "count_drift": drift or "none"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=12_000_000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=5)
    parser.add_argument("--kill-worker-seconds", type=float, default=60)
    parser.add_argument("--reuse-register", action="store_true")
    parser.add_argument(
        "--rate", type=float, default=0, help="actions a second in all, arriving at random (0: closed loops)"
    )
    parser.add_argument("--dir", default="/tmp/recall-wave")
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args()

    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    plan = setup(args, work)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    # A wave on the same register signs with the same voters and phones: the texts left from the
    # last one (their receipts) would be read as this one's codes.
    import redis

    outbox = redis.Redis.from_url(redis_url)
    for inbox in outbox.scan_iter(f"{SMS_LIST}:*", count=10_000):
        outbox.delete(inbox)
    processes = [
        start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bench.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(args.web_workers),
                "--log-level",
                "warning",
            ],  # fmt: skip
            work / "gunicorn.log",
        ),
        worker("verify1", "verification", work),
        worker("verify2", "verification", work),
        worker("notify", "notifications,default", work),
        start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "warning",
                "-s",
                str(work / "beat-schedule"),
            ],
            work / "beat.log",
        ),  # fmt: skip
    ]
    wait_port(PORT)
    wait_workers({"verify1", "verify2", "notify"})
    seconds = args.minutes * 60
    started = dt.datetime.now(dt.UTC)
    back_at = None
    jobs = []
    for index in range(args.clients):
        share = {"petitions": plan["petitions"], "take": Signers(plan["signers"], index, args.clients)}
        jobs.append((index, seconds, share, plan["key"], redis_url, args.rate / args.clients))
    pace = f"{args.rate:g} actions/s arriving at random" if args.rate else "closed loops"
    print(f"load: {args.clients} clients ({pace}) for {args.minutes} min", flush=True)
    try:
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            pending = pool.map_async(client_loop, jobs)
            if args.kill_worker_seconds:
                time.sleep(seconds / 2)
                victim = processes[1]
                for child in children(victim.pid):  # its pool process, holding an unacknowledged batch
                    os.kill(child, signal.SIGKILL)
                victim.send_signal(signal.SIGKILL)
                print(f"killed worker verify1 (pid {victim.pid}) at {seconds / 2:.0f} s", flush=True)
                time.sleep(args.kill_worker_seconds)
                processes[1] = worker("verify1", "verification", work)
                back_at = dt.datetime.now(dt.UTC)
                print("verify1 started again", flush=True)
            results = pending.get()
        ended = dt.datetime.now(dt.UTC)
        measured = drain_and_measure(started, back_at, args.drain_timeout)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    merged = {k: [x for r in results for x in r[k]] for k in ("read", "sign", "check", "errors", "accepted", "behind")}
    from recall.models import Signature

    stored = Signature.objects.filter(received_at__gte=started, received_at__lte=ended).count()
    elapsed = (ended - started).total_seconds()
    report = {
        "args": vars(args),
        "requests": {k: len(merged[k]) for k in ("read", "sign", "check")},
        "per_second": sum(len(merged[k]) for k in ("read", "sign", "check")) / elapsed,
        "read": {"p50_ms": percentile(merged["read"], 50), "p99_ms": percentile(merged["read"], 99)},
        "sign": {"p50_ms": percentile(merged["sign"], 50), "p99_ms": percentile(merged["sign"], 99)},
        "check": {"p50_ms": percentile(merged["check"], 50), "p99_ms": percentile(merged["check"], 99)},
        # Open loop: actions a client sent late because its last one (a web signer waiting for
        # the texted code) was still going; their first request's time includes the delay.
        "late_actions": len(merged["behind"]),
        "late_p99_ms": percentile(merged["behind"], 99) if merged["behind"] else 0.0,
        "errors": len(merged["errors"]),
        "first_errors": merged["errors"][:20],
        "accepted": len(merged["accepted"]),
        "stored": stored,
        **measured,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "args"}, indent=2, default=str))
    lag = report["lag"].get("wave", {}).get("p99_s", float("nan"))
    print(
        f"\nreads p50 {report['read']['p50_ms']:.1f} ms p99 {report['read']['p99_ms']:.1f} ms (target < 100); "
        f"signing p50 {report['sign']['p50_ms']:.1f} ms p99 {report['sign']['p99_ms']:.1f} ms (target < 200); "
        f"errors {report['errors']} (target 0); lag p99 {lag:.1f} s (target < 60); "
        f"accepted {report['accepted']}, stored {stored}, still waiting {report['waiting_after']}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"wave-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out.relative_to(ROOT)}; logs in {work}")


if __name__ == "__main__":
    main()
