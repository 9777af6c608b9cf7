"""The demo's strong path: load_demo's CA, its voters' keys and the dialog that plays NCALayer.

The demo signs with keys the demo's own CA issued, and the service verifies that CMS exactly as
it verifies NCALayer's (the built-in backend, against the demo's root). The signing view and
the dialog exist only when DEBUG and RECALL_DEMO are both on.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from recall.demo import keys
from recall.eds.builtin import BuiltinVerifier
from recall.models import EdsStatement, Signature
from tests.factories import VoterFactory

from .test_web import ADDRESS, start

pytestmark = pytest.mark.django_db

HOLDER = keys.DemoKey("900101300017", "Ахметов Ерлан Сарсенович")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """One demo CA for the module (RSA key generation is the slow part)."""
    from django.test import override_settings

    directory = tmp_path_factory.mktemp("demo-ca")
    with override_settings(RECALL_DEMO_CA_DIR=str(directory)):
        keys.create([HOLDER])
    return directory


@pytest.fixture
def demo(settings, demo_dir):
    """The embedded default's demo: DEBUG on, the demo's CA trusted, no revocation responder."""
    settings.DEBUG = True
    settings.RECALL_DEMO = True
    settings.RECALL_DEMO_CA_DIR = str(demo_dir)
    settings.RECALL_EDS_BACKEND = "builtin"
    settings.RECALL_EDS_TRUST_ROOTS = [str(demo_dir / "root.pem")]
    settings.RECALL_EDS_INTERMEDIATES = [str(demo_dir / "intermediate.pem")]
    settings.RECALL_EDS_CHECK_REVOCATION = False
    return demo_dir


def demo_sign(client, iin: str, statement: bytes):
    body = {"iin": iin, "statement": base64.b64encode(statement).decode()}
    return client.post("/demo/ncalayer/sign/", json.dumps(body), content_type="application/json")


def test_the_demo_key_signs_a_cms_the_service_verifies_against_the_demo_root(demo):
    cms = keys.sign(HOLDER.iin, b"statement")
    verifier = BuiltinVerifier([demo / "root.pem"], intermediates=[demo / "intermediate.pem"], check_revocation=False)
    signer = verifier.verify(cms, expected_content=b"statement", at=dt.datetime.now(dt.UTC))
    assert signer.iin == HOLDER.iin
    assert (signer.surname, signer.given_name, signer.patronymic) == ("АХМЕТОВ", "ЕРЛАН", "САРСЕНОВИЧ")


def test_the_holders_are_listed_and_only_they_can_sign(demo):
    assert keys.holders() == [HOLDER]
    assert keys.sign("850615400026", b"x") is None
    assert keys.sign("../root", b"x") is None


def test_a_voter_signs_through_the_demo_dialog_and_gets_a_counted_receipt(client, demo, collecting):
    VoterFactory(iin=HOLDER.iin, full_name=HOLDER.full_name, district=collecting.district)
    challenge = start(client, collecting, "kk")
    page = client.get(f"/kk/eds/{challenge.challenge}/").content.decode()
    assert 'data-eds-demo="demo-ncalayer"' in page and 'id="demo-ncalayer"' in page
    assert f'value="{HOLDER.iin}"' in page and "recall/demo-ncalayer.js" in page

    answer = demo_sign(client, HOLDER.iin, challenge.statement.encode())
    assert answer.status_code == 200
    body = {"address": ADDRESS, "consent": "on", "cms": answer.json()["cms"]}
    response = client.post(f"/kk/eds/{challenge.challenge}/", body)
    assert response["Location"] == "/kk/receipt/"
    signature = Signature.objects.get()
    assert signature.channel == "eds"


@pytest.mark.parametrize(
    ("debug", "demo_on"),
    [(False, True), (True, False), (False, False)],
    ids=["production-like", "not-the-demo", "neither"],
)
def test_outside_the_demo_there_is_no_dialog_and_no_signer(client, demo, collecting, settings, debug, demo_on):
    settings.DEBUG = debug
    settings.RECALL_DEMO = demo_on
    assert demo_sign(client, HOLDER.iin, b"statement").status_code == 404
    challenge = start(client, collecting)
    page = client.get(f"/en/eds/{challenge.challenge}/").content.decode()
    assert "demo-ncalayer" not in page and "data-eds-demo" not in page


def test_the_demo_signer_refuses_what_is_not_a_statement(client, demo):
    post = client.post
    assert post("/demo/ncalayer/sign/", "not json", content_type="application/json").status_code == 400
    assert (
        post("/demo/ncalayer/sign/", json.dumps({"iin": HOLDER.iin}), content_type="application/json").status_code
        == 400
    )
    assert demo_sign(client, HOLDER.iin, b"").status_code == 400
    assert demo_sign(client, HOLDER.iin, b"x" * 20_000).status_code == 400
    bad = {"iin": HOLDER.iin, "statement": "%%%"}
    assert post("/demo/ncalayer/sign/", json.dumps(bad), content_type="application/json").status_code == 400
    assert demo_sign(client, "850615400026", b"statement").status_code == 404
    assert client.get("/demo/ncalayer/sign/").status_code == 405
    assert not EdsStatement.objects.exists()
