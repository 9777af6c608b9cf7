"""Webhook deliveries (recall.services.notices.webhooks) to a real local HTTP receiver: signature,
retries, attempts on record, targets checked again at delivery."""

import hashlib
import hmac
import json

import pytest
import time_machine
from django.utils import timezone

from recall.errors import InvalidInput
from recall.models import WebhookDelivery
from recall.services import lifecycle
from recall.services.notices import webhooks
from tests.factories import ApiClientFactory


@pytest.fixture
def endpoint(receiver, db):
    return webhooks.create_endpoint(
        client_id=ApiClientFactory().pk, url=receiver.url, events=["petition.state_changed"]
    )


def test_a_delivery_is_signed_over_timestamp_and_body(applied, endpoint, receiver):
    lifecycle.refuse(applied, actor=None, reason="late")
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver(delivery.pk).state == "delivered"
    headers, body = receiver.requests[0]
    expected = hmac.new(endpoint.secret.encode(), headers["X-Recall-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Recall-Signature"] == "v1=" + expected.hexdigest()
    assert headers["X-Recall-Event"] == "petition.state_changed"
    assert json.loads(body)["petition"]["state"] == "refused"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.attempt_log.get().status_code) == ("delivered", 1, 200)


def test_a_server_error_is_retried_with_backoff_and_every_attempt_is_kept(applied, endpoint, receiver):
    receiver.statuses = [500, 503]
    lifecycle.refuse(applied, actor=None, reason="late")
    delivery = WebhookDelivery.objects.get()
    first = webhooks.deliver(delivery.pk)
    assert (first.state, first.retry_in) == ("pending", 30)
    assert webhooks.deliver(delivery.pk).state == "skipped"  # not due yet
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=31)):
        assert webhooks.deliver(delivery.pk).retry_in == 60
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=95)):
        assert webhooks.deliver(delivery.pk).state == "delivered"
    assert [a.status_code for a in WebhookDelivery.objects.get().attempt_log.all()] == [500, 503, 200]


def test_a_refusal_by_the_receiver_stops_the_retries(applied, endpoint, receiver):
    receiver.statuses = [410]
    lifecycle.refuse(applied, actor=None, reason="late")
    assert webhooks.deliver(WebhookDelivery.objects.get().pk).state == "failed"


def test_deliveries_give_up_after_the_maximum_attempts(applied, endpoint, receiver, settings):
    settings.RECALL_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    lifecycle.refuse(applied, actor=None, reason="late")
    pk = WebhookDelivery.objects.get().pk
    webhooks.deliver(pk)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5)):
        assert webhooks.deliver(pk).state == "failed"


def test_an_unreachable_receiver_is_an_attempt_with_the_error(applied, db, settings):
    endpoint = webhooks.create_endpoint(
        client_id=ApiClientFactory().pk, url="http://127.0.0.1:9/hook", events=["petition.state_changed"]
    )
    lifecycle.refuse(applied, actor=None, reason="late")
    assert webhooks.deliver(WebhookDelivery.objects.get(endpoint=endpoint).pk).state == "pending"
    assert "ConnectionError" in WebhookDelivery.objects.get().attempt_log.get().error


def test_deliveries_wait_for_the_commit(applied, endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        lifecycle.refuse(applied, actor=None, reason="late")
        assert receiver.requests == []
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert len(receiver.requests) == 1


def test_lost_tasks_are_found_by_the_periodic_retry(applied, endpoint):
    lifecycle.refuse(applied, actor=None, reason="late")
    assert webhooks.due_deliveries() == [WebhookDelivery.objects.get().pk]


def test_a_webhook_to_a_local_address_is_refused_at_delivery(applied, settings):
    endpoint = webhooks.create_endpoint(
        client_id=ApiClientFactory().pk, url="http://localhost:9/hook", events=["petition.state_changed"]
    )
    # Production: the name now points at a local address.
    settings.RECALL_WEBHOOK_ALLOW_HTTP = settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    lifecycle.refuse(applied, actor=None, reason="late")
    assert webhooks.deliver(WebhookDelivery.objects.get(endpoint=endpoint).pk).state == "failed"
    assert "refused" in WebhookDelivery.objects.get().attempt_log.get().error


def test_webhook_urls_resolving_nowhere_are_invalid(settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # production
    with pytest.raises(InvalidInput):
        webhooks.validate_url("https://no-such-host.invalid/h")
