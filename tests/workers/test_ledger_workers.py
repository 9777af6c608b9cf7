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


@pytest.fixture
def accredited_witness(tmp_path, monkeypatch, settings):
    """A real tools/witness.py on a loopback port, accredited for this process and the workers
    (start it before them: they read RECALL_LEDGER_WITNESSES from the environment)."""
    import threading

    from recall.services import ledger

    witness_tool = load_tool(Path(__file__).resolve().parents[2] / "tools" / "witness.py", "tools_witness_workers")
    key = witness_tool.WitnessKey("witness.test/workers", bytes(range(32)))
    served = witness_tool.Witness(key, str(tmp_path / "witness"), [witness_tool.LogKey.parse(ledger.signer().vkey)])
    server = witness_tool.make_server(served, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    accredited = f"{key.vkey}|http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("RECALL_LEDGER_WITNESSES", accredited)
    settings.RECALL_LEDGER_WITNESSES = [accredited]
    yield key
    server.shutdown()
    server.server_close()


def test_workers_push_each_new_checkpoint_to_the_accredited_witness(
    accredited_witness, workers, live_server, collecting, voters, capsys, tmp_path
):
    from recall.models import LedgerCosignature

    _, key = api_key()
    for v in voters[10:16]:
        post_signature(live_server.url, collecting, body_of(v), key)
    wait_until(lambda: not Signature.objects.filter(state="received").exists())
    tasks.sign_ledger_checkpoints.delay()  # a worker signs, and after commit queues the push
    petition = Petition.objects.get(pk=collecting.pk)
    wait_until(
        lambda: LedgerCosignature.objects.filter(
            checkpoint__petition=petition, checkpoint__size=petition.ledger_size, witness_name=accredited_witness.name
        ).exists()
    )
    pin = f"{accredited_witness.name}={accredited_witness.vkey}"
    status = verify_ledger.main([live_server.url, str(petition.pk), "--state", str(tmp_path / "m"), "--witness", pin])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"cosigned by 1 pinned witness(es) ['{accredited_witness.name}']" in out
