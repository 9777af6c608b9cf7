"""A register import whose process is killed (SIGKILL: no clean-up runs) leaves the register as it
was, and the same command on the same file goes on from the last committed line."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection

from recall.models import RegisterImportRun, Voter
from tests.factories import make_iin
from tests.helpers import ROOT

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = 60_000


def test_a_killed_import_leaves_the_register_alone_and_goes_on_where_it_stopped(karaganda, tmp_path, capsys):
    path = tmp_path / "register.csv"
    seen: set[str] = set()
    with path.open("w") as out:
        out.write("iin,full_name,birth_date,address,district,status\n")
        n = 0
        while len(seen) < LINES:
            n += 1
            born = dt.date(1980, 1, 1) + dt.timedelta(days=n // 5000)  # an IIN's serial has four digits
            number = make_iin(n % 5000, born)
            if number not in seen:  # a serial without a check digit gives the next one's IIN
                seen.add(number)
                out.write(f'{number},Ахметов Ерлан Серикович,{born},"Abai {n}",K-1,active\n')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "RECALL_IMPORT_COMMIT_LINES": "5000",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_register", str(path), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its forked workers die with it
    )
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and process.poll() is None:
        committed = RegisterImportRun.objects.values_list("checked_lines", flat=True).first() or 0
        if committed > 10_000:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the import ended before it could be killed: " + process.stderr.read().decode()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    run = RegisterImportRun.objects.get()
    assert 10_000 < run.checked_lines < LINES and not Voter.objects.exists()

    call_command("import_register", str(path), "--no-progress")
    err = capsys.readouterr().err
    assert "An earlier import of this file stopped; going on from there" in err
    assert Voter.objects.count() == LINES
    assert not RegisterImportRun.objects.exists()
    assert [t for t in connection.introspection.table_names() if t.startswith("recall_register_stage")] == []


def test_an_uploaded_register_is_imported_by_a_real_worker_with_forked_helpers(workers, karaganda, tmp_path):
    """The admin's path: the job runs in a Celery worker's child (a daemon process), which forks
    its own helpers to check and build the lines, and ends done."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from recall.services.jobs import register_import

    lines = ["iin,full_name,birth_date,address,district,status"]
    seen: set[str] = set()
    n = 0
    while len(seen) < 3000:
        n += 1
        number = make_iin(n, dt.date(1981, 2, 3))
        if number not in seen:
            seen.add(number)
            lines.append(f"{number},Ахметов Ерлан Серикович,1981-02-03,Abai {n},K-1,active")
    upload = SimpleUploadedFile("register.csv", ("\n".join(lines) + "\n").encode())
    job = register_import.create_job(file=upload, actor=None)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert (job.state, job.created_count, job.errors) == ("done", 3000, [])
    assert Voter.objects.count() == 3000
    log = "".join(p.read_text() for p in workers.glob("worker*.log"))
    assert "daemonic processes are not allowed" not in log and "Traceback" not in log
