"""The worker outlives its broker: the teardown of a Redis connection that died under load
(kombu's channel close reading the cleared transport's hostname) no longer ends the worker
(config.celery_patches)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from celery.worker.consumer import consumer as celery_consumer
from django.db import connection

import config.celery  # noqa: F401 - applies the patch, as every worker does
from config import celery_patches
from tests.helpers import ROOT


class _DeadRedisConnection:
    """What kombu's Connection looks like after collect() cleared its transport: closing the
    channel it left open reads ``client.hostname`` of None."""

    connection_errors = (ConnectionError,)
    channel_errors = ()
    transport = None

    def collect(self, socket_timeout=None):
        return None

    def close(self):
        client = None
        return client.hostname  # the AttributeError of kombu.transport.redis.Channel._connparams


def _consumer():
    conf = SimpleNamespace(
        worker_cancel_long_running_tasks_on_connection_loss=True, worker_enable_prefetch_count_reduction=False
    )
    return SimpleNamespace(connection=_DeadRedisConnection(), app=SimpleNamespace(conf=conf), pool=None)


def test_without_the_patch_the_teardown_raises_and_celery_would_exit():
    with pytest.raises(AttributeError, match="hostname"):
        celery_patches._original(_consumer(), ConnectionError("Connection closed by server."))


def test_with_the_patch_the_consumer_drops_the_dead_connection_and_goes_on_to_reconnect():
    assert (
        celery_consumer.Consumer.on_connection_error_after_connected
        is celery_patches.on_connection_error_after_connected
    )
    consumer = _consumer()
    celery_consumer.Consumer.on_connection_error_after_connected(
        consumer, ConnectionError("Connection closed by server.")
    )
    assert consumer.connection is None


def test_other_errors_keep_celerys_behaviour():
    consumer = _consumer()
    consumer.connection.close = lambda: (_ for _ in ()).throw(KeyError("other"))
    with pytest.raises(KeyError):
        celery_consumer.Consumer.on_connection_error_after_connected(consumer, ConnectionError("lost"))


def _probe(path, max_age):
    return subprocess.run(
        [sys.executable, "manage.py", "worker_alive", "--file", str(path), "--max-age", str(max_age)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_supervisors_probe_sees_a_live_worker_by_its_heartbeat_and_a_dead_one_by_its_silence(tmp_path):
    heartbeat = tmp_path / "worker.alive"
    assert _probe(heartbeat, 5).returncode == 1  # no worker yet: no heartbeat
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "RECALL_WORKER_HEARTBEAT_FILE": str(heartbeat),
        "RECALL_WORKER_HEARTBEAT_SECONDS": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "--concurrency", "1", "-n",
         "heartbeat@%h", "-l", "warning", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not heartbeat.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.5)  # beats again: the file is touched on a timer, not only at start
        alive = _probe(heartbeat, 2)
        assert alive.returncode == 0, alive.stderr + (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.kill()
        worker.wait(timeout=30)
    time.sleep(3)
    dead = _probe(heartbeat, 2)
    assert dead.returncode == 1 and "last heartbeat" in dead.stderr
