"""Running an uploaded file (register or paper sheets) in the background, exactly once.

The job is claimed by a conditional UPDATE (pending -> running), so a re-delivered task does
nothing. A transient database error puts it back to pending for the task's retry; any other
outcome is final. The uploaded file holds plain IINs: it is deleted once the job is final,
whatever the outcome (its name is kept on the job).

A running job holds a lease (``leased_until``) that a thread of the worker renews every third
of RECALL_JOB_LEASE_SECONDS while the work runs, whatever it is doing (the register's one long
INSERT included). A worker that dies stops renewing it: beat (``recover_stale``) puts such a
job back to pending and queues it again, up to RECALL_JOB_ATTEMPTS runs, then fails it with a
message the official sees and deletes its file. The import is one transaction, so a dead
worker's run left nothing behind (PostgreSQL rolled it back when its connection went).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ...errors import TRANSIENT_DATABASE_ERRORS, DomainError
from ...models import JobState
from .. import queue
from . import job_progress

logger = logging.getLogger(__name__)

Work = Callable[[Any, IO[bytes], Callable[[int, int], None]], dict[str, Any]]


def lease_end() -> Any:
    return timezone.now() + dt.timedelta(seconds=settings.RECALL_JOB_LEASE_SECONDS)


class Lease(threading.Thread):
    """Renews the job's lease from the worker while the work runs (on a connection of its own)."""

    def __init__(self, model: type[models.Model], job_id: int) -> None:
        super().__init__(name=f"lease-{model.__name__}-{job_id}", daemon=True)
        self.model, self.job_id = model, job_id
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.RECALL_JOB_LEASE_SECONDS / 3):
                self.model.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(leased_until=lease_end())
        except Exception:
            logger.warning("could not renew the lease of %s #%s", self.model.__name__, self.job_id, exc_info=True)
        finally:
            connection.close()


def run(model: type[models.Model], job_id: int, work: Work) -> Any | None:
    claimed = model.objects.filter(pk=job_id, state=JobState.PENDING).update(
        state=JobState.RUNNING, started_at=timezone.now(), leased_until=lease_end(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None  # already run, or running in another worker
    job = model.objects.select_related("uploaded_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        job_progress.set(job, done, total)

    outcome: dict[str, Any]
    lease = Lease(model, job_id)
    lease.start()
    try:
        with job.file.open("rb") as stream:
            outcome = {"state": JobState.DONE, **work(job, stream, progress)}
    except DomainError as error:
        errors = getattr(error, "errors", None) or [{"line": 0, "error": str(error.message)}]
        outcome = {"state": JobState.FAILED, "errors": errors}
    except TRANSIENT_DATABASE_ERRORS:
        model.objects.filter(pk=job_id).update(state=JobState.PENDING, started_at=None, leased_until=None)
        raise
    except Exception:
        _finish(model, job, {"state": JobState.FAILED, "errors": [{"line": 0, "error": "internal error; see the log"}]})
        raise
    finally:
        lease.done.set()
        lease.join(timeout=5)
    _finish(model, job, outcome)
    job.refresh_from_db()
    return job


def _finish(model: type[models.Model], job: Any, fields: dict[str, Any]) -> None:
    name = job.file.name
    try:
        job.file.delete(save=False)
    except OSError:
        logger.warning("could not delete the uploaded file of %s", job, exc_info=True)
    model.objects.filter(pk=job.pk).update(finished_at=timezone.now(), file="", source_name=name, **fields)


def recover_stale(model: type[models.Model], task_name: str, now: Any | None = None) -> dict[str, int]:
    """Beat: a running job whose lease ran out lost its worker. Put it back to pending and
    queue it again while it has runs left; else fail it with a message and delete its file."""
    now = now or timezone.now()
    taken, failed = 0, 0
    for job in model.objects.filter(state=JobState.RUNNING, leased_until__lt=now):
        if job.attempts < settings.RECALL_JOB_ATTEMPTS:
            if model.objects.filter(pk=job.pk, state=JobState.RUNNING, leased_until__lt=now).update(
                state=JobState.PENDING, started_at=None, leased_until=None
            ):
                queue.after_commit(task_name, job.pk)
                taken += 1
            continue
        if model.objects.filter(pk=job.pk, state=JobState.RUNNING, leased_until__lt=now).exists():
            message = _(
                "The worker running this import stopped %(n)s times; nothing was imported. Upload the file again."
            ) % {"n": job.attempts}
            _finish(model, job, {"state": JobState.FAILED, "errors": [{"line": 0, "error": message}]})
            failed += 1
    return {"taken_over": taken, "failed": failed}
