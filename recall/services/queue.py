"""Hand work to Celery only after the transaction that created it commits.

Publishing must never lose the write it follows: if the broker is down the error is logged
and the periodic jobs (recall.tasks.requeue_unverified, retry_webhooks) pick the work up.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _publish(task_name: str, args: tuple, kwargs: dict, *, inline_if_down: bool = False) -> None:
    from .. import tasks

    task = getattr(tasks, task_name)
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:
        if not inline_if_down:
            logger.warning("could not publish %s; the periodic job will pick the work up", task_name, exc_info=True)
            return
        logger.warning("could not publish %s; running it in this process", task_name, exc_info=True)
        try:
            task.run(*args, **kwargs)
        except Exception:
            logger.exception("%s failed in process", task_name)


def after_commit(task_name: str, *args: Any, inline_if_down: bool = False, **kwargs: Any) -> None:
    """Publish after commit. ``inline_if_down``: a person is waiting for it (a one-time code),
    so if the broker is unreachable the task runs here instead of waiting for a periodic job."""
    transaction.on_commit(lambda: _publish(task_name, args, kwargs, inline_if_down=inline_if_down))


VERIFY_PENDING_KEY = "recall:verify-pending"


def request_verification() -> None:
    """Ask for a verification run after commit, at most one queued run at a time.

    Thousands of signatures a second need one verification task, not one each: the first
    signer after a run has started sets the flag and publishes; the others see the flag. The
    worker clears the flag before it claims work, so nothing stored after that is missed.
    The flag expires on its own in case a task is lost.
    """

    def publish() -> None:
        try:
            first = cache.add(VERIFY_PENDING_KEY, 1, timeout=30)
        except Exception:  # noqa: BLE001 - cache down: publish anyway, duplicates are harmless
            first = True
        if first:
            _publish("verify_signatures", (), {})

    transaction.on_commit(publish)


def verification_started() -> None:
    try:
        cache.delete(VERIFY_PENDING_KEY)
    except Exception:
        logger.warning("could not clear the verification flag", exc_info=True)
