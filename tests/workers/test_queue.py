"""Handing work to Celery after commit (recall.services.queue): a task's own error is never
taken for an unreachable broker, so it is neither logged as "could not publish" nor run again."""

import logging

import kombu.exceptions
import pytest

from recall import task_names
from recall.services import queue
from recall.services.verification import paper_import


@pytest.fixture
def failing_import(monkeypatch):
    """The paper-import task's work, failing; the list records each run."""
    calls = []

    def run_job(job_id):
        calls.append(job_id)
        raise RuntimeError("the import broke")

    monkeypatch.setattr(paper_import, "run_job", run_job)
    return calls


@pytest.mark.parametrize("inline_if_down", [False, True])
def test_an_error_in_a_task_run_in_process_is_the_tasks_error(
    db, failing_import, caplog, django_capture_on_commit_callbacks, inline_if_down
):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RuntimeError, match="the import broke"):
        with django_capture_on_commit_callbacks(execute=True):
            queue.after_commit(task_names.IMPORT_PAPER_SHEET, 7, inline_if_down=inline_if_down)
    assert failing_import == [7]  # run once, not once more "in this process"
    assert not [r for r in caplog.records if "could not publish" in r.getMessage()]


@pytest.mark.parametrize("inline_if_down", [False, True])
def test_a_message_that_cannot_be_sent_is_not_taken_for_a_broker_down(
    db, non_eager, failing_import, caplog, django_capture_on_commit_callbacks, inline_if_down
):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(kombu.exceptions.EncodeError):
        with django_capture_on_commit_callbacks(execute=True):
            queue.after_commit(task_names.IMPORT_PAPER_SHEET, object(), inline_if_down=inline_if_down)
    assert failing_import == []  # not run in this process as if the broker were down
    assert not [r for r in caplog.records if "could not publish" in r.getMessage()]


def test_a_process_asks_for_a_verification_run_at_most_once_a_second(
    db, non_eager, django_capture_on_commit_callbacks, monkeypatch
):
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("verification")
    monkeypatch.setattr(queue, "_last_request", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            queue.request_verification()
    assert broker.llen("verification") == 1
    monkeypatch.setattr(queue, "_last_request", queue._last_request - queue.REQUEST_INTERVAL_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        queue.request_verification()
    assert broker.llen("verification") == 2
    broker.delete("verification")


def test_a_verification_run_that_verified_something_looks_again_a_second_later(collecting, voters, non_eager):
    import redis
    from django.conf import settings

    from recall import tasks
    from tests.factories import SignatureFactory

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("verification")
    SignatureFactory(petition=collecting, voter_row=voters[10])
    assert tasks.verify_signatures.run() == 1
    assert broker.llen("verification") == 1  # the follow-up, for what arrived meanwhile
    assert tasks.verify_signatures.run() == 0
    assert broker.llen("verification") == 1  # nothing verified: no further run
    broker.delete("verification")
