"""The production SMS gateway backend (recall.notifications.sms.HttpGatewayBackend) against a
real local HTTP server."""

import json

import pytest

from recall.notifications import sms


@pytest.fixture
def gateway(receiver, settings):
    settings.RECALL_SMS_GATEWAY_URL = receiver.url
    settings.RECALL_SMS_GATEWAY_TOKEN = "gateway-token-1"
    return receiver


def test_the_gateway_gets_the_message_as_json_with_the_bearer_token(gateway):
    sms.HttpGatewayBackend().send("+77011234567", "Your confirmation code: 123456. Do not share it.")
    [(headers, body)] = gateway.requests
    assert headers["Authorization"] == "Bearer gateway-token-1"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"to": "+77011234567", "text": "Your confirmation code: 123456. Do not share it."}


def test_the_configured_backend_sends_through_the_gateway(gateway, settings):
    settings.RECALL_SMS_BACKEND = "recall.notifications.sms.HttpGatewayBackend"
    sms.send("+77011234567", "Қолыңыз тіркелді.")
    assert json.loads(gateway.requests[0][1]) == {"to": "+77011234567", "text": "Қолыңыз тіркелді."}
    assert sms.outbox == []


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_an_answer_other_than_2xx_is_an_error(gateway, status):
    gateway.statuses = [status]
    with pytest.raises(sms.SmsError, match=str(status)):
        sms.HttpGatewayBackend().send("+77011234567", "text")
    assert len(gateway.requests) == 1


def test_an_unreachable_gateway_is_an_error(settings):
    settings.RECALL_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    with pytest.raises(sms.SmsError):
        sms.HttpGatewayBackend().send("+77011234567", "text")
