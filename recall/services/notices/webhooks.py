"""Partner webhooks: an outbox written with the change, delivered by Celery after commit.

Each request carries ``X-Recall-Timestamp`` and ``X-Recall-Signature: v1=<hex>``, where the
hex is HMAC-SHA256 under the endpoint's secret of ``"<timestamp>." + body``. Receivers
recompute it and reject stale timestamps, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiClient
from config import metrics

from ... import task_names
from ...errors import InvalidInput, PolicyViolation
from ...models import DeliveryState, Petition, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .. import queue
from . import outbound

logger = logging.getLogger(__name__)

USER_AGENT = "recall-petitions-webhooks/1"
# A worker holds a delivery this long; a second copy of the task meanwhile does nothing.
LEASE = timedelta(minutes=2)


def petition_payload(petition: Petition) -> dict:
    return {
        "id": petition.pk,
        "state": petition.state,
        "deputy": petition.deputy.full_name,
        "district": petition.district.code,
        "required": petition.required_signatures,
        "received": petition.all_received,
        "valid": petition.valid_count,
        "invalid": petition.invalid_count,
        "awaiting": petition.awaiting_count,
        "url": f"{settings.SITE_URL}/api/v1/petitions/{petition.pk}/",
    }


def enqueue_event(event: WebhookEvent, petition: Petition, **extra: object) -> int:
    """Write one delivery per subscribed endpoint; call inside the transaction of the change."""
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(is_active=True, client__is_active=True).only("id", "events")
        if event.value in e.events
    ]
    if not endpoints:
        return 0
    now = timezone.now()
    payload = {
        "event": event.value,
        "occurred_at": now.isoformat(),
        "petition": petition_payload(petition),
        **extra,
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, event=event, payload=payload, next_attempt_at=now) for e in endpoints
    )
    for delivery in deliveries:
        queue.after_commit(task_names.DELIVER_WEBHOOK, delivery.pk)
    return len(deliveries)


def validate_url(url: str) -> str:
    """HTTPS to a public address (recall.services.notices.outbound); raises InvalidInput. Where
    private targets are allowed (development) a name that does not resolve yet is accepted."""
    try:
        outbound.resolve(url)
    except outbound.Unresolvable:
        if not settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS:
            raise
    return url


def create_endpoint(*, client_id: int, url: str, events: list[str]) -> WebhookEndpoint:
    unknown = set(events) - set(WebhookEvent.values)
    if not events or unknown:
        raise InvalidInput(
            _("Choose events from: %(events)s.") % {"events": ", ".join(WebhookEvent.values)},
            field="events",
            code="invalid_events",
        )
    validate_url(url)
    with transaction.atomic():
        # Locking the partner's row serialises concurrent registrations, so the cap holds.
        ApiClient.objects.select_for_update().filter(pk=client_id).first()
        active = WebhookEndpoint.objects.filter(client_id=client_id, is_active=True).count()
        if active >= settings.RECALL_WEBHOOK_MAX_ENDPOINTS:
            raise PolicyViolation(
                _("A partner may have at most %(n)s active webhook endpoints; delete one first.")
                % {"n": settings.RECALL_WEBHOOK_MAX_ENDPOINTS},
                field="url",
                code="too_many_webhooks",
            )
        return WebhookEndpoint.objects.create(
            client_id=client_id, url=url, events=sorted(set(events)), secret=secrets.token_urlsafe(32)
        )


def endpoints_of(client_id: int) -> QuerySet[WebhookEndpoint]:
    """The partner's endpoints, active or stopped, oldest first."""
    return WebhookEndpoint.objects.filter(client_id=client_id).order_by("pk")


def deactivate_endpoint(endpoint_id: int, *, client_id: int) -> bool:
    """Stop sending events to the partner's endpoint (kept, with its deliveries). False when
    the partner has no such endpoint."""
    return WebhookEndpoint.objects.filter(pk=endpoint_id, client_id=client_id).update(is_active=False) == 1


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> int:
    """Seconds before the next try: 30 s, 1 min, 2 min... capped at six hours."""
    return min(30 * 2 ** max(0, attempts - 1), 6 * 3600)


@dataclass(frozen=True)
class DeliveryResult:
    state: str
    retry_in: int | None = None


def _is_permanent(status: int) -> bool:
    """A 4xx other than timeout/rate limit means the receiver refuses it: retrying will not help."""
    return 400 <= status < 500 and status not in (408, 409, 425, 429)


def deliver(delivery_id: int) -> DeliveryResult:
    """Try one delivery. Safe to run twice: the lease lets only one copy send at a time."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return DeliveryResult("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Recall-Event": delivery.event,
        "X-Recall-Delivery": str(delivery.pk),
        "X-Recall-Timestamp": timestamp,
        "X-Recall-Signature": "v1=" + sign(endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    status, error, excerpt, refused = None, "", "", False
    try:
        # Resolved and checked now, and the request goes to the address checked: the name may
        # point elsewhere than when it was registered, and must not change in between.
        target = outbound.resolve(endpoint.url)
        answer = outbound.post(target, body, headers, settings.RECALL_WEBHOOK_TIMEOUT_SECONDS)
        status, excerpt = answer.status, answer.excerpt[:500]
    except outbound.Unresolvable as unresolvable:
        error = str(unresolvable.message)  # DNS may answer again: retried with backoff
    except InvalidInput as invalid:
        error, refused = f"refused: {invalid.message}", True
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    duration_ms = int((time.monotonic() - started) * 1000)

    attempts = delivery.attempts + 1
    ok = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, status_code=status, error=error, duration_ms=duration_ms, response_excerpt=excerpt
        )
        if ok:
            fields = {"state": DeliveryState.DELIVERED, "delivered_at": timezone.now(), "next_attempt_at": None}
            result = DeliveryResult(DeliveryState.DELIVERED)
        elif (
            refused
            or (status is not None and _is_permanent(status))
            or attempts >= settings.RECALL_WEBHOOK_MAX_ATTEMPTS
        ):
            fields = {"state": DeliveryState.FAILED, "next_attempt_at": None}
            result = DeliveryResult(DeliveryState.FAILED)
        else:
            wait = backoff(attempts)
            fields = {"next_attempt_at": timezone.now() + timedelta(seconds=wait)}
            result = DeliveryResult(DeliveryState.PENDING, retry_in=wait)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=attempts, **fields)
    if not ok:
        logger.info("webhook delivery %s attempt %s failed: %s %s", delivery.pk, attempts, status, error)
        metrics.WEBHOOK_FAILURES.labels("true" if result.state == DeliveryState.FAILED else "false").inc()
    return result


def due_deliveries(limit: int = 500) -> list[int]:
    """Pending deliveries whose next try is due (their task was lost or is waiting to retry)."""
    return list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
