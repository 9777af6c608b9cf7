"""The public ledger end to end: signatures through the API, verified by real Celery workers,
checkpoints signed by the beat task on a worker, and the standalone verifier accepting it all."""

import json
import urllib.request
from pathlib import Path

import pytest

from recall import tasks
from recall.models import LedgerCheckpoint, Petition, Signature
from tests.factories import api_key
from tests.helpers import body_of, sign_url, wait_until
from tests.ledger.test_verify_ledger import load_tool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

verify_ledger = load_tool(Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py", "tools_verify_workers")


def post_signature(base: str, petition: Petition, body: dict, key: str) -> dict:
    request = urllib.request.Request(
        base + sign_url(petition),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Api-Key {key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
        return json.loads(response.read())


def test_a_petition_signed_through_the_api_and_verified_by_workers_passes_the_verifier(
    workers, live_server, collecting, voters, capsys
):
    _, key = api_key()
    receipts = [post_signature(live_server.url, collecting, body_of(v), key)["receipt"] for v in voters[10:24]]
    wait_until(lambda: not Signature.objects.filter(state="received").exists())
    tasks.sign_ledger_checkpoints.delay()  # as beat sends it; a worker runs it
    petition = Petition.objects.get(pk=collecting.pk)
    wait_until(lambda: LedgerCheckpoint.objects.filter(petition=petition, size=petition.ledger_size).exists())
    status = verify_ledger.main([live_server.url, str(petition.pk), "--receipt", receipts[5]])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "counts over the first" in out and out.rstrip().endswith("every check passed")
