"""PDF exports and bulk invalidations as background jobs: progress, cancelling, the outcome
(recall.services.jobs.petition_jobs, recall/admin/petition_jobs.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from recall.errors import IllegalTransition, InvalidInput, OutsideJurisdiction
from recall.models import AuditEntry, Petition, PetitionJob, PetitionJobState, Signature, SignatureState
from recall.services import verification
from recall.services.jobs import job_progress, petition_jobs
from recall.services.verification import review
from tests.factories import SignatureFactory


@pytest.fixture
def signed(collecting, voters):
    for i, voter in enumerate(voters[10:22]):
        SignatureFactory(petition=collecting, voter_row=voter, channel="paper", sheet_number=1, sheet_line=i + 1)
    verification.verify_all()
    collecting.refresh_from_db()
    return collecting


def _bulk(petition, actor, expected=12):
    criteria = review.Criteria(petition_id=petition.pk, sheet_number=1)
    return petition_jobs.request_bulk_invalidation(
        criteria, actor=actor, ground="forgery", note="The sheet is forged.", expected=expected
    )


def test_a_bulk_invalidation_job_invalidates_in_the_worker(signed, bob):
    job = _bulk(signed, bob)
    assert job.state == PetitionJobState.PENDING and Petition.objects.get(pk=signed.pk).invalid_count == 0
    job = petition_jobs.run(job.pk)
    assert (job.state, job.result, job.processed, job.total) == (PetitionJobState.DONE, {"invalidated": 12}, 12, 12)
    assert Petition.objects.get(pk=signed.pk).invalid_count == 12
    entry = AuditEntry.objects.get(action="signatures.bulk_invalidated")
    assert entry.actor == bob  # the official who asked, not the worker
    assert petition_jobs.run(job.pk) is None  # a re-delivered task does nothing


def test_bad_input_is_refused_before_anything_is_queued(signed, bob, charlie, olga):
    criteria = review.Criteria(petition_id=signed.pk, sheet_number=1)
    with pytest.raises(InvalidInput):
        petition_jobs.request_bulk_invalidation(criteria, actor=bob, ground="forgery", note=" ", expected=12)
    for outsider in (charlie, olga):
        with pytest.raises(OutsideJurisdiction):
            petition_jobs.request_bulk_invalidation(criteria, actor=outsider, ground="forgery", note="x", expected=12)
    assert not PetitionJob.objects.exists()


def test_a_selection_changed_since_the_preview_fails_the_job_and_changes_nothing(signed, bob):
    job = petition_jobs.run(_bulk(signed, bob, expected=11).pk)
    assert job.state == PetitionJobState.FAILED and "not 11" in job.error
    assert not Signature.objects.filter(petition=signed, state=SignatureState.INVALID).exists()


def test_a_pending_job_is_cancelled_at_once(signed, bob):
    job = petition_jobs.cancel(_bulk(signed, bob).pk, actor=bob)
    assert (job.state, job.cancelled_by) == (PetitionJobState.CANCELLED, bob)
    assert petition_jobs.run(job.pk) is None
    assert AuditEntry.objects.filter(action="job.cancelled", actor=bob).exists()
    with pytest.raises(IllegalTransition):
        petition_jobs.cancel(job.pk, actor=bob)


def test_a_running_invalidation_cancelled_midway_changes_nothing(signed, bob, monkeypatch):
    monkeypatch.setattr(review, "BULK_CHUNK", 5)
    monkeypatch.setattr(petition_jobs, "CANCEL_POLL_SECONDS", 0)
    job = _bulk(signed, bob)
    reports = []
    real_set = job_progress.set

    def report(the_job, done, total):
        reports.append((done, total))
        real_set(the_job, done, total)
        if done == 5:  # the official presses "cancel" while the second chunk is under way
            PetitionJob.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now(), cancelled_by=bob)

    monkeypatch.setattr(job_progress, "set", report)
    job = petition_jobs.run(job.pk)
    assert job.state == PetitionJobState.CANCELLED and reports[:2] == [(0, 12), (5, 12)]
    assert not Signature.objects.filter(petition=signed, state=SignatureState.INVALID).exists()
    assert Petition.objects.get(pk=signed.pk).invalid_count == 0


def test_a_pdf_job_stores_the_file_and_reports_progress(signed, alice, monkeypatch):
    from recall.services.jobs import exports

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 5)
    seen = []
    real_set = job_progress.set
    monkeypatch.setattr(job_progress, "set", lambda j, d, t: (seen.append((d, t)), real_set(j, d, t)))
    job = petition_jobs.run(petition_jobs.request_signatures_pdf(signed, actor=alice).pk)
    assert job.state == PetitionJobState.DONE and job.file.read(5) == b"%PDF-"
    assert seen == [(0, 12), (5, 12), (10, 12), (12, 12)]
    assert (job.processed, job.total) == (12, 12)


def test_an_observer_may_export_and_cancel_their_own_export(signed, olga, bob):
    job = petition_jobs.request_signatures_pdf(signed, actor=olga)
    assert petition_jobs.cancel(job.pk, actor=olga).state == PetitionJobState.CANCELLED
    other = _bulk(signed, bob)
    with pytest.raises(OutsideJurisdiction):
        petition_jobs.cancel(other.pk, actor=olga)


def test_the_files_of_old_jobs_are_purged(signed, alice):
    job = petition_jobs.run(petition_jobs.request_signatures_pdf(signed, actor=alice).pk)
    path = job.file.path
    assert petition_jobs.purge_files(timezone.now() - dt.timedelta(days=1)) == 0
    assert petition_jobs.purge_files(timezone.now() + dt.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert not job.file
    import os

    assert not os.path.exists(path)


# --- In the admin ---------------------------------------------------------------------------


def test_a_large_petitions_pdf_is_a_job_with_progress_cancel_and_download(
    client, bob, signed, settings, django_capture_on_commit_callbacks
):
    settings.RECALL_SYNC_EXPORT_MAX_SIGNATURES = 5
    client.force_login(bob)
    url = reverse("admin:recall_petition_export_pdf", args=[signed.pk])
    asked = client.get(url)
    assert asked.status_code == 200 and not PetitionJob.objects.exists()  # a link starts nothing
    response = client.post(url)  # on_commit not run: the job stays pending
    job = PetitionJob.objects.get()
    assert response["Location"] == reverse("admin:recall_petitionjob_change", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and reverse("admin:recall_petitionjob_cancel", args=[job.pk]) in page
    assert "<progress" in page
    client.post(reverse("admin:recall_petitionjob_cancel", args=[job.pk]))
    assert PetitionJob.objects.get(pk=job.pk).state == PetitionJobState.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    done = PetitionJob.objects.exclude(pk=job.pk).get()
    assert done.state == PetitionJobState.DONE
    page = client.get(reverse("admin:recall_petitionjob_change", args=[done.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    download = client.get(reverse("admin:recall_petitionjob_download", args=[done.pk]))
    assert download["Content-Type"] == "application/pdf" and b"".join(download.streaming_content)[:5] == b"%PDF-"


def test_a_small_petitions_pdf_is_made_in_the_request(client, bob, signed):
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_export_pdf", args=[signed.pk]))
    assert response["Content-Type"] == "application/pdf" and not PetitionJob.objects.exists()


def test_another_commissions_official_sees_no_job(client, charlie, signed, alice):
    job = petition_jobs.run(petition_jobs.request_signatures_pdf(signed, actor=alice).pk)
    client.force_login(charlie)
    assert client.get(reverse("admin:recall_petitionjob_download", args=[job.pk])).status_code == 302
    client.post(reverse("admin:recall_petitionjob_cancel", args=[job.pk]))
    assert PetitionJob.objects.get(pk=job.pk).state == PetitionJobState.DONE
