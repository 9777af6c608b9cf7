"""Schemathesis over the whole REST API, every check, against gunicorn on PostgreSQL.

    python bench/api_fuzz.py [--max-examples 1500] [--port 8311] [--database recall_fuzz]
                             [--redis redis://127.0.0.1:6379]

Builds a database of its own (recall_fuzz) with the demo data, serves it with gunicorn
(--limit-request-line 8190, as the Dockerfile does), runs ``schemathesis run --checks all``
with the demo partner key (scopes read, sign, webhooks) and prints the summary. With the
default 1,500 examples per operation a run generates over 20,000 cases (about 17 minutes on
two cores). Target: no failures and no errors. schemathesis.toml holds the two documented
exceptions (rules OpenAPI cannot state). The suite runs a bounded version of the same
(tests/api/test_schema_fuzz.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS  # noqa: E402

PORT = 8311
DB = "recall_fuzz"
DEMO_KEY = "demo2026.local-demo-partner-key-not-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=1500)
    # Several runs on one machine: each its own port, database and Redis.
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--database", default=DB)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    port, db = args.port, args.database
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "REDIS_URL": f"{args.redis}/2",
        "CACHE_URL": f"{args.redis}/1",
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "API_ANON_RATE": "1000000/minute",
        "API_CLIENT_RATE": "1000000/minute",
    }
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "load_demo", "--voters", "3000"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"]
        + ["--limit-request-line", "8190", "--log-level", "error"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"http://127.0.0.1:{port}/api/schema/"]
            + ["--checks", "all", "--header", f"Authorization: Api-Key {DEMO_KEY}"]
            + ["--max-examples", str(args.max_examples), "--workers", "1", "--no-color"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    summary = run.stdout[run.stdout.rfind("SUMMARY") - 40 :] if "SUMMARY" in run.stdout else run.stdout[-4000:]
    print(summary)
    cases = re.search(r"(\d+) generated", summary)
    print(f"{cases.group(1) if cases else '?'} cases in {elapsed:.0f} s; exit code {run.returncode}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"api_fuzz-{dt.datetime.now():%Y%m%d-%H%M%S}.txt"
    out.write_text(run.stdout)
    print(f"written {out.relative_to(ROOT)}")
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
