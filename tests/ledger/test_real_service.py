"""The standalone tools against the real service (live_server): the verifier passes an honest
petition and fails each tampering; a witness cosigns through the real endpoint."""

from __future__ import annotations

import base64

import pytest
from django.db import connection

from recall.ledger import note
from recall.models import LedgerCheckpoint, LedgerCosignature, LedgerEntry, Petition
from recall.services import ledger, verification
from recall.services.verification import review
from tests.factories import ApiClientFactory, SignatureFactory, api_key

from .test_verify_ledger import load_tool

TOOLS = __import__("pathlib").Path(__file__).resolve().parents[2] / "tools"
verify_ledger = load_tool(TOOLS / "verify_ledger.py", "tools_verify_ledger_real")
witness_tool = load_tool(TOOLS / "witness.py", "tools_witness_real")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed(collecting, voters, alice):
    """A petition with web, partner and paper signatures, decided, one withdrawn, checkpointed."""
    sigs = [SignatureFactory(petition=collecting, voter_row=v) for v in voters[10:22]]
    SignatureFactory(
        petition=collecting, voter_row=voters[22], channel="paper", receipt=None, sheet_number=1, sheet_line=1
    )
    verification.verify_all(limit=4)
    review.decide(sigs[0].pk, actor=alice, valid=False, ground="pencil", note="Written in pencil.")
    review.withdraw_by_signer(sigs[1].pk)
    ledger.sign_due_checkpoints()
    return collecting, sigs


def verify(live_server, petition, capsys, *extra):
    status = verify_ledger.main([live_server.url, str(petition.pk), *extra])
    return status, capsys.readouterr().out


def test_the_verifier_passes_the_real_service(live_server, signed, capsys):
    petition, sigs = signed
    receipt = sigs[3].receipt
    status, out = verify(live_server, petition, capsys, "--receipt", receipt, "--vkey", ledger.signer().vkey)
    assert status == 0, out
    assert "counts over the first" in out
    assert out.rstrip().endswith("every check passed")


def test_the_verifier_fails_when_an_entry_is_altered_in_the_database(live_server, signed, capsys):
    petition, _ = signed
    entry = next(
        e for e in LedgerEntry.objects.filter(petition=petition).order_by("index") if b'"counted":true' in e.data
    )
    LedgerEntry.objects.filter(pk=entry.pk).update(data=bytes(entry.data).replace(b"true", b"false"))
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "FAIL" in out, out


def test_the_verifier_fails_when_an_entry_is_removed(live_server, signed, capsys):
    petition, _ = signed
    entry = LedgerEntry.objects.filter(petition=petition).order_by("index")[3]
    # Removed and the later ones moved down, as a service hiding an entry would serve them.
    last = LedgerEntry.objects.filter(petition=petition).order_by("-index").first().index
    LedgerEntry.objects.filter(pk=entry.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recall_ledgerentry SET index = index - 1 WHERE petition_id = %s AND index > %s",
            [petition.pk, entry.index],
        )
    Petition.objects.filter(pk=petition.pk).update(ledger_size=last)
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "FAIL" in out, out


def test_the_verifier_fails_when_a_checkpoint_is_signed_by_another_key(live_server, signed, capsys):
    petition, _ = signed
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    other = note.Signer.generate(ledger.signer().name)
    forged = note.Checkpoint(ledger.origin(petition.pk), latest.size, bytes(latest.root_hash)).sign(other)
    LedgerCheckpoint.objects.filter(pk=latest.pk).update(note=forged)
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "FAIL" in out, out


def test_the_verifier_fails_when_a_public_count_disagrees_with_the_entries(live_server, signed, capsys):
    petition, _ = signed
    Petition.objects.filter(pk=petition.pk).update(valid_count=petition.valid_count + 1)
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "valid" in out, out


def test_a_witness_cosigns_through_the_real_endpoint(live_server, signed, tmp_path, capsys, monkeypatch):
    petition, _ = signed
    skey, vkey = note.generate_key("witness.test/observers", note.ALG_COSIGNATURE_V1)
    client = ApiClientFactory(witness_vkey=vkey)
    _, raw = api_key(client, scopes=("witness",))
    key_file = tmp_path / "witness.key"
    key_file.write_text(skey + "\n")
    monkeypatch.setenv("RECALL_API_KEY", raw)
    status = witness_tool.main(
        [live_server.url, "--key", str(key_file), "--state", str(tmp_path / "state.json"), "--once"]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert LedgerCosignature.objects.filter(checkpoint__petition=petition, witness=client).exists()
    status, out = verify(live_server, petition, capsys, "--witness", vkey)
    assert status == 0, out
    assert "witness.test/observers" in out


def test_a_cosignature_on_another_root_is_a_conflict(live_server, signed):
    import json
    import urllib.error
    import urllib.request

    petition, _ = signed
    skey, vkey = note.generate_key("witness.test/w2", note.ALG_COSIGNATURE_V1)
    client = ApiClientFactory(witness_vkey=vkey)
    _, raw = api_key(client, scopes=("witness",))
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    body = {"size": latest.size, "root_hash": base64.b64encode(b"\x01" * 32).decode(), "cosignature": "— x AAAA\n"}
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/petitions/{petition.pk}/ledger/cosignatures/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Api-Key {raw}"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request)
    assert error.value.code == 409
    assert json.loads(error.value.read())["code"] == "root_mismatch"


def test_the_verifier_passes_every_public_petition_of_the_demo(live_server, capsys):
    from django.core.management import call_command

    from recall.selectors import public_petitions

    call_command("load_demo", voters=3000, stdout=open("/dev/null", "w"))
    petitions = list(public_petitions().order_by("pk"))
    assert len(petitions) >= 4
    for petition in petitions:
        status, out = verify(live_server, petition, capsys)
        assert status == 0, f"petition {petition.pk}: {out}"


@pytest.fixture
def sampled(samples_of_10, collecting, voters, bob):
    """Submitted with 30 signatures, a beacon-seeded sample of 10 decided (one duplicate), closed."""
    from recall.services import lifecycle
    from recall.services.ledger import sampling
    from tests.helpers import draw_sample

    for v in voters[10:40]:
        SignatureFactory(petition=collecting, voter_row=v)
    verification.verify_all()
    petition = Petition.objects.get(pk=collecting.pk)
    assert petition.state == "threshold_reached"
    petition = lifecycle.submit(petition, actor=bob)
    petition = lifecycle.start_verification(petition, actor=bob)
    run = draw_sample(petition, bob)
    items = list(run.items.order_by("position"))
    for item in items[:-1]:
        sampling.decide_item(item.pk, actor=bob, valid=True)
    sampling.decide_item(items[-1].pk, actor=bob, valid=False, ground="duplicate", note="signed twice")
    run = sampling.close_sample(run.pk, actor=bob)
    ledger.sign_due_checkpoints()
    return petition, run


def test_the_verifier_redoes_the_sample_and_its_projection(live_server, sampled, capsys, client):
    petition, run = sampled
    detail = client.get(f"/api/v1/petitions/{petition.pk}/").json()
    assert detail["projection"]["seed"] == run.seed
    status, out = verify(live_server, petition, capsys)
    assert status == 0, out
    assert "sample (entry" in out and "1 duplicates" in out


def test_the_verifier_fails_a_projection_that_disagrees_with_the_findings(live_server, sampled, capsys):
    from recall.models import SampleRun

    petition, run = sampled
    run.refresh_from_db()
    SampleRun.objects.filter(pk=run.pk).update(valid_in_sample=run.valid_in_sample + 1)
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "FAIL" in out, out
