"""Register import at national scale: a realistic register through `manage.py import_register`.

    python bench/import_register.py [--voters 12000000] [--changes 0.01] [--dir /tmp] [--first-only]

Writes a register file of ``--voters`` voters as bench/register_file.py makes it (17 regions and
3 cities of republican significance, their districts, the statuses' proportions) and its
districts (imported with `manage.py import_places`), then imports it into a fresh benchmark
database the way an official would, with the management command, twice:

1. into an empty register (every voter new);
2. the same register with ``--changes`` of the voters changed (a new address, a death, a move).

For each: the time, rows per second and the peak memory of the import (the command's process and
the processes it forks, ru_maxrss). Targets: 12,000,000 rows in under 6 minutes for each, under
300 MB (1,000,000 rows: under 200 MB). The files are deleted afterwards (12 million rows are
about 1.3 GB; check `df -h` for twice that under --dir).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import register_file
from bench.common import RESULTS, ROOT, fresh_database


def timed_command(*args: str) -> tuple[float, float]:
    """(seconds, peak MB) of a manage.py command run in a child process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    started = time.perf_counter()
    code = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    peak_kb = int(result.stdout.rsplit("PEAK_KB", 1)[1].split()[0])
    return elapsed, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=12_000_000)
    parser.add_argument("--changes", type=float, default=0.01)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--first-only", action="store_true", help="only the import into an empty register")
    args = parser.parse_args()

    fresh_database()
    report: dict = {"voters": args.voters, "changes": args.changes, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="recall-register-") as tmp:
        places = Path(tmp) / "districts.csv"
        register_file.districts_csv(places, args.voters)
        subprocess.run(
            [sys.executable, "manage.py", "import_places", str(places)],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            check=True,
            capture_output=True,
        )
        runs = [("first import (all new)", 0.0), (f"re-import ({args.changes:.0%} changed)", args.changes)]
        for label, changes in runs[:1] if args.first_only else runs:
            path = Path(tmp) / "register.csv"
            started = time.perf_counter()
            register_file.write(path, args.voters, changes=changes)
            size = path.stat().st_size
            print(
                f"generated {args.voters:,} rows ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            seconds, peak = timed_command("import_register", str(path), "--no-progress")
            report[label] = {"seconds": seconds, "rows_per_second": args.voters / seconds, "peak_mb": peak}
            print(
                f"{label}: {seconds:.1f} s = {args.voters / seconds:,.0f} rows/s, peak memory {peak:.0f} MB", flush=True
            )
            path.unlink()
    print("targets: 12,000,000 rows in under 360 s each, under 300 MB (1,000,000 rows: under 200 MB)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import_register-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
