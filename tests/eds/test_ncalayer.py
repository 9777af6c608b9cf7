"""The fake NCALayer speaks NCALayer's WebSocket protocol, and what it signs verifies."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from websockets.sync.client import connect

from .fake_ncalayer import FakeNCALayer, client_ssl_context


@pytest.fixture(scope="module")
def ncalayer(ca, certs):
    layer = FakeNCALayer(certs["rsa"], tls=ca.tls_server()).start()
    yield layer
    layer.stop()


@pytest.fixture(autouse=True)
def _signing(ncalayer):
    ncalayer.mode = "sign"
    ncalayer.received.clear()


def talk(ncalayer, ca, request: dict) -> dict:
    with connect(ncalayer.url, ssl=client_ssl_context(ca.root_pem()), open_timeout=20) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"result": {"version": "1.4"}}
        ws.send("--heartbeat--")
        assert ws.recv(timeout=5) == "--heartbeat--"
        ws.send(json.dumps(request))
        return json.loads(ws.recv(timeout=5))


def basics(statement: bytes, **signer_params) -> dict:
    return {
        "module": "kz.gov.pki.knca.basics",
        "method": "sign",
        "args": {
            "allowedStorages": None,
            "format": "cms",
            "data": base64.b64encode(statement).decode(),
            "signingParams": {"decode": True, "encapsulate": True, "digested": False},
            "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"], **signer_params},
            "locale": "ru",
        },
    }


def test_a_basics_sign_request_returns_a_cms_that_verifies(ncalayer, ca, builtin, statement):
    answer = talk(ncalayer, ca, basics(statement, iin="900101300017"))
    assert answer["status"] is True
    [cms_b64] = answer["body"]["result"]
    info = builtin.verify(base64.b64decode(cms_b64), expected_content=statement, at=dt.datetime.now(dt.UTC))
    assert info.iin == "900101300017"
    assert ncalayer.received[0]["args"]["signerParams"]["iin"] == "900101300017"


def test_another_iin_finds_no_key(ncalayer, ca, statement):
    answer = talk(ncalayer, ca, basics(statement, iin="850615400026"))
    assert answer["status"] is False and answer["code"] == "EMPTY_KEY_LIST"


def test_a_cancel_is_a_body_without_result(ncalayer, ca, statement):
    ncalayer.mode = "cancel"
    assert talk(ncalayer, ca, basics(statement)) == {"status": True, "body": {}}


def test_the_older_common_utils_method(ncalayer, ca, builtin, statement):
    request = {
        "module": "kz.gov.pki.knca.commonUtils",
        "method": "createCMSSignatureFromBase64",
        "args": ["PKCS12", "SIGNATURE", base64.b64encode(statement).decode(), True],
    }
    answer = talk(ncalayer, ca, request)
    assert answer["code"] == "200"
    cms = base64.b64decode(answer["responseObject"])
    assert builtin.verify(cms, expected_content=statement, at=dt.datetime.now(dt.UTC)).iin
    ncalayer.mode = "cancel"
    assert talk(ncalayer, ca, request) == {"code": "500", "message": "action.canceled"}
