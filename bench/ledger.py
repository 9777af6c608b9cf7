"""What the public ledger costs: verification with the ledger on and off, checkpoint signing,
and proof latency from the endpoints at a large log.

    python bench/ledger.py [--voters 600000] [--signatures 200000] [--batch 5000] [--entries 1000000]

Uses the database named by BENCH_DATABASE_URL (dropped and re-created) and nothing else.

1. Builds the register and ``--signatures`` received signatures on ten petitions
   (bench/verify_throughput.py's mix), then verifies them all in this process, batch by batch
   as a worker does (recall.services.verification.batches.verify_batch): the service as it runs,
   and, after putting the signatures back to "received", the same batches without the ledger
   (``without_ledger`` below patches the service from here: the product has no such switch):
   same data, same run, ``--rounds`` alternating rounds (5). Prints each rate and the ratio of
   the medians (target: with >= 0.7 x without).
2. Times signing a checkpoint (tree hash from the stored nodes + Ed25519) of each petition's
   ledger.
3. Appends ``--entries`` entries to one petition's ledger in batches of 10,000 (the append
   path, O(batch) hashing) and measures the inclusion and consistency proof endpoints through
   Django's full request stack: p50 and p95 of 300 requests each (target: p50 under 20 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, median, percentile, setup_django


def fresh_database() -> None:
    """Drop and re-create the database BENCH_DATABASE_URL names (only that one), then migrate."""
    url = urllib.parse.urlsplit(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recall_bench"))
    name, host, port = url.path.lstrip("/"), url.hostname or "127.0.0.1", str(url.port or 5432)
    user = url.username or "postgres"
    subprocess.run(["dropdb", "-h", host, "-p", port, "-U", user, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", "-h", host, "-p", port, "-U", user, name], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        check=True,
    )


@contextlib.contextmanager
def without_ledger():
    """The verification batch as it ran before the public ledger, for the comparison only: the
    database sums the outcome per petition, state and day (a handful of rows, not one per
    signature) and nothing is appended to a ledger or signed. Patched into the service from
    here; a renamed function fails this patch loudly rather than measuring something else."""
    from recall.services import ledger
    from recall.services.verification import batches

    grouped = f"""
    WITH decided AS ({batches._update("postgresql")})
    SELECT petition_id, state, (signed_at AT TIME ZONE %(tz)s)::date AS day, count(*)
    FROM decided GROUP BY 1, 2, 3
    """
    nothing = lambda *args, **kwargs: None  # noqa: E731
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(batches, "statement", lambda vendor: grouped))
        stack.enter_context(mock.patch.object(batches, "_sums", lambda rows: rows))
        for name in ("append_verified", "append_signatures", "append_state", "sign_checkpoint"):
            stack.enter_context(mock.patch.object(ledger, name, nothing))
        yield


def verify_everything(batch: int) -> tuple[int, float]:
    from recall.services import verification

    started = time.perf_counter()
    total = verification.verify_all(limit=batch)
    return total, time.perf_counter() - started


def reset() -> None:
    """Every signature back to "received", counts and ledgers emptied (set-based, then vacuumed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recall_signature SET state = 'received', ground = '', review_reasons = '[]'::jsonb, "
            "verified_at = NULL"
        )
        cursor.execute(
            "UPDATE recall_petition SET received_count = 0, valid_count = 0, invalid_count = 0, review_count = 0, "
            "withdrawn_count = 0, ledger_size = 0, last_milestone = 0, state = 'collecting'"
        )
        cursor.execute(
            "TRUNCATE recall_ledgercosignature, recall_ledgercheckpoint, recall_ledgernode, recall_ledgerentry"
        )
        cursor.execute("DELETE FROM recall_dailytally")
        cursor.execute("DELETE FROM recall_petitiontransition")
        cursor.execute("VACUUM ANALYZE recall_signature")
        cursor.execute("VACUUM ANALYZE recall_petition")


