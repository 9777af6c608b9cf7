"""The standalone tools against the real service (live_server): the verifier passes an honest
petition and fails each tampering; a witness cosigns through the real endpoint."""

from __future__ import annotations

import base64
import time

import pytest
import time_machine
from django.db import connection
from django.db.models import F

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


@pytest.fixture
def witness_server(tmp_path, settings):
    """A real tools/witness.py (C2SP tlog-witness) on a loopback port, accredited in the settings."""
    import threading

    key = witness_tool.WitnessKey("witness.test/observers", bytes(range(32)))
    served = witness_tool.Witness(key, str(tmp_path / "witness"), [witness_tool.LogKey.parse(ledger.signer().vkey)])
    server = witness_tool.make_server(served, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    settings.RECALL_LEDGER_WITNESSES = [f"{key.vkey}|http://127.0.0.1:{server.server_address[1]}"]
    yield key, served
    server.shutdown()
    server.server_close()


def test_the_service_pushes_checkpoints_to_an_accredited_witness(live_server, signed, witness_server, capsys):
    from recall.services.ledger import witnesses

    key, served = witness_server
    petition, _ = signed
    for checkpoint in LedgerCheckpoint.objects.filter(petition=petition).order_by("size"):
        assert witnesses.push(checkpoint.pk) == {key.name: "cosigned"}
    # A new checkpoint goes to the witness as soon as it is signed (after commit).
    SignatureFactory(petition=petition, voter_row=petition.district.voters.order_by("pk")[40])
    verification.verify_all()
    latest = ledger.sign_checkpoint(petition.pk)
    assert LedgerCosignature.objects.filter(checkpoint=latest, witness_name=key.name, witness__isnull=True).exists()
    status, out = verify(live_server, petition, capsys, "--witness", f"{key.name}={key.vkey}")
    assert status == 0, out
    assert f"cosigned by 1 pinned witness(es) ['{key.name}']" in out
    # The witness keeps what it cosigned: the latest note, with the log's signature and its own.
    kept = served.latest(ledger.origin(petition.pk))
    assert kept["size"] == latest.size and kept["note"].startswith(latest.note)


def test_a_rewritten_history_is_caught_by_the_verifiers_memory_and_the_witness(
    live_server, signed, witness_server, tmp_path, capsys
):
    from recall.services.ledger import witnesses

    key, served = witness_server
    petition, _ = signed
    for checkpoint in LedgerCheckpoint.objects.filter(petition=petition).order_by("size"):
        witnesses.push(checkpoint.pk)
    state = tmp_path / "memory"
    pin = f"{key.name}={key.vkey}"
    status, out = verify(live_server, petition, capsys, "--state", str(state), "--witness", pin)
    assert status == 0, out
    rewrite_consistently(petition)
    evidence = tmp_path / "evidence.json"
    status, out = verify(live_server, petition, capsys, "--state", str(state), "--evidence", str(evidence))
    assert status == 3, out
    assert "EQUIVOCATION  the log signed two roots for size" in out
    assert verify_ledger.main(["--check-evidence", str(evidence), "--vkey", ledger.signer().vkey]) == 3
    # A fresh verifier without memory is stopped by the pinned witness, which refuses the rewrite.
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    assert witnesses.push(latest.pk) == {key.name: "refused"}
    assert served.evidence_files()
    status, out = verify(live_server, petition, capsys, "--witness", pin)
    assert status == 1 and "is cosigned by 0 of the witnesses you pinned" in out


def rewrite_consistently(petition):
    """The insider with the database and the log's key: one decision flipped (signature, counts,
    entry), the Merkle tree rebuilt, every checkpoint re-signed. Only memory and witnesses tell."""
    from recall.ledger import tlog
    from recall.models import LedgerNode
    from recall.services.ledger import log

    entry = next(
        e for e in LedgerEntry.objects.filter(petition=petition).order_by("index") if b'"counted":true' in e.data
    )
    data = bytes(entry.data).replace(b'"counted":true', b'"counted":false')
    LedgerEntry.objects.filter(petition=petition, index=entry.index).update(data=data, leaf_hash=tlog.leaf_hash(data))
    Petition.objects.filter(pk=petition.pk).update(
        valid_count=F("valid_count") - 1, invalid_count=F("invalid_count") + 1
    )
    LedgerNode.objects.filter(petition=petition).delete()
    leaves = [
        bytes(h)
        for h in LedgerEntry.objects.filter(petition=petition).order_by("index").values_list("leaf_hash", flat=True)
    ]
    store = tlog.MemoryStore()
    store.append(leaves)
    LedgerNode.objects.bulk_create(
        LedgerNode(petition=petition, level=level, index=index, hash=store.read([(level, index)])[0])
        for level in range(1, 40)
        if level % log.TILE_HEIGHT == 0
        for index in range(len(leaves) >> level)
    )
    for checkpoint in LedgerCheckpoint.objects.filter(petition=petition):
        root = ledger.tree_hash(petition.pk, checkpoint.size)
        text = note.Checkpoint(ledger.origin(petition.pk), checkpoint.size, root).sign(ledger.signer())
        LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(root_hash=root, note=text)
    LedgerCosignature.objects.filter(checkpoint__petition=petition).delete()  # they no longer verify


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


@pytest.fixture
def beacon_info(tmp_path):
    """The stand-in beacon chain's /info, for the verifier (it knows only drand's quicknet)."""
    import json

    from recall.services.ledger import beacon_source

    path = tmp_path / "beacon-info.json"
    path.write_text(json.dumps(beacon_source.source().chain.info()))
    return str(path)


def test_the_verifier_redoes_the_sample_and_its_projection(live_server, sampled, capsys, client, beacon_info):
    petition, run = sampled
    detail = client.get(f"/api/v1/petitions/{petition.pk}/").json()
    assert detail["projection"]["seed"] == run.seed
    status, out = verify(live_server, petition, capsys)
    assert status == 1 and "is not drand's quicknet" in out  # a stand-in chain proves nothing by itself
    status, out = verify(live_server, petition, capsys, "--beacon-info", beacon_info)
    assert status == 0, out
    assert "sample (entry" in out and "1 duplicates" in out
    assert f"beacon round {run.procedure['round']} of" in out and "seed from round" in out


def test_the_verifier_fails_a_projection_that_disagrees_with_the_findings(live_server, sampled, capsys, beacon_info):
    from recall.models import SampleRun

    petition, run = sampled
    run.refresh_from_db()
    SampleRun.objects.filter(pk=run.pk).update(valid_in_sample=run.valid_in_sample + 1)
    status, out = verify(live_server, petition, capsys, "--beacon-info", beacon_info)
    assert status == 1 and "FAIL" in out, out


def test_beat_pushes_what_a_witness_has_not_cosigned_and_refreshes_stale_cosignatures(signed, witness_server, settings):
    from recall import tasks
    from recall.services.ledger import witnesses

    key, _ = witness_server
    petition, _ = signed
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    assert witnesses.due_pushes() == [(latest.pk, key.name)]
    assert tasks.push_ledger_witnesses() == 1  # the push itself runs in-process here
    first = LedgerCosignature.objects.get(checkpoint=latest, witness_name=key.name)
    assert witnesses.due_pushes() == []
    settings.RECALL_LEDGER_WITNESS_REFRESH_SECONDS = 60
    with time_machine.travel(time.time() + 120, tick=False):  # an hour later, say: the cosignature is stale
        assert witnesses.due_pushes() == [(latest.pk, key.name)]
        tasks.push_ledger_witnesses()
    refreshed = LedgerCosignature.objects.get(checkpoint=latest, witness_name=key.name)
    assert refreshed.timestamp == first.timestamp and refreshed.latest_line  # the first kept, the latest added
