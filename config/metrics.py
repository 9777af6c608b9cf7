"""What operators see: Prometheus metrics (prometheus-client), request ids in every log line.

Counters and histograms are kept where the work happens: each web process and each Celery
worker process. With several processes per node (gunicorn workers, the prefork pool) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory of the node (emptied at start): every
process writes its figures there and ``/metrics`` adds them up (prometheus-client's
multiprocess mode). A worker node serves the same at ``RECALL_WORKER_METRICS_PORT``
(recall.tasks starts it in the worker's main process).

Gauges that describe the whole service (queue depth, the verification backlog and its oldest
signature's age, each open petition's checkpoint age) are read when ``/metrics`` is scraped,
from Redis and the database: scrape one web node for them (the alert rules in deploy/ do).

- ``recall_http_requests_total{view,method,status}``, ``recall_http_request_seconds{view,method}``
- ``recall_signatures_received_total{channel}``, ``recall_signatures_decided_total{channel,state}``
- ``recall_sms_failures_total``, ``recall_webhook_failures_total{final}``
- ``recall_breaker_open{breaker}`` (1 while a process's breaker is open; every
  config.breaker.Breaker, whatever it guards), ``recall_breaker_trips_total{breaker}``
- ``recall_queue_depth{queue}``, ``recall_verification_backlog``,
  ``recall_verification_oldest_waiting_seconds``
- ``recall_ledger_checkpoint_age_seconds{petition}``, ``recall_ledger_unsigned_entries{petition}``
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger("recall.metrics")

# Seconds: a partner's sign request takes milliseconds; a page build tens; a lost database 30 s.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("recall_http_requests", "HTTP requests answered", ["view", "method", "status"])
LATENCY = Histogram("recall_http_request_seconds", "Time to answer", ["view", "method"], buckets=BUCKETS)
RECEIVED = Counter("recall_signatures_received", "Signatures stored", ["channel"])
DECIDED = Counter("recall_signatures_decided", "Signatures decided by the workers", ["channel", "state"])
SMS_FAILURES = Counter("recall_sms_failures", "Text messages the gateway did not take")
WEBHOOK_FAILURES = Counter("recall_webhook_failures", "Failed webhook attempts", ["final"])
BREAKER_OPEN = Gauge(
    "recall_breaker_open", "1 while a circuit breaker is open", ["breaker"], multiprocess_mode="livemax"
)
BREAKER_TRIPS = Counter("recall_breaker_trips", "Circuit breakers opened", ["breaker"])

# --- Request ids ---------------------------------------------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record: the web request's, or in a worker the id of the
    request that queued the task (recall.tasks carries it in the task's headers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"  # a 404 of no route, or answered by a middleware
    return match.view_name or match.route or "unnamed"


class Observe:
    """The first middleware: a request id (the load balancer's ``X-Request-ID`` if it sent a
    sane one, else a new one), given back in the answer and put in every log line and every task
    the request queues; the request counted and timed by view and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        view = _view_name(request)
        LATENCY.labels(view, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        response[REQUEST_ID_HEADER] = rid
        return response


# --- What the services report ---------------------------------------------------------------------


def signature_received(channel: str) -> None:
    RECEIVED.labels(channel).inc()


def signatures_decided(pairs: Iterable[tuple[str, str]]) -> None:
    """(channel, state) of each signature a batch decided."""
    counted: dict[tuple[str, str], int] = {}
    for pair in pairs:
        counted[pair] = counted.get(pair, 0) + 1
    for (channel, state), n in counted.items():
        DECIDED.labels(channel, state).inc(n)


def breaker_changed(name: str, *, open_: bool) -> None:
    BREAKER_OPEN.labels(name).set(1 if open_ else 0)
    if open_:
        BREAKER_TRIPS.labels(name).inc()


# --- Read when scraped ----------------------------------------------------------------------------

QUEUES = ("verification", "notifications", "default")
# Petitions whose ledger can grow: a checkpoint older than this while entries wait is an alert.
LEDGER_STATES = ("collecting", "threshold_reached", "submitted", "verifying")


class ServiceCollector:
    """Gauges of the whole service, read from Redis and the database at each scrape. A part
    that cannot be read is left out (and logged), never a failed scrape."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield from self._queues()
        yield from self._backlog()
        yield from self._checkpoints()

    def _queues(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("recall_queue_depth", "Tasks waiting in each Celery queue", labels=["queue"])
        try:
            from celery import current_app

            with current_app.connection_for_read() as connection:
                client = connection.default_channel.client
                for queue in QUEUES:
                    family.add_metric([queue], client.llen(queue))
        except Exception as error:  # noqa: BLE001 - an unreachable broker is an empty answer here
            logger.warning("queue depth not read: %s", error)
            return
        yield family

    def _backlog(self) -> Iterable[GaugeMetricFamily]:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                # The partial index on received signatures answers both (recall.models.signatures).
                cursor.execute("SELECT count(*), min(received_at) FROM recall_signature WHERE state = 'received'")
                waiting, oldest = cursor.fetchone()
        except Exception as error:  # noqa: BLE001
            logger.warning("verification backlog not read: %s", error)
            return
        yield GaugeMetricFamily("recall_verification_backlog", "Signatures waiting for the workers", value=waiting)
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest.timestamp())
        yield GaugeMetricFamily(
            "recall_verification_oldest_waiting_seconds",
            "Age of the oldest signature waiting for the workers",
            value=age,
        )

    def _checkpoints(self) -> Iterable[GaugeMetricFamily]:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    (
                        """
                    SELECT p.id, p.ledger_size, c.size, c.signed_at
                    FROM recall_petition p
                    LEFT JOIN LATERAL (
                        SELECT size, signed_at FROM recall_ledgercheckpoint
                        WHERE petition_id = p.id ORDER BY size DESC, signed_at DESC LIMIT 1
                    ) c ON true
                    WHERE p.state IN ({states}) AND p.ledger_size > 0
                    """
                        if connection.vendor == "postgresql"
                        else """
                    SELECT p.id, p.ledger_size,
                        (SELECT max(size) FROM recall_ledgercheckpoint WHERE petition_id = p.id),
                        (SELECT max(signed_at) FROM recall_ledgercheckpoint WHERE petition_id = p.id)
                    FROM recall_petition p WHERE p.state IN ({states}) AND p.ledger_size > 0
                    """
                    ).format(states=", ".join(f"'{state}'" for state in LEDGER_STATES)),
                )
                rows = cursor.fetchall()
        except Exception as error:  # noqa: BLE001
            logger.warning("checkpoint ages not read: %s", error)
            return
        age = GaugeMetricFamily(
            "recall_ledger_checkpoint_age_seconds", "Age of each open petition's latest checkpoint", labels=["petition"]
        )
        unsigned = GaugeMetricFamily(
            "recall_ledger_unsigned_entries", "Ledger entries after the latest checkpoint", labels=["petition"]
        )
        now = time.time()
        for petition, size, signed_size, signed_at in rows:
            if isinstance(signed_at, str):  # SQLite
                import datetime as dt

                signed_at = dt.datetime.fromisoformat(signed_at)
            age.add_metric([str(petition)], now - signed_at.timestamp() if signed_at else float("inf"))
            unsigned.add_metric([str(petition)], size - (signed_size or 0))
        yield age
        yield unsigned


def registry() -> Any:
    """The registry a scrape reads: every process's figures in multiprocess mode, this
    process's otherwise; the service's gauges in both."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        combined.register(ServiceCollector())
        return combined
    return _single()


_SINGLE: list = []


def _single() -> Any:
    if not _SINGLE:
        REGISTRY.register(ServiceCollector())
        _SINGLE.append(REGISTRY)
    return _SINGLE[0]


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape. With RECALL_METRICS_TOKEN set, only with ``Authorization: Bearer
    <token>`` (the figures hold no personal data, but they are the operators')."""
    token = settings.RECALL_METRICS_TOKEN
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def serve_worker_metrics(port: int) -> None:
    """A worker node's figures on ``port`` (its tasks' counters; no service gauges)."""
    from prometheus_client import start_http_server

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        start_http_server(port, registry=combined)
    else:
        start_http_server(port)