def big_ledger(entries_wanted: int) -> int:
    """One petition's ledger grown to ``entries_wanted`` entries by the append path."""
    from django.db import transaction

    from recall.ledger import entries
    from recall.models import Petition
    from recall.services import ledger

    petition = Petition.objects.order_by("pk").last()
    size = Petition.objects.get(pk=petition.pk).ledger_size
    started = time.perf_counter()
    n = size
    while n < entries_wanted:
        chunk = min(10_000, entries_wanted - n)
        events = [
            entries.Received(entries.paper_commitment(petition.pk, (n + i).to_bytes(32, "big")), "paper", "2026-11-30")
            for i in range(chunk)
        ]
        with transaction.atomic():
            n = ledger.append(petition.pk, events)
    elapsed = time.perf_counter() - started
    if n > size:
        print(f"append: {n - size:,} entries in {elapsed:.1f} s = {(n - size) / elapsed:,.0f} entries/s")
    return petition.pk


def proof_latency(petition_id: int, requests: int = 300) -> None:
    from django.test import Client

    from recall.ledger import tlog
    from recall.models import Petition
    from recall.services import ledger

    Petition.objects.filter(pk=petition_id).update(state="verifying")  # public, whatever the bench did
    size = Petition.objects.get(pk=petition_id).ledger_size
    client = Client()
    rng = random.Random(7)
    base = f"/api/v1/petitions/{petition_id}/ledger/proof/"
    results = {}
    for kind in ("inclusion by index", "inclusion by leaf hash", "consistency"):
        times = []
        for _ in range(requests):
            if kind == "inclusion by index":
                url = f"{base}inclusion/?tree_size={size}&index={rng.randrange(size)}"
            elif kind == "inclusion by leaf hash":
                index = rng.randrange(size)
                leaf = tlog.leaf_hash(ledger.entries_between(petition_id, index, index + 1)[0][1])
                url = f"{base}inclusion/?" + urllib.parse.urlencode({"tree_size": size, "leaf_hash": ledger.b64(leaf)})
            else:
                first = rng.randrange(1, size)
                url = f"{base}consistency/?first={first}&second={size}"
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        results[kind] = times
        print(
            f"{kind} proof at {size:,} entries: p50 {median(times):.2f} ms, p95 {percentile(times, 95):.2f} ms "
            f"({requests} requests through the full Django stack)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=600_000)
    parser.add_argument("--signatures", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating off/on rounds (medians compared)")
    args = parser.parse_args()

    fresh_database()
    setup_django()
    from bench.verify_throughput import build
    from recall.models import Petition
    from recall.services import ledger

    build(args.voters, args.signatures)

    # Alternating rounds, without then with the ledger, in one run; the medians are compared.
    rates: dict[bool, list[float]] = {False: [], True: []}
    for round_ in range(args.rounds):
        for on in (False, True):
            if round_ or on:
                reset()
            with contextlib.nullcontext() if on else without_ledger():
                total, elapsed = verify_everything(args.batch)
            rates[on].append(total / elapsed)
            print(
                f"round {round_ + 1}, {'with the ledger   ' if on else 'without the ledger'}: "
                f"{total:,} signatures in {elapsed:.2f} s = {total / elapsed:,.0f}/s"
            )
    off, on = median(rates[False]), median(rates[True])
    print(f"median without {off:,.0f}/s, with {on:,.0f}/s; ratio with/without: {on / off:.2f}   (target: >= 0.7)")

    times = []
    for petition_id in Petition.objects.order_by("pk").values_list("pk", flat=True):
        started = time.perf_counter()
        ledger.sign_checkpoint(petition_id)
        times.append((time.perf_counter() - started) * 1000)
    sizes = sorted(Petition.objects.values_list("ledger_size", flat=True))
    print(
        f"checkpoint signing (ledgers of {sizes[0]:,} to {sizes[-1]:,} entries): "
        f"median {median(times):.2f} ms, max {max(times):.2f} ms"
    )

    petition_id = big_ledger(args.entries)
    started = time.perf_counter()
    ledger.sign_checkpoint(petition_id)
    print(f"checkpoint signing at {args.entries:,} entries: {(time.perf_counter() - started) * 1000:.2f} ms")
    proof_latency(petition_id)


if __name__ == "__main__":
    main()
