"""A job cannot hang: a running upload job holds a lease its worker renews while it works; a
job whose worker died (its lease ran out) is taken over by beat, then failed with a message the
official sees, its file deleted (recall.services.jobs.uploads)."""

import datetime as dt
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from recall import tasks
from recall.models import JobState, PetitionJob, RegisterImport
from recall.services.jobs import petition_jobs, uploads

CSV = b"iin,full_name,birth_date,address,district\n"


def _dead_run(bob, attempts):
    """A job its worker claimed, then died in (as the claim leaves it: running, leased)."""
    job = RegisterImport.objects.create(file=ContentFile(CSV, name="register.csv"), uploaded_by=bob)
    RegisterImport.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=5),
        leased_until=timezone.now() - dt.timedelta(seconds=1),
        attempts=attempts,
    )
    return job


def test_a_job_whose_worker_died_is_taken_over_and_finishes(bob, karaganda, django_capture_on_commit_callbacks):
    job = _dead_run(bob, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.recover_jobs()
    assert result["register"] == {"taken_over": 1, "failed": 0}
    job.refresh_from_db()
    # Run again at once (tasks run in process here): an empty register file imports nothing.
    assert (job.state, job.attempts) == (JobState.DONE, 2) and job.finished_at is not None
    assert not job.file


def test_a_job_whose_worker_died_too_often_fails_with_a_message_and_its_file_goes(bob, settings):
    settings.RECALL_JOB_ATTEMPTS = 2
    job = _dead_run(bob, attempts=2)
    path = Path(job.file.path)
    assert path.is_file()
    assert tasks.recover_jobs()["register"] == {"taken_over": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert "stopped 2 times; nothing was imported" in job.errors[0]["error"]
    assert not path.exists() and not job.file


def test_a_job_with_a_live_lease_is_left_alone(bob):
    job = _dead_run(bob, attempts=1)
    RegisterImport.objects.filter(pk=job.pk).update(leased_until=timezone.now() + dt.timedelta(seconds=60))
    assert tasks.recover_jobs()["register"] == {"taken_over": 0, "failed": 0}
    assert RegisterImport.objects.get(pk=job.pk).state == JobState.RUNNING


@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_the_lease_while_the_work_runs(bob, settings):
    # Whatever the work does (the register's one long INSERT sends no progress), the lease moves.
    settings.RECALL_JOB_LEASE_SECONDS = 1.5
    job = RegisterImport.objects.create(file=ContentFile(CSV, name="register.csv"), uploaded_by=bob)
    seen = []

    def work(job, stream, progress):
        first = RegisterImport.objects.get(pk=job.pk).leased_until
        time.sleep(2.2)
        seen.extend([first, RegisterImport.objects.get(pk=job.pk).leased_until])
        return {}

    uploads.run(RegisterImport, job.pk, work)
    assert seen[1] > seen[0] + dt.timedelta(seconds=0.5)
    assert RegisterImport.objects.get(pk=job.pk).state == JobState.DONE


def test_a_petition_job_whose_worker_died_is_taken_over_then_failed(
    alice, collecting, settings, django_capture_on_commit_callbacks
):
    # A PDF export claimed by a worker that died: beat runs it again; past its runs, it fails.
    with django_capture_on_commit_callbacks(execute=False):
        job = petition_jobs.request_signatures_pdf(collecting, actor=alice)
    PetitionJob.objects.filter(pk=job.pk).update(
        state="running", leased_until=timezone.now() - dt.timedelta(seconds=1), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_jobs()["petition_jobs"] == {"taken_over": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2) and job.file
    PetitionJob.objects.filter(pk=job.pk).update(
        state="running", leased_until=timezone.now() - dt.timedelta(seconds=1), attempts=settings.RECALL_JOB_ATTEMPTS
    )
    assert tasks.recover_jobs()["petition_jobs"] == {"taken_over": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == "failed" and "stopped 2 times" in job.error
