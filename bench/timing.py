"""Does a repeat signature take as long as a first? Measured against gunicorn on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/recall_bench_timing \\
    BENCH_CACHE_URL=redis://127.0.0.1:6379/12 BENCH_REDIS_URL=redis://127.0.0.1:6379/11 \\
        python bench/timing.py [--pairs 150] [--port 8979] [--workers 2]

Three probes, each ``--pairs`` first and ``--pairs`` repeat requests, alternating within one run
(first, repeat, repeat, first, ...) so that load from anything else on the machine falls on
both alike:

- ``partner``: POST /api/v1/petitions/{id}/signatures/ with an IIN that has not signed vs one
  that already signed on the web (stored as a marked duplicate, answered the same);
- ``confirm``: the web confirm step with the right code (POST /kk/confirm/{token}/) for an IIN
  that has not signed vs one that has;
- ``sign``: the web sign form (POST /kk/petitions/{id}/sign/) with the IIN of a signer vs not
  (no lookup is made before the code: the worker tells a signer).

For each: the answers' status and shape (must be equal), mean and median latency, and Welch's
z = (mean_repeat - mean_first) / sqrt(var_first/n + var_repeat/n). |z| < 2 is the target.
The results are written to bench/results/timing.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT

CODE = "123456"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _voter(n: int, prefix: int) -> dict:
    from recall import iin

    born = dt.date(1950, 1, 1) + dt.timedelta(days=n % 20000)
    return {
        "iin": iin.make(born, "MF"[n % 2], prefix * 1000 + n // 20000 + 1),
        "full_name": f"Уақыт Сынақ {prefix} {n}",
        "birth_date": born.isoformat(),
        "address": f"Astana, Kabanbay batyr {n % 200}, apt. {n % 90}",
    }


def seed(pairs: int) -> dict:
    """A collecting petition, a partner key, signers who signed already, and code requests
    with a known code for first and repeat confirmations."""
    from bench.common import collecting_petition, fresh_database, setup_django

    fresh_database()
    setup_django()
    from accounts.models import ApiClient, ApiKey
    from recall.models import CodeRequest, ConfirmPurpose, District, policy_for
    from recall.services.signing import codes, signatures

    district = District.objects.create(
        code="T-1", name="Timing", region="Timing", level="mazhilis", body="Mazhilis", registered_voters=5_000_000
    )
    policy_for("mazhilis")
    petition = collecting_petition(district, now=dt.datetime.now(dt.UTC))
    client = ApiClient.objects.create(name="Timing partner")
    _key, raw = ApiKey.objects.create_key(client=client, name="timing", scopes=["sign", "read"])
    warm = 10
    total = pairs + warm

    def signer(data: dict, phone: str = "") -> signatures.Signer:
        return signatures.Signer(
            iin=data["iin"],
            full_name=data["full_name"],
            birth_date=dt.date.fromisoformat(data["birth_date"]),
            address=data["address"],
            phone=phone,
        )

    # Prefixes keep each probe's voters apart: 1 signed (partner repeats), 2 new (partner
    # firsts), 3 signed (confirm repeats), 4 new (confirm firsts), 5 signed (sign), 6 new (sign).
    voters = {prefix: [_voter(n, prefix) for n in range(total)] for prefix in range(1, 7)}
    for prefix in (1, 3, 5):
        for i, data in enumerate(voters[prefix]):
            signatures.sign_on_web(petition.pk, signer(data, f"+7701{prefix}{i:06d}"))
    confirmations: dict[int, list[str]] = {}
    for prefix in (3, 4):
        tokens = []
        for i, data in enumerate(voters[prefix]):
            phone = f"+7702{prefix}{i:06d}"
            found = signer(data, phone)
            now = dt.datetime.now(dt.UTC)
            row = CodeRequest.objects.create(
                token=f"timing-{prefix}-{i}-{os.urandom(8).hex()}",
                purpose=ConfirmPurpose.SIGN,
                petition_id=petition.pk,
                voter_digest=found.digest,
                phone_digest=codes.phone_digest(phone),
                payload={**found.as_dict(), "notify_outcome": False},
                phone_masked=codes.mask_phone(phone),
                language="kk",
                sends=1,
                last_sent_at=now,
                expires_at=now + dt.timedelta(hours=2),
            )
            CodeRequest.objects.filter(pk=row.pk).update(code_hash=codes._code_hash(row.token, CODE))
            tokens.append(row.token)
        confirmations[prefix] = tokens
    return {"petition": petition.pk, "key": raw, "voters": voters, "tokens": confirmations, "warm": warm}


class Client:
    """One keep-alive connection with a cookie jar (the CSRF cookie, the session)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return response.status, dict(response.getheaders()), data, elapsed

    def form_post(self, path: str, fields: dict) -> tuple[int, dict, bytes, float]:
        """GET the page (not timed) for its CSRF token, then the timed POST."""
        status, _headers, page, _t = self.request("GET", path)
        match = CSRF_FIELD.search(page)
        if status != 200 or match is None:
            raise SystemExit(f"GET {path}: {status}, no form")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": match.group(1).decode()}).encode()
        return self.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}{path}"},
        )


