"""A threshold crossed while the broker is down: every notice is sent once after it returns, by
a real worker and a real beat on a Redis server of the test's own (recall.services.notices.outbox)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection

from recall.models import Notice, NoticeMessage, NoticeState, PetitionState
from recall.services.notices import progress
from tests.helpers import ROOT, mails_in, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CROSS_WHILE_DOWN = """
import django
django.setup()
from recall.models import Petition
from recall.services import verification
verification.verify_all()
print(Petition.objects.get(pk=%d).state)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis(port: int, log) -> subprocess.Popen:
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError("redis-server did not start")


def _celery(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def test_a_threshold_crossed_with_the_broker_down_sends_every_notice_once_after_it_returns(crossing, tmp_path):
    port = _free_port()  # nothing listens there yet: the broker is down
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "REDIS_URL": f"redis://127.0.0.1:{port}/14",
        "CACHE_URL": f"redis://127.0.0.1:{port}/13",
        "LANGUAGE_CODE": "en",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "RECALL_SMS_BACKEND": "recall.notifications.sms.EmailBackend",  # texts as e-mails, to read them
        "RECALL_SMS_EMAIL_TO": "sms@example.kz",
    }
    crossed = subprocess.run(
        [sys.executable, "-c", CROSS_WHILE_DOWN % crossing.pk],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crossed.stdout.strip() == PetitionState.THRESHOLD_REACHED, crossed.stderr[-3000:]
    assert "could not publish recall.tasks.send_notices" in crossed.stderr or "broker unavailable" in crossed.stderr
    assert Notice.objects.filter(petition_id=crossing.pk).count() == 4  # threshold, milestone, outcome, follow
    assert not NoticeMessage.objects.filter(state=NoticeState.SENT).exists()
    assert mails_in(tmp_path / "mail") == []

    log = open(tmp_path / "processes.log", "w")
    processes = [_redis(port, log)]  # the broker is back
    returned = time.monotonic()
    try:
        processes.append(
            _celery(
                ["worker", "-Q", "verification,notifications,default", "--concurrency", "2", "-n", "outbox@%h",
                 "-l", "warning", "--without-gossip", "--without-mingle"],
                env, log,
            )
        )  # fmt: skip
        processes.append(_celery(["beat", "-s", str(tmp_path / "beat-schedule"), "-l", "warning"], env, log))

        def all_sent() -> bool:
            return (
                not Notice.objects.filter(expanded_at__isnull=True).exists()
                and NoticeMessage.objects.exists()
                and not NoticeMessage.objects.exclude(state=NoticeState.SENT).exists()
            )

        wait_until(all_sent, timeout=90)
        recovered = time.monotonic() - returned
        time.sleep(17)  # one more sweep: nothing is sent twice
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()

    mails = mails_in(tmp_path / "mail")
    emails = Counter(m["To"] for m in mails if m["To"] != "sms@example.kz")
    expected = Counter(
        [*progress.officials_of(crossing), "group@example.kz", "group@example.kz", "follower@example.kz"]
    )
    assert emails == expected, (tmp_path / "processes.log").read_text()[-3000:]
    texts = [m for m in mails if m["To"] == "sms@example.kz"]
    assert len(texts) == 1 and "SMS to +77011234567" in texts[0]["Subject"]
    assert "has reached the threshold" in texts[0]["Body"]
    assert NoticeMessage.objects.count() == sum(expected.values()) + 1
    assert recovered < 60
