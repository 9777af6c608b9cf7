"""A real PostgreSQL streaming replica on this machine, for the benchmarks that read from one.

    python bench/replica.py up      [--dir /tmp/recall-replica] [--primary-port 5442] [--replica-port 5443]
    python bench/replica.py status  (the replica's replay lag, in seconds and bytes)
    python bench/replica.py down    (stops both servers and deletes --dir)

``up`` starts a PostgreSQL cluster of its own as the primary (initdb under --dir, port
--primary-port, WAL for streaming, replication allowed from 127.0.0.1), takes a base backup of it
with ``pg_basebackup -R -X stream`` and starts that as a hot standby on --replica-port, then
checks that a row written on the primary is read on the replica. It prints the settings to use:

    export BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5442/recall_bench
    export DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5443/recall_bench

(the benchmark database, created on the primary by each benchmark, reaches the replica by
streaming). ``--existing-primary`` streams from a server already running on --primary-port
instead; it must allow replication connections from 127.0.0.1 (pg_hba.conf ``host replication``)
and have ``wal_level=replica``. The machine's shared server is never restarted or reconfigured.

Run as root, the servers run as the ``postgres`` user (PostgreSQL refuses root). The PostgreSQL
binaries come from ``pg_config --bindir`` (Debian: /usr/lib/postgresql/<version>/bin).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def bindir() -> Path:
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
    if found and (Path(found) / "initdb").exists():
        return Path(found)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if not versions:
        raise SystemExit("no PostgreSQL binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
    return versions[0]


def as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, **kwargs)


def psql(port: int, sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def wait_ready(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode == 0:
            return
        time.sleep(0.3)
    raise SystemExit(f"PostgreSQL on port {port} did not start")


def configure(data: Path, port: int, socket_dir: Path, extra: str = "") -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\n# bench/replica.py\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{socket_dir}'\nmax_connections = 200\nshared_buffers = 256MB\n"
            f"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n{extra}"
        )


def up(args: argparse.Namespace) -> None:
    base = Path(args.dir)
    bins = bindir()
    primary, replica = base / "primary", base / "replica"
    if replica.exists():
        raise SystemExit(f"{replica} exists: run `python bench/replica.py down` first")
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    if not args.existing_primary:
        as_postgres([str(bins / "initdb"), "-D", str(primary), "--auth=trust", "-U", "postgres", "-E", "UTF8"])
        configure(
            primary,
            args.primary_port,
            base,
            "wal_level = replica\nmax_wal_senders = 10\nwal_keep_size = 1024\nhot_standby = on\n",
        )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        as_postgres([str(bins / "pg_ctl"), "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start"])
        wait_ready(args.primary_port)
        print(f"primary: port {args.primary_port}, data {primary}")
    as_postgres(
        [
            str(bins / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(args.primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            "-c",
            "fast",
        ]
    )
    configure(replica, args.replica_port, base, "hot_standby = on\nhot_standby_feedback = on\n")
    as_postgres([str(bins / "pg_ctl"), "-D", str(replica), "-l", str(base / "replica.log"), "-w", "start"])
    wait_ready(args.replica_port)
    if psql(args.replica_port, "SELECT pg_is_in_recovery()") != "t":
        raise SystemExit("the replica is not in recovery")
    marker = f"replica-check-{time.time_ns()}"
    psql(args.primary_port, "CREATE TABLE IF NOT EXISTS replica_check (marker text)")
    psql(args.primary_port, f"INSERT INTO replica_check VALUES ('{marker}')")
    for _ in range(100):
        try:
            if marker in psql(args.replica_port, "SELECT marker FROM replica_check"):
                break
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.1)
    else:
        raise SystemExit("a row written on the primary did not reach the replica")
    print(f"replica: port {args.replica_port}, data {replica}, streaming (a row written on the primary was read there)")
    print()
    print(f"export BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:{args.primary_port}/recall_bench")
    print(f"export DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:{args.replica_port}/recall_bench")


def status(args: argparse.Namespace) -> None:
    print(
        "replica replay lag:",
        psql(
            args.replica_port,
            "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::numeric(10,3) || ' s, ' "
            "|| pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) || ' bytes to replay'",
        ),
    )
    if not args.existing_primary:
        print("primary's senders:", psql(args.primary_port, "SELECT state, replay_lag FROM pg_stat_replication"))


def down(args: argparse.Namespace) -> None:
    base = Path(args.dir)
    bins = bindir()
    for name in ("replica", "primary"):
        data = base / name
        if (data / "postmaster.pid").exists():
            as_postgres([str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    shutil.rmtree(base, ignore_errors=True)
    print(f"stopped and deleted {base}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "status", "down"])
    parser.add_argument("--dir", default="/tmp/recall-replica")
    parser.add_argument("--primary-port", type=int, default=5442)
    parser.add_argument("--replica-port", type=int, default=5443)
    parser.add_argument("--existing-primary", action="store_true", help="stream from a server already running")
    args = parser.parse_args()
    {"up": up, "status": status, "down": down}[args.action](args)


if __name__ == "__main__":
    sys.exit(main())
