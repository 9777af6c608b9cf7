"""Verification throughput: one real Celery worker against a 1,000,000-voter register.

    python bench/verify_throughput.py [--voters 1000000] [--signatures 200000] [--batch 5000]

Builds a fresh benchmark database with the register (generated in SQL: the digests and the
encrypted blob are of the real shape, their content does not matter here) and 200,000 received
signatures on ten petitions, mixed like real ones: most match the register, some are from
another district, not in the register, deceased, or differ in name (review). Then, in the same
run:

1. one plain SQL statement doing the same join and decision for every signature at once
   (inside a transaction that is rolled back, so the rows stay "received");
2. one Celery worker (concurrency 1) verifying the whole backlog the service's way: batches
   claimed with SKIP LOCKED, counts, daily series, thresholds.

Prints signatures per second for both and the ratio. Target: the worker >= 20,000 signatures/s.

Between those, the name rule: the workers' loop (verify_all, committing batch by batch) in
this process with the word digests of recall.names, and with the full-name digest the service
compared before the word rule (``full_name_rule`` patches it in from here: the service has no
such switch), ``--rounds`` runs of each, alternating, the signatures and counts reset after
each; prints both medians and the ratio. Target: the word rule >= 0.9x the full-name digest. The word digests have their real sizes (recall.names: 1-2 surname words,
a patronymic and its initial, ~10 neighbourhood digests per voter, ~26 per signature), and
signatures mix an exact patronymic, none, and one a letter off.

Uses BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_CACHE_URL (bench/settings.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, collecting_petition, fresh_database, median, redis_db, setup_django

PETITIONS = 10


def build(voters: int, signatures: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from recall import crypto, demo_data
    from recall.models import District, policy_for

    token = crypto.encrypt({"iin": "000000000000", "full_name": "x", "birth_date": "1980-01-01", "address": "x"})
    districts = []
    for row in demo_data.district_rows()[:29]:
        districts.append(District.objects.create(**{k: row[k] for k in ("code", "name", "region", "level", "body")}))
    policy_for("mazhilis")
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        ids = [d.pk for d in districts]
        cursor.execute(
            """
            INSERT INTO recall_voter (iin_digest, district_id, status, name_digest, name_surname, name_given,
                                      name_patronymic, name_patronymic_near, birth_digest, adult_from,
                                      iin_data_mismatch, personal, updated_at)
            SELECT encode(sha256(('voter-' || g)::bytea), 'hex'),
                   (%(ids)s::bigint[])[1 + g %% %(n)s],
                   CASE WHEN g %% 100 = 7 THEN 'deceased' WHEN g %% 200 = 13 THEN 'imprisoned' ELSE 'active' END,
                   encode(sha256(('name-' || g)::bytea), 'hex'),
                   -- the word digests of recall.names, of their real sizes: one surname (two for
                   -- every 20th voter), one given name, a patronymic and its initial, and the
                   -- patronymic's neighbourhood (about 10)
                   CASE WHEN g %% 20 = 0 THEN ARRAY[hashtextextended('s' || g, 0), hashtextextended('d' || g, 0)]
                        ELSE ARRAY[hashtextextended('s' || g, 0)] END,
                   ARRAY[hashtextextended('g' || g, 0)],
                   ARRAY[hashtextextended('p' || g, 0), hashtextextended('i' || g, 0)],
                   ARRAY(SELECT hashtextextended('n' || g || '-' || i, 0) FROM generate_series(1, 10) i),
                   encode(sha256(('birth-' || g)::bytea), 'hex'),
                   NULL, false, %(token)s, %(now)s
            FROM generate_series(1, %(voters)s) g
            """,
            {"ids": ids, "n": len(ids), "token": token, "now": now, "voters": voters},
        )
        cursor.execute(
            "UPDATE recall_district d SET registered_voters = "
            "(SELECT count(*) FROM recall_voter v WHERE v.district_id = d.id AND v.status = 'active')"
        )
    print(f"register: {voters:,} voters in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    petitions = []
    for district in districts[:PETITIONS]:
        district.refresh_from_db()
        petitions.append(collecting_petition(district, now=now))
    per_petition = signatures // PETITIONS
    with connection.cursor() as cursor:
        for index, petition in enumerate(petitions):
            # The k-th voter of the district signs; every 33rd signer is someone else: a voter of
            # the next district (outside_district), an unknown IIN (not_in_register) or a typo in
            # the name (review).
            cursor.execute(
                """
                INSERT INTO recall_signature (petition_id, voter_digest, channel, signed_at, received_at, state,
                    ground, review_reasons, iin_checksum_ok, data_complete, iin_data_mismatch, name_digest,
                    name_tokens, name_near, birth_digest, personal, request_hash, collector, decision_note)
                SELECT %(petition)s,
                       CASE WHEN k %% 99 = 33 THEN encode(sha256(('stranger-' || k || '-' || %(petition)s)::bytea), 'hex')
                            ELSE v.iin_digest END,
                       'web', %(now)s, %(now)s, 'received', '', '[]'::jsonb, true, true, false,
                       CASE WHEN k %% 99 = 66 THEN 'typo' ELSE v.name_digest END,
                       -- typed words: surname and given name (another given name for the typo rows),
                       -- then the patronymic (most), none (every 5th) or one letter off (every 7th,
                       -- found through the neighbourhoods); about 26 neighbourhood digests
                       v.name_surname
                         || CASE WHEN k %% 99 = 66 THEN ARRAY[hashtextextended('typo' || k, 0)] ELSE v.name_given END
                         || CASE WHEN k %% 5 = 1 THEN '{}'::bigint[]
                                 WHEN k %% 7 = 3 THEN ARRAY[hashtextextended('slip' || k, 0)]
                                 ELSE v.name_patronymic[1:1] END,
                       ARRAY(SELECT hashtextextended('t' || k || '-' || i, 0) FROM generate_series(1, 25) i)
                         || CASE WHEN k %% 7 = 3 THEN v.name_patronymic_near[4:4] ELSE '{}'::bigint[] END,
                       v.birth_digest, %(token)s, '', '', ''
                FROM (
                    SELECT iin_digest, name_digest, name_surname, name_given, name_patronymic, name_patronymic_near,
                           birth_digest, row_number() OVER (ORDER BY id) AS k
                    FROM recall_voter
                    WHERE district_id = %(district)s
                    LIMIT %(count)s
                ) v
                """,
                {
                    "petition": petition.pk,
                    "now": now,
                    "token": token,
                    "district": petition.district_id,
                    "count": per_petition,
                },
            )
            # Every 99th signature instead comes from the next district's voters.
            cursor.execute(
                """
                UPDATE recall_signature s SET voter_digest = o.iin_digest, name_digest = o.name_digest,
                       name_tokens = o.name_surname || o.name_given, birth_digest = o.birth_digest
                FROM (SELECT s2.id, row_number() OVER (ORDER BY s2.id) AS k FROM recall_signature s2
                      WHERE s2.petition_id = %(petition)s) n
                JOIN LATERAL (SELECT iin_digest, name_digest, name_surname, name_given, birth_digest FROM recall_voter
                              WHERE district_id = %(other)s OFFSET n.k LIMIT 1) o ON true
                WHERE s.id = n.id AND n.k %% 99 = 0
                """,
                {"petition": petition.pk, "other": petitions[(index + 1) % len(petitions)].district_id},
            )
        cursor.execute("VACUUM ANALYZE recall_signature")
        cursor.execute("VACUUM ANALYZE recall_voter")
    print(f"signatures: {signatures:,} received on {PETITIONS} petitions in {time.perf_counter() - started:.1f} s")


def plain_statement() -> str:
    """The same rules and join as the workers (recall.services.verification.batches), for every received
    signature at once: no batches, no claims, no counts."""
    from recall.services.verification.batches import _POLICY_JOIN, GROUND_SQL, STATE_SQL, mismatch_sql

    return f"""
    UPDATE recall_signature t SET
        {STATE_SQL},
        ground = j.ground, verified_at = now()
    FROM (
        SELECT s.id, {GROUND_SQL} AS ground, {mismatch_sql("postgresql")} AS mismatch
        FROM recall_signature s
        JOIN recall_petition p ON p.id = s.petition_id
        LEFT JOIN recall_voter v ON v.iin_digest = s.voter_digest{_POLICY_JOIN}
        WHERE s.state = 'received'
    ) j
    WHERE t.id = j.id
    """


def plain_sql() -> tuple[float, int]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(plain_statement())
        elapsed = time.perf_counter() - started
        rows = cursor.rowcount
        transaction.set_rollback(True)
    return elapsed, rows


def snapshot() -> None:
    """Keep the petitions' counts and daily series as they are before any verification."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_petition AS TABLE recall_petition")
        cursor.execute("CREATE TABLE bench_dailytally AS TABLE recall_dailytally")