def shape(status: int, headers: dict, body: bytes) -> str:
    """What an observer compares: the status, where a redirect goes (tokens stripped), and the
    JSON keys of an API answer."""
    location = re.sub(r"/[A-Za-z0-9_-]{20,}/", "/<token>/", headers.get("Location", ""))
    if headers.get("Content-Type", "").startswith("application/json"):
        try:
            return f"{status} {sorted(json.loads(body))}"
        except ValueError:
            pass
    return f"{status} {location}"


def welch(first: list[float], repeat: list[float]) -> float:
    spread = math.sqrt(statistics.variance(first) / len(first) + statistics.variance(repeat) / len(repeat))
    return (statistics.fmean(repeat) - statistics.fmean(first)) / spread if spread else 0.0


def probe(name: str, pairs: int, warm: int, call) -> dict:  # type: ignore[no-untyped-def]
    """``call(kind, i)`` makes request i of kind ``first`` or ``repeat`` and returns
    (status, headers, body, ms). Warm-up requests are not counted."""
    for i in range(warm):
        call("first", pairs + i)
        call("repeat", pairs + i)
    times: dict[str, list[float]] = {"first": [], "repeat": []}
    shapes: dict[str, set[str]] = {"first": set(), "repeat": set()}
    for i in range(pairs):
        order = ("first", "repeat") if i % 2 == 0 else ("repeat", "first")
        for kind in order:
            status, headers, body, ms = call(kind, i)
            times[kind].append(ms)
            shapes[kind].add(shape(status, headers, body))
    result = {
        "pairs": pairs,
        "mean_first_ms": round(statistics.fmean(times["first"]), 2),
        "mean_repeat_ms": round(statistics.fmean(times["repeat"]), 2),
        "median_first_ms": round(statistics.median(times["first"]), 2),
        "median_repeat_ms": round(statistics.median(times["repeat"]), 2),
        "z": round(welch(times["first"], times["repeat"]), 2),
        "answers_first": sorted(shapes["first"]),
        "answers_repeat": sorted(shapes["repeat"]),
        "same_answers": shapes["first"] == shapes["repeat"],
    }
    print(
        f"{name:8} first mean {result['mean_first_ms']:7.2f} ms median {result['median_first_ms']:7.2f}  "
        f"repeat mean {result['mean_repeat_ms']:7.2f} ms median {result['median_repeat_ms']:7.2f}  "
        f"z {result['z']:+.2f}  answers {'same' if result['same_answers'] else 'DIFFER'} {sorted(shapes['first'])}"
        + ("" if result["same_answers"] else f" vs {sorted(shapes['repeat'])}"),
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=150)
    parser.add_argument("--port", type=int, default=8979)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--probes", default="partner,confirm,sign")
    args = parser.parse_args()

    data = seed(args.pairs)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "RECALL_WEB_FORM_RATE": "1000000/hour",
        "RECALL_OTP_PHONE_RATE": "1000000/hour",
        "RECALL_OTP_PHONE_RATE_PER_ADDRESS": "1000000/hour",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    results: dict[str, dict] = {}
    try:
        client = Client(args.port)
        for _ in range(100):
            try:
                client.request("GET", "/livez")
                break
            except OSError:
                time.sleep(0.1)
        petition, key, voters, tokens, warm = (
            data["petition"],
            data["key"],
            data["voters"],
            data["tokens"],
            data["warm"],
        )
        wanted = args.probes.split(",")

        def partner(kind: str, i: int):  # type: ignore[no-untyped-def]
            body = json.dumps(voters[1 if kind == "repeat" else 2][i], ensure_ascii=False).encode()
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Api-Key {key}",
                "Idempotency-Key": f"timing-{kind}-{i}-{time.time_ns()}",
            }
            return client.request("POST", f"/api/v1/petitions/{petition}/signatures/", body, headers)

        def confirm(kind: str, i: int):  # type: ignore[no-untyped-def]
            web = Client(args.port)  # a voter of their own: a fresh session
            token = tokens[3 if kind == "repeat" else 4][i]
            return web.form_post(f"/kk/confirm/{token}/", {"code": CODE})

        def sign(kind: str, i: int):  # type: ignore[no-untyped-def]
            web = Client(args.port)
            voter = voters[5 if kind == "repeat" else 6][i]
            fields = {**voter, "phone": f"+7703{5 if kind == 'repeat' else 6}{i:06d}", "consent": "on"}
            return web.form_post(f"/kk/petitions/{petition}/sign/", fields)

        for name, call in (("partner", partner), ("confirm", confirm), ("sign", sign)):
            if name in wanted:
                results[name] = probe(name, args.pairs, warm, call)
    finally:
        server.terminate()
        server.wait(timeout=30)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "timing.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    bad = [name for name, r in results.items() if abs(r["z"]) >= 2 or not r["same_answers"]]
    if bad:
        print(f"NOT EQUAL: {', '.join(bad)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
