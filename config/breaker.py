"""A circuit breaker for Redis, the broker and the cache of every request.

When Redis cannot be reached, each call would otherwise wait for its connection attempt to
fail (up to the socket timeout) and the sign path would slow to the pace of timeouts. After a
failure the breaker stays open for a few seconds: calls fail at once without touching the
network, and the work they would have queued is picked up by beat's periodic jobs. The first
call after that period tries again (half-open); a success closes the breaker.

One breaker per process and per service: a process learns of an outage from its own first
failure. Times come from ``time.monotonic``. Every breaker reports its state to Prometheus
(config.metrics: ``recall_breaker_open{breaker=<name>}``), whatever it guards.
"""

from __future__ import annotations

import logging
import threading
import time

from . import metrics

logger = logging.getLogger("recall.breaker")


class CircuitOpen(ConnectionError):
    """Raised instead of trying a service whose breaker is open."""


class Breaker:
    def __init__(self, name: str, open_seconds: float) -> None:
        self.name = name
        self.open_seconds = open_seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def check(self) -> None:
        if self.is_open:
            raise CircuitOpen(f"{self.name} is unavailable (circuit open)")

    def trip(self, error: BaseException) -> None:
        with self._lock:
            was_closed = not self.is_open and self._open_until == 0.0
            self._open_until = time.monotonic() + self.open_seconds
        if was_closed:
            logger.warning("%s unavailable, failing fast for %.0f s: %s", self.name, self.open_seconds, error)
            metrics.breaker_changed(self.name, open_=True)

    def succeeded(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
            logger.warning("%s is reachable again", self.name)
            metrics.breaker_changed(self.name, open_=False)

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
