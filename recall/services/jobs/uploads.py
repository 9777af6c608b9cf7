"""Running an uploaded file (register or paper sheets) in the background, exactly once.

The job is claimed by a conditional UPDATE (pending -> running), so a re-delivered task does
nothing. A transient database error puts it back to pending for the task's retry; any other
outcome is final. The uploaded file holds plain IINs: it is deleted once the job is final,
whatever the outcome (its name is kept on the job).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import IO, Any

from django.db import models
from django.utils import timezone

from ...errors import TRANSIENT_DATABASE_ERRORS, DomainError
from ...models import JobState
from . import job_progress

logger = logging.getLogger(__name__)

Work = Callable[[Any, IO[bytes], Callable[[int, int], None]], dict[str, Any]]


def run(model: type[models.Model], job_id: int, work: Work) -> Any | None:
    claimed = model.objects.filter(pk=job_id, state=JobState.PENDING).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None  # already run, or running in another worker
    job = model.objects.select_related("uploaded_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        job_progress.set(job, done, total)

    outcome: dict[str, Any]
    try:
        with job.file.open("rb") as stream:
            outcome = {"state": JobState.DONE, **work(job, stream, progress)}
    except DomainError as error:
        errors = getattr(error, "errors", None) or [{"line": 0, "error": str(error.message)}]
        outcome = {"state": JobState.FAILED, "errors": errors}
    except TRANSIENT_DATABASE_ERRORS:
        model.objects.filter(pk=job_id).update(state=JobState.PENDING, started_at=None)
        raise
    except Exception:
        _finish(model, job, {"state": JobState.FAILED, "errors": [{"line": 0, "error": "internal error; see the log"}]})
        raise
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
