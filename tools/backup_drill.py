#!/usr/bin/env python3
"""The backup drill: dump, restore into a new database, serve it, verify every petition's ledger
with the verifier taken before the dump.

    python tools/backup_drill.py [--source-url postgres://postgres@127.0.0.1:5432/recall_drill_source]
                                 [--port 8027] [--keep] [--verifier-arg=--state=...]

Steps, each printed; the drill exits 0 only if all pass:

1. source: without ``--existing-source`` a database of its own is created and migrated, and the
   demo's petitions loaded (``manage.py load_demo``); the service is started on it (gunicorn);
2. before the dump: a copy of ``tools/verify_ledger.py`` is taken and the log's public key
   (``/api/v1/ledger/key/``) read, as a citizen would have them, and every public petition
   verified against the source;
3. ``pg_dump --format=custom`` of the source (the file is what a nightly backup keeps);
4. ``createdb`` of a new database and ``pg_restore --no-owner`` into it;
5. the service started on the restored database with the same keys (below);
6. every petition verified again against the restored service, with the verifier copy and the
   key pinned (``--vkey``) from step 2: the counts, the checkpoints' signatures, the roots and
   the sample must all be the same as before the dump.

``--verifier-arg`` (repeatable) passes more arguments to every verification (for example a
state file, once the verifier keeps one); ``--check`` (repeatable, ``module:function``) adds a
check of your own, called with the two base URLs. ``--keep`` leaves the dump and the restored
database for inspection.

The keys a restore needs (kept apart from the backups, in the secret store):
``RECALL_ENCRYPTION_KEYS`` (personal data; a petition's data key is stored in the database,
wrapped by these), ``RECALL_IIN_KEY`` (every digest: the register and the signatures are
matched by it), ``RECALL_LEDGER_SIGNING_KEY`` (new checkpoints; old ones verify without it),
``SECRET_KEY`` (sessions; a new one only signs everybody out), and the commission's PDF
signing certificate and key (``RECALL_SUMMARY_SIGNING_*``). The drill runs the service with the
development keys of ``config.settings.local`` unless these are set in its environment.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def pg_args(url: str) -> tuple[list[str], str]:
    parts = urlsplit(url)
    return ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"], (
        parts.path.lstrip("/")
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def env_for(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "RECALL_PUBLIC_CACHE_SECONDS": "0",  # every answer read from the database being checked
    }


def manage(database_url: str, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env_for(database_url), check=True)


def serve(database_url: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env_for(database_url),
    )
    for _ in range(150):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the service did not start on port {port}")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def petitions(base: str) -> list[int]:
    found, url = [], f"{base}/api/v1/petitions/?page_size=200"
    while url:
        page = get_json(url)
        found += [p["id"] for p in page["results"]]
        url = page.get("next")
    return sorted(found)


def verify(verifier: Path, base: str, ids: list[int], vkey: str, extra: list[str]) -> list[int]:
    """The petitions whose verification failed."""
    failed = []
    for pk in ids:
        result = subprocess.run(
            [PYTHON, str(verifier), base, str(pk), "--vkey", vkey, *extra], capture_output=True, text=True
        )
        print(f"   petition {pk}: {'ok' if result.returncode == 0 else 'FAILED'}")
        if result.returncode != 0:
            print("   " + (result.stdout + result.stderr).strip().replace("\n", "\n   "))
            failed.append(pk)
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-url", default="postgres://postgres@127.0.0.1:5432/recall_drill_source")
    parser.add_argument("--existing-source", action="store_true", help="drill on a database that exists already")
    parser.add_argument("--restored-name", default="", help="the new database (default: <source>_restored)")
    parser.add_argument("--port", type=int, default=8027, help="the source service; the restored one on port + 1")
    parser.add_argument("--verifier-arg", action="append", default=[], dest="verifier_args")
    parser.add_argument("--check", action="append", default=[], help="module:function(source_url, restored_url)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    server_args, source_name = pg_args(args.source_url)
    restored_name = args.restored_name or f"{source_name}_restored"
    restored_url = with_database(args.source_url, restored_name)
    work = Path(tempfile.mkdtemp(prefix="recall-drill-"))
    dump = work / f"{source_name}.dump"
    servers: list[subprocess.Popen] = []
    failures: list[str] = []
    try:
        if not args.existing_source:
            step(f"1. a source database, {source_name}, with the demo's petitions")
            subprocess.run(["dropdb", *server_args, "--if-exists", "--force", source_name], check=True)
            subprocess.run(["createdb", *server_args, source_name], check=True)
            manage(args.source_url, "migrate", "-v0")
            manage(args.source_url, "load_demo")
        source_base = f"http://127.0.0.1:{args.port}"
        servers.append(serve(args.source_url, args.port))

        step("2. before the dump: the verifier, the log's key, every petition verified")
        verifier = work / "verify_ledger.py"
        shutil.copy(ROOT / "tools" / "verify_ledger.py", verifier)
        vkey = get_json(f"{source_base}/api/v1/ledger/key/")["vkey"]
        ids = petitions(source_base)
        print(f"   key {vkey}; {len(ids)} petitions")
        if verify(verifier, source_base, ids, vkey, args.verifier_args):
            raise SystemExit("the source does not verify: nothing to drill")
        stop(servers.pop())

        step(f"3. pg_dump of {source_name}")
        started = time.monotonic()
        subprocess.run(["pg_dump", *server_args, "--format=custom", "--file", str(dump), source_name], check=True)
        print(f"   {dump} ({dump.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s")

        step(f"4. restore into a new database, {restored_name}")
        subprocess.run(["dropdb", *server_args, "--if-exists", "--force", restored_name], check=True)
        subprocess.run(["createdb", *server_args, restored_name], check=True)
        started = time.monotonic()
        subprocess.run(["pg_restore", *server_args, "--no-owner", "--dbname", restored_name, str(dump)], check=True)
        print(f"   restored in {time.monotonic() - started:.1f} s")

        step("5. the service on the restored database")
        restored_base = f"http://127.0.0.1:{args.port + 1}"
        servers.append(serve(restored_url, args.port + 1))
        restored_ids = petitions(restored_base)
        if restored_ids != ids:
            failures.append(f"petitions differ: {ids} before, {restored_ids} restored")

        step("6. every petition verified against the restored service, with the verifier and key from before")
        failed = verify(verifier, restored_base, ids, vkey, args.verifier_args)
        if failed:
            failures.append(f"petitions {failed} do not verify after the restore")
        for check in args.check:
            module, _, function = check.partition(":")
            result = getattr(importlib.import_module(module), function)(source_base, restored_base)
            print(f"   {check}: {result!r}")
    finally:
        for server in servers:
            stop(server)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            subprocess.run(["dropdb", *server_args, "--if-exists", "--force", restored_name], check=False)
            if not args.existing_source:
                subprocess.run(["dropdb", *server_args, "--if-exists", "--force", source_name], check=False)
    if failures:
        step("the drill FAILED")
        for failure in failures:
            print(f"   {failure}")
        sys.exit(1)
    step("the drill passed: the restored service serves the same ledgers, verified with the keys from before")


if __name__ == "__main__":
    main()
