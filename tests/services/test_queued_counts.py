"""The queued count (recall.services.verification.counts.refresh_queued) stays exact when a refresh overlaps
a verification batch that is deciding signatures of the same petition."""

import threading

import pytest
from django.db import connection, transaction

from recall.services import lifecycle, verification
from recall.services.verification import counts
from tests.factories import SignatureFactory
from tests.helpers import application, wait_until


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%%recall_petition%%'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_refresh_overlapping_a_batch_leaves_the_exact_queued_count(karaganda, voters):
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    for voter in voters[10:20]:
        SignatureFactory(petition=petition, voter_row=voter)
    assert counts.refresh_queued() == 10

    batch_holds_the_row = threading.Event()
    release_batch = threading.Event()
    errors: list[BaseException] = []

    def batch() -> None:
        try:
            with transaction.atomic():  # the batch's transaction, kept open until released
                assert verification.verify_batch(limit=4).verified == 4
                batch_holds_the_row.set()
                assert release_batch.wait(30)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def refresh() -> None:
        try:
            counts.refresh_queued()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=batch, daemon=True)
    first.start()
    assert batch_holds_the_row.wait(30)
    second = threading.Thread(target=refresh, daemon=True)
    second.start()
    wait_until(_waiting_on_a_lock, timeout=30)  # the refresh waits for the batch's row lock
    release_batch.set()
    for thread in (first, second):
        thread.join(30)
        assert not thread.is_alive()
    assert not errors, errors
    petition.refresh_from_db()
    assert petition.queued_count == counts.truth(petition.pk)["queued_count"] == 6
    assert counts.reconcile([petition.pk]) == {}  # nothing for the nightly job to repair
