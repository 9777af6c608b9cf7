"""Bulk invalidation as a background job, run by real Celery workers (recall.services.jobs.petition_jobs)."""

import pytest
from django.db import transaction

from recall.models import Petition, PetitionJob, PetitionJobState
from recall.services import lifecycle, verification
from recall.services.jobs import petition_jobs
from recall.services.verification import review
from tests.factories import SignatureFactory
from tests.helpers import application, populate, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_the_invalidation_and_skips_a_cancelled_job(workers, policy, karaganda, bob):
    voters = populate(karaganda, 100)
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    for i, voter in enumerate(voters[10:30]):
        SignatureFactory(
            petition=petition, voter_row=voter, channel="paper", sheet_number=1 + i // 10, sheet_line=1 + i % 10
        )
    verification.verify_all()
    criteria = review.Criteria(petition_id=petition.pk, sheet_number=1)
    with transaction.atomic():
        job = petition_jobs.request_bulk_invalidation(
            criteria, actor=bob, ground="forgery", note="Forged.", expected=10
        )
    other = review.Criteria(petition_id=petition.pk, sheet_number=2)
    with transaction.atomic():  # cancelled before the transaction commits and the task is published
        cancelled = petition_jobs.request_bulk_invalidation(
            other, actor=bob, ground="pencil", note="Pencil.", expected=10
        )
        petition_jobs.cancel(cancelled.pk, actor=bob)
    wait_until(lambda: PetitionJob.objects.get(pk=job.pk).is_final)
    job.refresh_from_db()
    assert (job.state, job.result) == (PetitionJobState.DONE, {"invalidated": 10})
    assert Petition.objects.get(pk=petition.pk).invalid_count == 10
    assert PetitionJob.objects.get(pk=cancelled.pk).state == PetitionJobState.CANCELLED
