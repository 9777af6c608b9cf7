"""psycopg's own transient errors (a raw cursor's or a COPY's AdminShutdown when the server
drops the connection) are retried like Django's: the tasks' autoretry lists them, and an
upload job hit by one goes back to pending for that retry instead of failing."""

import psycopg
import pytest
from django.core.files.base import ContentFile

from recall import tasks
from recall.models import JobState, RegisterImport
from recall.services.jobs import uploads


def test_every_task_retry_covers_psycopgs_transient_errors():
    assert issubclass(psycopg.errors.AdminShutdown, tasks.TRANSIENT)
    for task in (tasks.import_register_file, tasks.sign_ledger_checkpoints, tasks.verify_signatures):
        assert psycopg.errors.AdminShutdown in task.autoretry_for or any(
            issubclass(psycopg.errors.AdminShutdown, kind) for kind in task.autoretry_for
        ), task.name


def test_a_job_hit_by_a_dropped_connection_goes_back_to_pending(db, bob):
    job = RegisterImport.objects.create(file=ContentFile(b"iin\n", name="register.csv"), uploaded_by=bob)

    def work(job, stream, progress):
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    with pytest.raises(psycopg.errors.AdminShutdown):
        uploads.run(RegisterImport, job.pk, work)
    job.refresh_from_db()
    assert (job.state, job.started_at) == (JobState.PENDING, None)
    assert job.file  # kept for the retry