def reset() -> None:
    """Every signature received again, the petitions' counts, states, daily series and ledgers as
    in the snapshot, the dead row versions vacuumed: the next run starts from the same rows."""
    from django.db import connection, transaction

    from recall.models import Petition

    columns = [f.column for f in Petition._meta.concrete_fields if not f.primary_key]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recall_signature SET state = 'received', ground = '', review_reasons = '[]'::jsonb, "
            "name_parts = NULL, verified_at = NULL WHERE state <> 'received'"
        )
        cursor.execute(
            f"UPDATE recall_petition p SET ({', '.join(columns)}) = ({', '.join('s.' + c for c in columns)}) "
            "FROM bench_petition s WHERE p.id = s.id"
        )
        cursor.execute("DELETE FROM recall_dailytally")
        cursor.execute("INSERT INTO recall_dailytally SELECT * FROM bench_dailytally")
        # The ledgers were empty at the snapshot (the petitions are made directly, not registered).
        cursor.execute(
            "TRUNCATE recall_ledgercosignature, recall_ledgercheckpoint, recall_ledgernode, recall_ledgerentry"
        )
    with connection.cursor() as cursor:
        for table in ("recall_signature", "recall_petition", "recall_dailytally"):
            cursor.execute(f"VACUUM ANALYZE {table}")


