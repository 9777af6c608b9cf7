"""A narrow patch of Celery 5.7.0 (the newest release, with kombu 5.7.0 and redis-py 8): without it
a worker whose Redis goes away under load can exit for good.

When the consumer loses the broker, ``Consumer.on_connection_error_after_connected`` first calls
``connection.collect()``: kombu closes the channels with a short socket timeout and then clears
the transport (``transport.client = None``). A channel still open after that timeout is closed
again by the next step, ``ignore_errors(connection, connection.close)``; the Redis channel's
close reads ``self.connection.client.hostname`` of the cleared transport and raises
``AttributeError("'NoneType' object has no attribute 'hostname'")``. ``ignore_errors`` passes only
the transport's connection and channel errors, so the AttributeError leaves the consumer's
restart path and Celery reports "Unrecoverable error" and exits: nothing consumes until someone
restarts the worker (measured: 4 exits in 4 outages under load, one in two in bench/broker_outage.py).

The patch lets the teardown of the dead connection fail this way, drops the connection and
lets Celery's own restart go on (it reconnects with its retry policy). Any other error keeps
Celery's behaviour. tests/workers/test_broker_loss.py shows the failure without the patch.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from celery import bootsteps
from celery.worker.consumer import consumer as celery_consumer
from django.conf import settings

logger = logging.getLogger(__name__)

_original = celery_consumer.Consumer.on_connection_error_after_connected


@functools.wraps(_original)
def on_connection_error_after_connected(self: Any, exc: BaseException) -> None:
    try:
        _original(self, exc)
    except AttributeError as error:
        logger.warning("the broker connection's teardown failed (%r); reconnecting anyway", error)
        self.connection = None


def apply() -> None:
    if celery_consumer.Consumer.on_connection_error_after_connected is not on_connection_error_after_connected:
        celery_consumer.Consumer.on_connection_error_after_connected = on_connection_error_after_connected


class Heartbeat(bootsteps.StartStopStep):
    """A consumer bootstep that touches RECALL_WORKER_HEARTBEAT_FILE every
    RECALL_WORKER_HEARTBEAT_SECONDS from the worker's event loop: a supervisor's probe
    (``manage.py worker_alive``) sees a worker whose loop has stopped, or that exited, by the
    file's age. Always registered (config.celery); it runs only when the setting names a file,
    decided when the worker starts, not when the module is imported (the settings may still be
    loading then)."""

    requires = ("celery.worker.consumer.connection:Connection",)

    def include_if(self, parent: Any) -> bool:
        return bool(settings.RECALL_WORKER_HEARTBEAT_FILE)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.path = settings.RECALL_WORKER_HEARTBEAT_FILE
        self.interval = settings.RECALL_WORKER_HEARTBEAT_SECONDS
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        self.beat()
        self.timer_ref = parent.timer.call_repeatedly(self.interval, self.beat)

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    def beat(self) -> None:
        try:
            with open(self.path, "a"):
                pass
            os.utime(self.path)
        except OSError:
            logger.warning("could not touch the heartbeat file %s", self.path, exc_info=True)
