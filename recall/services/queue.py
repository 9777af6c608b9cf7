"""Hand work to Celery only after the transaction that created it commits.

Tasks are named by recall.task_names, never imported: recall.tasks imports the services, so
the services must not import it. Publishing must never lose the write it follows nor hold the
request: if the broker is unreachable the failure is logged, a circuit breaker
(config.breaker) makes the next publishes of this process skip the broker for a few seconds,
and the periodic jobs (requeue_unverified, retry_webhooks, sweep_notices) pick the work up. Only a broker
that cannot be reached counts as "down": an error raised by a task run in this process (the
embedded default runs tasks in-process) is that task's failure, reported as such and never
run a second time.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import current_app
from django.db import transaction

from config.breaker import Breaker, CircuitOpen

from .. import task_names

logger = logging.getLogger(__name__)

# Seconds a process stops publishing after the broker could not be reached.
BROKER_BREAKER_SECONDS = 5.0
broker_breaker = Breaker("broker", BROKER_BREAKER_SECONDS)


def _broker_errors() -> tuple[type[BaseException], ...]:
    # What kombu and redis-py raise when the broker cannot be reached or drops the connection.
    import kombu.exceptions
    import redis.exceptions

    return (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, ConnectionError, OSError, TimeoutError)


def _publish(task_name: str, args: tuple, kwargs: dict, *, inline_if_down: bool = False) -> bool:
    """True if the task was published (or run in-process by design)."""
    app = current_app
    if app.conf.task_always_eager:
        # In-process execution: no broker is involved, so nothing here is "unreachable".
        # apply() raises the task's error when task_eager_propagates is set (the tests).
        app.tasks[task_name].apply(args=args, kwargs=kwargs)
        return True
    try:
        broker_breaker.check()
        app.send_task(task_name, args=args, kwargs=kwargs)
    except CircuitOpen:
        logger.info("broker unavailable, %s not published", task_name)
    except _broker_errors() as error:
        broker_breaker.trip(error)
        logger.warning("could not publish %s: %s", task_name, error)
    else:
        broker_breaker.succeeded()
        return True
    if not inline_if_down:
        return False  # the periodic job will pick the work up
    logger.warning("running %s in this process while the broker is unavailable", task_name)
    try:
        app.tasks[task_name].run(*args, **kwargs)
    except Exception:
        logger.exception("%s failed in this process", task_name)
    return False


def after_commit(task_name: str, *args: Any, inline_if_down: bool = False, **kwargs: Any) -> None:
    """Publish after commit. ``inline_if_down``: a person is waiting for it (a one-time code),
    so if the broker is unreachable the task runs here instead of waiting for a periodic job."""
    if task_name not in task_names.ALL:
        raise ValueError(f"unknown task {task_name!r}: name it in recall.task_names")
    transaction.on_commit(lambda: _publish(task_name, args, kwargs, inline_if_down=inline_if_down))


# A process asks for a verification run at most this often; the run that follows re-checks
# once more a second later (recall.tasks.verify_signatures), so a signature stored in between
# is verified within about a second without a request of its own.
REQUEST_INTERVAL_SECONDS = 1.0
_last_request = 0.0


def request_verification() -> None:
    """Ask for a verification run after commit: thousands of signatures a second need a run
    every second or so, not one each. No shared flag is read on the sign path: each process
    publishes at most once a second, and every run that verified something schedules one more
    a second later, which picks up what was stored while requests were skipped. Beat's
    re-queue covers a lost message or a broker that was down."""

    def publish() -> None:
        global _last_request
        now = time.monotonic()
        if not current_app.conf.task_always_eager:
            if broker_breaker.is_open or now - _last_request < REQUEST_INTERVAL_SECONDS:
                return
            _last_request = now
        _publish(task_names.VERIFY_SIGNATURES, (), {})

    transaction.on_commit(publish)
