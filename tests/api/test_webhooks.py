"""Partners' webhook endpoints through the API: register, list, remove, and the URL rules."""

import pytest

from recall.models import WebhookEndpoint
from tests.helpers import partner_client


def test_a_partner_registers_lists_and_removes_a_webhook(partner):
    created = partner.post(
        "/api/v1/webhooks/",
        {"url": "http://partner.example/hook", "events": ["petition.threshold_reached"]},
        format="json",
    )
    assert created.status_code == 201 and len(created.json()["secret"]) > 30
    listed = partner.get("/api/v1/webhooks/").json()
    assert listed[0]["url"] == "http://partner.example/hook" and "secret" not in listed[0]
    assert partner.delete(f"/api/v1/webhooks/{created.json()['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.get().is_active


def test_webhooks_must_be_https_in_production(partner, settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = partner.post(
        "/api/v1/webhooks/", {"url": "http://partner.example/hook", "events": ["petition.state_changed"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_url")
    response = partner.post(
        "/api/v1/webhooks/", {"url": "https://127.0.0.1/hook", "events": ["petition.state_changed"]}, format="json"
    )
    assert response.json()["code"] == "invalid_url" and "public address" in response.json()["message"]
    assert not WebhookEndpoint.objects.exists()


def test_unknown_events_are_refused(partner):
    response = partner.post("/api/v1/webhooks/", {"url": "http://x.example/h", "events": ["nope"]}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["events"]
    assert not WebhookEndpoint.objects.exists()


def test_a_partner_without_the_webhooks_scope_cannot_register_one(db):
    client = partner_client(scopes=("read", "sign"))
    response = client.post(
        "/api/v1/webhooks/", {"url": "http://partner.example/hook", "events": ["petition.state_changed"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com:0/h",
        "https://example.com:00/h",
        "https://example.com:99999/h",
        "https://" + "ж" * 70 + ".com/h",
        "https:///h",
    ],
)
def test_malformed_webhook_urls_are_invalid(partner, settings, url):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = partner.post("/api/v1/webhooks/", {"url": url, "events": ["petition.state_changed"]}, format="json")
    assert response.status_code == 400 and response.json()["code"] in ("invalid", "invalid_url")
    assert not WebhookEndpoint.objects.exists()


def test_list_field_errors_are_flat_and_coded(partner):
    data = partner.post("/api/v1/webhooks/", {"url": "https://example.com/h", "events": ["nope"]}, format="json").json()
    assert data["fields"]["events"] == [{"code": "invalid_choice", "message": '"nope" is not a valid choice.'}]


def test_a_partner_may_register_at_most_the_configured_number_of_endpoints(partner, settings):
    settings.RECALL_WEBHOOK_MAX_ENDPOINTS = 3
    hook = {"url": "http://partner.example/hook", "events": ["petition.state_changed"]}
    codes = [partner.post("/api/v1/webhooks/", hook, format="json").status_code for _ in range(4)]
    refused = partner.post("/api/v1/webhooks/", hook, format="json").json()
    assert codes == [201, 201, 201, 409]
    assert refused["code"] == "too_many_webhooks" and "at most 3" in refused["message"]
    assert WebhookEndpoint.objects.filter(is_active=True).count() == 3
    other = partner_client(scopes=("webhooks",)).post("/api/v1/webhooks/", hook, format="json")
    assert other.status_code == 201  # the cap is per partner