@contextlib.contextmanager
def full_name_rule():
    """The name rule before the word digests, for the comparison only: the full-name digests
    compared, and no name parts built for the review page. Patched into the service from here;
    a renamed function fails this patch loudly rather than measuring something else."""
    from recall.services.verification import batches

    with (
        mock.patch.object(batches, "name_mismatch_sql", lambda vendor: "s.name_digest <> v.name_digest"),
        mock.patch.dict(batches._NAME_PARTS, {"postgresql": "NULL::jsonb"}),
    ):
        yield


def worker_path(batch: int, rule: str) -> float:
    """The workers' loop (recall.services.verification.batches.verify_all: claim a batch, decide, count,
    commit) in this process over the whole backlog, then everything reset for the next run;
    ``rule`` "new" is the service as it runs, "old" the full-name digest."""
    from recall.services import verification

    with contextlib.nullcontext() if rule == "new" else full_name_rule():
        started = time.perf_counter()
        verification.verify_all(batch)
        elapsed = time.perf_counter() - started
    reset()
    return elapsed


def compare_rules(total: int, batch: int, rounds: int) -> dict:
    """The same worker path with the word rule (new) and with the full-name digest (the rule
    before it, old), alternating, so both see the same machine load."""
    snapshot()
    times: dict[str, list[float]] = {"new": [], "old": []}
    for round_ in range(rounds):
        order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
        for rule in order:
            times[rule].append(worker_path(batch, rule))
    new, old = median(times["new"]), median(times["old"])
    ratio = (total / new) / (total / old)
    print(
        f"name rule, worker path in process (batches of {batch}, {rounds} rounds each, alternating): "
        f"new {total / new:,.0f}/s (median {new:.2f} s), old {total / old:,.0f}/s (median {old:.2f} s); "
        f"ratio new/old {ratio:.3f}   (target >= 0.9)"
    )
    return {
        "new_seconds": times["new"],
        "old_seconds": times["old"],
        "new_median": new,
        "old_median": old,
        "ratio": ratio,
    }


def worker_run(total: int, batch: int) -> float:
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "RECALL_VERIFY_BATCH_SIZE": str(batch)}
    for variable, default in (("BENCH_REDIS_URL", 11), ("BENCH_CACHE_URL", 12)):
        subprocess.run(
            ["redis-cli", "-n", redis_db(variable, default), "flushdb"], check=True, stdout=subprocess.DEVNULL
        )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "verification",
            "--concurrency",
            "1",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "bench@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        from config.celery import app

        deadline = time.monotonic() + 60
        while not (app.control.ping(timeout=0.5) or []):
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not start")
        from recall import tasks

        started = time.perf_counter()
        tasks.verify_signatures.delay()
        # Poll the petitions' counts (ten rows the worker updates per batch), not the signatures:
        # a count over the signatures every few milliseconds would compete with the worker.
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT coalesce(sum(received_count), 0) FROM recall_petition")
                if cursor.fetchone()[0] >= total:
                    break
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=1_000_000)
    parser.add_argument("--signatures", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000, help="RECALL_VERIFY_BATCH_SIZE of the worker")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each name rule in the comparison")
    args = parser.parse_args()

    fresh_database()
    setup_django()
    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = False
    build(args.voters, args.signatures)
    from django.db.models import Count

    from recall.models import Petition, Signature
    from recall.services.verification import counts

    total = Signature.objects.filter(state="received").count()
    plain_time, plain_rows = plain_sql()
    # The rolled-back UPDATE left a dead version of every row: clean up as autovacuum would.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE recall_signature")
    print(
        f"plain SQL, one statement: {plain_rows:,} signatures in {plain_time:.2f} s = {plain_rows / plain_time:,.0f}/s"
    )
    comparison = compare_rules(total, args.batch, args.rounds)
    worker_time = worker_run(total, args.batch)
    print(
        f"one worker (batches of {args.batch}): {total:,} signatures in {worker_time:.2f} s = "
        f"{total / worker_time:,.0f}/s"
    )
    ratio = (total / worker_time) / (plain_rows / plain_time)
    print(f"ratio worker/plain SQL: {ratio:.2f}   (target: worker >= 20,000 signatures/s)")

    by_state = dict(Signature.objects.values_list("state").annotate(n=Count("id")).order_by())
    drift = {p: counts.truth(p) for p in Petition.objects.values_list("pk", flat=True)}
    stored_ok = all(getattr(Petition.objects.get(pk=p), k) == v for p, truth in drift.items() for k, v in truth.items())
    print(f"outcome: {by_state}; stored counts equal the truth: {stored_ok}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"verify_throughput-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(args),
                "signatures": total,
                "worker_seconds": worker_time,
                "worker_per_second": total / worker_time,
                "plain_seconds": plain_time,
                "plain_per_second": plain_rows / plain_time,
                "ratio": ratio,
                "name_rule": comparison,
                "states": by_state,
                "counts_true": stored_ok,
            },
            indent=2,
        )
    )
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
