"""The sign path never waits for the workers: storing a signature (one INSERT, which takes a
key-share lock on its petition row) goes through while a verification batch, with its ledger
append and count update, holds the petition row in an open transaction."""

import threading

import pytest
from django.db import connection, transaction

from config.celery import app as celery_app
from recall.services import lifecycle, signing, verification
from tests.factories import SignatureFactory
from tests.helpers import application, signer_of


@pytest.fixture
def on_workers():
    """Verification on the workers, as in production (the suite otherwise runs it in-process
    after the commit, where it would wait for the batch below like any second batch)."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_signature_is_stored_while_a_batch_holds_its_petition(karaganda, voters, on_workers):
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    for voter in voters[10:15]:
        SignatureFactory(petition=petition, voter_row=voter)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def batch() -> None:
        try:
            with transaction.atomic():
                assert verification.verify_batch().verified == 5  # counts, ledger: the petition row locked
                holding.set()
                assert release.wait(30)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            holding.set()
        finally:
            connection.close()

    worker = threading.Thread(target=batch, daemon=True)
    worker.start()
    try:
        assert holding.wait(30) and not errors, errors
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")  # waiting at all would fail here
            stored = signing.sign_for_partner(petition.pk, signer_of(voters[20]), client_id=None)
        assert stored.pk and stored.state == "received"
    finally:
        release.set()
        worker.join(30)
    assert not worker.is_alive() and not errors, errors
