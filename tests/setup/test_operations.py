"""What operators see: liveness and readiness, Prometheus metrics, request ids in logs and tasks."""

import logging
from unittest import mock

from django.db import OperationalError
from prometheus_client import REGISTRY

from config import celery as celery_signals
from config import metrics
from config.breaker import Breaker
from recall.services import verification
from tests.helpers import body_of, partner_client, sign_url


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_liveness_answers_while_the_database_is_unreachable_and_readiness_does_not(client, db):
    assert client.get("/readyz").status_code == 200
    with mock.patch("config.urls.connection.cursor", side_effect=OperationalError("no route to host")):
        assert client.get("/livez").status_code == 200
        ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"


def test_a_signature_is_counted_by_channel_and_its_request_by_view_and_status(collecting, voters):
    partner = partner_client()
    received = sample("recall_signatures_received_total", channel="partner")
    answered = sample("recall_http_requests_total", view="api:sign", method="POST", status="202")
    assert partner.post(sign_url(collecting), body_of(voters[10]), format="json").status_code == 202
    assert sample("recall_signatures_received_total", channel="partner") == received + 1
    assert sample("recall_http_requests_total", view="api:sign", method="POST", status="202") == answered + 1


def test_decisions_are_counted_by_channel_and_state(collecting, voters):
    valid = sample("recall_signatures_decided_total", channel="partner", state="valid")
    partner_client().post(sign_url(collecting), body_of(voters[10]), format="json")
    verification.verify_all()
    assert sample("recall_signatures_decided_total", channel="partner", state="valid") == valid + 1


def test_the_scrape_has_the_service_gauges(client, collecting, voters, settings):
    text = client.get("/metrics").content.decode()
    for name in (
        "recall_http_request_seconds_bucket",
        'recall_queue_depth{queue="verification"}',
        "recall_verification_backlog",
        "recall_verification_oldest_waiting_seconds",
    ):
        assert name in text
    settings.RECALL_METRICS_TOKEN = "scrape-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200


def test_every_breaker_reports_its_state():
    breaker = Breaker("test-service", 5.0)
    breaker.trip(ConnectionError("down"))
    assert sample("recall_breaker_open", breaker="test-service") == 1
    breaker.succeeded()
    assert sample("recall_breaker_open", breaker="test-service") == 0


def test_the_request_id_is_answered_logged_and_carried_into_the_tasks_queued(client, db, caplog):
    answer = client.get("/livez", HTTP_X_REQUEST_ID="lb-7f3a")
    assert answer["X-Request-ID"] == "lb-7f3a"
    assert len(client.get("/livez", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"]) == 32  # a new one
    token = metrics.request_id.set("lb-7f3a")
    try:
        headers: dict = {}
        celery_signals._carry_request_id(headers=headers)
        record = logging.LogRecord("recall", logging.INFO, __file__, 1, "verified", None, None)
        metrics.RequestIdFilter().filter(record)
    finally:
        metrics.request_id.reset(token)
    assert headers["request_id"] == "lb-7f3a" and record.request_id == "lb-7f3a"
    task = mock.Mock(request=mock.Mock(request_id="lb-7f3a"))
    celery_signals._restore_request_id(task=task)
    assert metrics.request_id.get() == "lb-7f3a"
    celery_signals._clear_request_id()
    assert metrics.request_id.get() == ""


def test_the_alert_rules_and_the_dashboard_name_only_series_the_service_exports(client, db):
    import json
    import re
    from pathlib import Path

    import yaml

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    rules = yaml.safe_load((deploy / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {alert["alert"] for alert in rules}
    assert {"VerificationLagging", "CircuitBreakerOpen", "LedgerCheckpointStale", "ServerErrors"} <= names
    text = (deploy / "alerts.yml").read_text() + json.dumps(json.loads((deploy / "dashboard.json").read_text()))
    used = set(re.findall(r"recall_[a-z_]+", text)) - {"recall_metrics_token"}
    exported = {m.name for m in metrics.REGISTRY.collect()} | {
        "recall_queue_depth",
        "recall_verification_backlog",
        "recall_verification_oldest_waiting_seconds",
        "recall_ledger_checkpoint_age_seconds",
        "recall_ledger_unsigned_entries",
    }
    suffixes = ("_total", "_bucket", "_count", "_sum")
    missing = {n for n in used if n not in exported and not any(n.removesuffix(s) in exported for s in suffixes)}
    assert not missing
