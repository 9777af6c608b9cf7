"""Celery tasks: thin wrappers that take ids and call services.

Every task is safe to run twice (a re-delivered message changes nothing twice): the services
claim their work with conditional UPDATEs. Retries are declared only for transient errors
(database or broker connections); domain errors are not retried.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import lifecycle, register_import, webhooks

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(name="recall.tasks.import_register_file", soft_time_limit=1800, time_limit=1900, **RETRY)
def import_register_file(job_id: int) -> str | None:
    job = register_import.run_job(job_id)
    return job.state if job else None


@shared_task(name="recall.tasks.deliver_webhook", soft_time_limit=60, time_limit=90, **RETRY)
def deliver_webhook(delivery_id: int) -> str:
    result = webhooks.deliver(delivery_id)
    if result.retry_in is not None:
        deliver_webhook.apply_async(args=[delivery_id], countdown=result.retry_in)
    return result.state


@shared_task(name="recall.tasks.retry_webhooks", soft_time_limit=60, time_limit=90, **RETRY)
def retry_webhooks() -> int:
    """Beat: re-send deliveries whose task was lost (broker restart, worker killed)."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name="recall.tasks.advance_windows", soft_time_limit=120, time_limit=150, **RETRY)
def advance_windows() -> dict[str, int]:
    """Beat: open windows that start, close those that end (expired or submitted)."""
    return {"opened": lifecycle.open_due_windows(), "closed": lifecycle.close_due_windows()}
