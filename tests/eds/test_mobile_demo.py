"""The demo's eGov Mobile: the stand-in for SIGEX's API and the phone that `make run` serves
(recall/demo/sigex.py), asked over HTTP by the service as it would ask sigex.kz."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from recall.models import Signature

from .test_demo import HOLDER, demo, demo_dir  # noqa: F401 (fixtures)
from .test_mobile_web import begin, poll, show_qr

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_sigex(demo, settings, live_server):  # noqa: F811
    settings.RECALL_MOBILE_SIGN_BACKEND = "sigex"
    settings.RECALL_MOBILE_SIGN_SIGEX_URL = f"{live_server.url}/demo/sigex"
    settings.RECALL_MOBILE_SIGN_TIMEOUT_SECONDS = 0.5
    return live_server


def phone_path(client, challenge) -> str:
    page = client.get(f"/en/mobile/{challenge.challenge}/").content.decode()
    assert "Open the demo phone" in page
    link = page.split('data-testid="mobile-link"')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    return urlsplit(link).path


def test_the_demo_phone_signs_with_a_demo_key(client, collecting, demo_sigex):
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    assert poll(client, challenge) == {"state": "waiting"}  # nobody opened the demo phone yet
    phone = phone_path(client, challenge)
    assert "Receiving the statement" in client.get(phone).content.decode()
    assert poll(client, challenge) == {"state": "scanned"}
    assert challenge.challenge in client.get(phone).content.decode()
    assert "Signed." in client.post(phone, {"iin": HOLDER.iin, "sign": "1"}).content.decode()
    assert poll(client, challenge) == {"state": "done", "next": "/en/receipt/"}
    assert Signature.objects.get().channel == "egov_mobile"


def test_cancelling_on_the_demo_phone_is_explained(client, collecting, demo_sigex):
    challenge = begin(client, collecting)
    show_qr(client, challenge)
    phone = phone_path(client, challenge)
    client.get(phone)
    poll(client, challenge)
    client.post(phone, {"cancel": "1"})
    assert "cancelled in eGov Mobile" in poll(client, challenge)["message"]


def test_the_demo_stand_in_is_not_served_without_debug(client, settings):
    settings.DEBUG = False
    assert client.post("/demo/sigex/api/egovQr", "{}", content_type="application/json").status_code == 404
