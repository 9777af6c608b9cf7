"""While the broker cannot be reached, nothing waits for it: the first publish of a process
fails and opens the circuit breaker (config.breaker), the next ones skip the broker at once,
and the work is left to beat's periodic re-queue. A real process is pointed at a port where
nothing listens."""

import os
import subprocess
import sys
import time

import pytest

from config.breaker import Breaker, CircuitOpen
from tests.helpers import ROOT

PUBLISH_WHILE_DOWN = """
import logging, sys, time, django
django.setup()
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
from recall import task_names
from recall.services import queue
for _ in range(5):
    started = time.monotonic()
    published = queue._publish(task_names.VERIFY_SIGNATURES, (), {})
    print(published, round(time.monotonic() - started, 3))
"""


def test_publishes_after_a_broker_failure_skip_the_broker(db):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "REDIS_URL": "redis://127.0.0.1:1/14",
        "CACHE_URL": "redis://127.0.0.1:1/13",
    }
    result = subprocess.run(
        [sys.executable, "-c", PUBLISH_WHILE_DOWN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    answers = [line.split() for line in result.stdout.splitlines()]
    assert [published for published, _ in answers] == ["False"] * 5, result.stderr[-2000:]
    assert result.stderr.count("could not publish recall.tasks.verify_signatures") == 1
    assert result.stderr.count("broker unavailable, recall.tasks.verify_signatures not published") == 4
    assert "broker unavailable, failing fast" in result.stderr


def test_an_open_breaker_fails_at_once_and_tries_again_after_its_period():
    breaker = Breaker("test", open_seconds=0.2)
    breaker.check()  # closed: calls go through
    breaker.trip(ConnectionError("refused"))
    with pytest.raises(CircuitOpen):
        breaker.check()
    time.sleep(0.25)
    breaker.check()  # half-open: the next call may try the service again
    breaker.succeeded()
    assert not breaker.is_open
