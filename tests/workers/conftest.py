"""Real Celery worker processes on Redis and PostgreSQL, for the end-to-end tests."""

import os
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.helpers import ROOT


@pytest.fixture
def non_eager():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def workers(tmp_path, non_eager):
    """Two worker processes of two children each, verifying in batches of 5."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "RECALL_VERIFY_BATCH_SIZE": "5",
        "LANGUAGE_CODE": "en",  # notices in English, to read them below
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "MEDIA_ROOT": str(tmp_path),  # where the test's uploads are (tests/conftest.py)
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "verification,notifications,default",
                "--concurrency",
                "2",
                "-n",
                f"test{i}@%h",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker{i}.log", "w"),
        )
        for i in range(2)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=0.5) or []
        if len(replies) >= 2:
            break
    else:
        raise AssertionError("the workers did not start: " + (tmp_path / "worker0.log").read_text()[-2000:])
    yield tmp_path
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
