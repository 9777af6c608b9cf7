"""End to end through real Celery workers (separate processes) on Redis and PostgreSQL."""

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from recall import tasks
from recall.models import Petition, PetitionState, PetitionTransition, Signature, WebhookDelivery
from recall.services import lifecycle
from recall.services.notices import progress, webhooks
from recall.services.verification import counts
from tests.factories import ApiClientFactory, SignatureFactory, api_key
from tests.helpers import ROOT, application, mails_in, populate, wait_until
from tests.servers import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_several_workers_move_a_petition_across_its_threshold_exactly_once(workers, policy, karaganda, alice):
    with Receiver() as receiver:
        voters = populate(karaganda, 100)
        petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
        webhooks.create_endpoint(
            client_id=ApiClientFactory().pk, url=receiver.url, events=["petition.threshold_reached"]
        )
        Petition.objects.filter(pk=petition.pk).update(contact_email="group@example.kz")
        for voter in voters[3:63]:
            SignatureFactory(petition=petition, voter_row=voter)
        for _ in range(12):  # more runs than needed, all at once
            tasks.verify_signatures.delay()
        wait_until(lambda: not Signature.objects.filter(state="received").exists())
        wait_until(lambda: len(receiver.requests) >= 1)
        time.sleep(2)  # let any second notice arrive, if there were one
        petition.refresh_from_db()
        assert petition.state == PetitionState.THRESHOLD_REACHED
        assert PetitionTransition.objects.filter(petition=petition, to_state="threshold_reached").count() == 1
        assert (petition.valid_count, petition.received_count) == (60, 60)
        assert counts.truth(petition.pk)["valid_count"] == 60
        assert len(receiver.requests) == 1
        # One e-mail to each official's and commission's address, and one to the group's.
        told = [m["To"] for m in mails_in(workers / "mail") if "reached its threshold" in m["Subject"]]
        assert sorted(told) == sorted([*progress.officials_of(petition), "group@example.kz"])
        assert "alice@example.kz" in told


def test_a_redelivered_task_changes_nothing_twice(workers, policy, karaganda):
    with Receiver() as receiver:
        voters = populate(karaganda, 30)
        petition = application(karaganda, voters[:3])
        webhooks.create_endpoint(client_id=ApiClientFactory().pk, url=receiver.url, events=["petition.state_changed"])
        lifecycle.refuse(petition, actor=None, reason="late")  # outbox row; its task ran nowhere yet
        delivery = WebhookDelivery.objects.get()
        for _ in range(3):  # the same message delivered three times
            tasks.deliver_webhook.delay(delivery.pk)
        wait_until(lambda: WebhookDelivery.objects.get().state == "delivered")
        time.sleep(2)
        assert len(receiver.requests) == 1
        assert WebhookDelivery.objects.get().attempts == 1


SIGN_WITHOUT_REDIS = """
import json, sys, django
django.setup()
from django.test import Client
response = Client().post(sys.argv[1], json.loads(sys.argv[2]), content_type="application/json",
                         HTTP_AUTHORIZATION="Api-Key " + sys.argv[3])
print(response.status_code, response.content.decode())
"""


def test_a_signature_received_while_redis_is_down_is_stored_and_verified_later(collecting, voters):
    """A web process whose broker and cache point where nothing listens still stores the
    signature (202, quickly); once Redis is back, the periodic re-queue has it verified."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "REDIS_URL": "redis://127.0.0.1:1/14",
        "CACHE_URL": "redis://127.0.0.1:1/13",
    }
    body = {k: voters[10].personal[k] for k in ("iin", "full_name", "birth_date", "address")}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SIGN_WITHOUT_REDIS,
            f"/api/v1/petitions/{collecting.pk}/signatures/",
            json.dumps(body),
            api_key()[1],
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.startswith("202"), result.stdout + result.stderr[-2000:]
    assert time.monotonic() - started < 20  # publishing failed fast instead of hanging the request
    assert "could not publish recall.tasks.verify_signatures" in result.stderr
    assert Signature.objects.get().state == "received"
    # Redis is back (this process uses it); beat's re-queue finds the waiting signature.
    Signature.objects.update(received_at=Signature.objects.get().received_at - dt.timedelta(minutes=5))
    assert tasks.requeue_unverified.delay().get() is True
    assert Signature.objects.get().state == "valid"
