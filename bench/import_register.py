"""Register import speed: a generated CSV of 1,000,000 voters through `manage.py import_register`.

    python bench/import_register.py [--voters 1000000]

Writes a synthetic register file (valid IINs, Kazakh and Russian names, the 29 Mazhilis
districts), then imports it into a fresh benchmark database the way an official would, with the
management command, and prints rows per second. Target: 1,000,000 rows in about a minute.
A second import of the same file (every voter updated) is timed too.
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

from bench.common import RESULTS, ROOT, fresh_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=1_000_000)
    args = parser.parse_args()

    fresh_database()
    setup_django()
    from recall import demo_data
    from recall.models import District

    rows = demo_data.district_rows()[:29]
    for row in rows:
        District.objects.create(**{k: row[k] for k in ("code", "name", "region", "level", "body")})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        started = time.perf_counter()
        people = demo_data.people(args.voters, [(r["code"], r["centre"]) for r in rows], seed=11)
        path.write_bytes(demo_data.register_csv(people))
        print(
            f"generated {args.voters:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        timings = {}
        for label in ("first import (all new)", "second import (all updated)"):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "manage.py", "import_register", str(path), "--no-progress"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            elapsed = time.perf_counter() - started
            timings[label] = elapsed
            print(f"{label}: {elapsed:.1f} s = {args.voters / elapsed:,.0f} rows/s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import_register-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"voters": args.voters, "seconds": timings, "cores": os.cpu_count()}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
