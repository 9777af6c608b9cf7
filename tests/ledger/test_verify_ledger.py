"""The independent verifier against a fake service: it passes an honest ledger and fails each tampering."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from recall.ledger import entries, note, sampling_draw, tlog
from recall.ledger.entries import Decided, Received

from .fakeserver import PETITION, build_service, receipt, serving

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


def load_tool(path: Path, name: str):
    """Import a standalone tool by its path (dataclasses need it registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


verify_ledger = load_tool(TOOL, "tools_verify_ledger")


@pytest.fixture
def service():
    service = build_service()
    service.cosign_all(note.Signer.generate("witness.test/w1", note.ALG_COSIGNATURE_V1))
    return service


def run(service, capsys, *extra):
    with serving(service) as base:
        status = verify_ledger.main([base, str(PETITION), *extra])
    return status, capsys.readouterr().out


def test_an_honest_ledger_passes(service, capsys):
    status, out = run(service, capsys)
    assert status == 0, out
    assert f"checkpoints of recall.test/petitions/{PETITION} signed by the log" in out
    assert "cosignatures by witnesses you did not pin are not counted: ['witness.test/w1']" in out
    assert "the root recomputed from the entries matches every checkpoint" in out
    assert "consistency proof from size 2 to" in out
    assert "counts over the first" in out and "+2 queued" in out
    assert "state 'verifying' is the ledger's last state change (registered -> collecting -> submitted" in out
    assert "sample (entry" in out and "projection from the findings: " in out
    assert "beacon round 123 of drand quicknet verifies" in out
    assert out.rstrip().endswith("every check passed")


def test_a_receipt_is_found_and_proved(service, capsys):
    status, out = run(service, capsys, "--receipt", receipt(6)[:4] + "-" + receipt(6)[4:8] + "-" + receipt(6)[8:])
    assert status == 0, out
    assert "received (withheld, signed in week 2026-W45)" in out
    assert "decided: counted" in out
    assert out.count("inclusion proof verified") == 2


def test_a_receipt_with_one_verified_entry_is_found_and_proved(service, capsys):
    status, out = run(service, capsys, "--receipt", receipt(1))
    assert status == 0, out
    assert "received (withheld, signed in week 2026-W45) and decided: counted" in out
    mine = entries.receipt_commitment(service.petition, receipt(1))
    assert [type(e) for e in service.events if getattr(e, "commitment", None) == mine][0] is entries.Verified
    assert out.count("inclusion proof verified") == sum(getattr(e, "commitment", None) == mine for e in service.events)


def test_an_unknown_receipt_fails(service, capsys):
    status, out = run(service, capsys, "--receipt", "ZZZZ-ZZZZ-ZZZZ")
    assert status == 1 and "FAIL  no entry carries this receipt's commitment" in out


@pytest.mark.parametrize(
    "kind, before, after",
    [(b'"decided"', b'"counted":false', b'"counted":true'), (b'"verified"', b'"counted":true', b'"counted":false')],
    ids=["decided", "verified"],
)
def test_an_altered_entry_fails(service, capsys, kind, before, after):
    # Someone changes a decision in the database: the entry no longer hashes to the signed roots.
    served = list(enumerate(service.entries))
    index, original = next((i, e) for i, e in served if before in e and kind in e)
    served[index] = (index, original.replace(before, after))
    service.served_entries = served
    status, out = run(service, capsys)
    assert status == 1
    assert "FAIL  the entries do not give the signed root at size" in out


def test_a_removed_entry_fails_whether_it_leaves_a_gap_or_not(service, capsys):
    served = list(enumerate(service.entries))
    service.served_entries = served[:5] + served[6:]  # a gap at 5
    status, out = run(service, capsys)
    assert status == 1 and "FAIL  the entries jump from index 4 to 6: entry 5 is missing" in out

    service.served_entries = [(i, e) for i, (_, e) in enumerate(served[:5] + served[6:])]  # renumbered
    status, out = run(service, capsys)
    assert status == 1 and "FAIL  " in out
    assert "do not give the signed root" in out or "serves" in out


def test_a_checkpoint_signed_by_another_key_fails(service, capsys):
    impostor = note.Signer.generate(service.log.name)  # same name, another key
    checkpoint = service.checkpoints[2]
    checkpoint["checkpoint"] = note.sign_note(note.parse_note(checkpoint["checkpoint"]).text, impostor)
    status, out = run(service, capsys)
    assert status == 1 and "FAIL  this checkpoint is not signed by the log's key" in out


def test_a_public_count_that_disagrees_fails(service, capsys):
    detail = service.detail()
    detail["counts"]["valid"] += 1
    service.detail_override = {"counts": detail["counts"]}
    status, out = run(service, capsys)
    assert status == 1
    assert "FAIL  the petition publishes valid = " in out and "entries of its ledger give" in out


def test_a_public_state_that_disagrees_fails(service, capsys):
    service.detail_override = {"state": "sufficient"}
    status, out = run(service, capsys)
    assert (
        status == 1
        and "FAIL  the petition is 'sufficient', but its ledger's last state change is to 'verifying'" in out
    )


def test_a_published_projection_that_disagrees_fails(service, capsys):
    projection = service.projection()
    projection["projected_valid"] = str(sampling_draw.projection(raw=30, sample=6, valid=5, duplicates=0))
    service.detail_override = {"projection": projection}
    status, out = run(service, capsys)
    assert status == 1 and "FAIL  the petition publishes {'raw_signatures'" in out


def test_a_finding_outside_the_sample_fails(service, capsys):
    sampled = {e.commitment for e in service.events if isinstance(e, entries.SampleFinding)}
    outsider = next(e.commitment for e in service.events if isinstance(e, Received) and e.commitment not in sampled)
    service.append(entries.SampleFinding(outsider, True))
    service.sign()
    status, out = run(service, capsys)
    assert status == 1 and "is a finding on a signature that the draw did not select" in out


def test_a_pinned_log_key_must_match(service, capsys):
    status, out = run(service, capsys, "--vkey", note.Signer.generate(service.log.name).vkey)
    assert status == 1 and "not the one you pinned" in out
    status, out = run(service, capsys, "--vkey", service.log.vkey)
    assert status == 0 and "(pinned)" in out


def test_a_bad_cosignature_fails(service, capsys):
    item = service.checkpoints[-1]["cosignatures"][0]
    item["signature"] = note.cosign(
        note.Checkpoint(service.origin, 1, tlog.EMPTY_ROOT).body(), note.Signer.generate("x", 4), 1
    ).replace(" x ", f" {item['witness']} ")
    status, out = run(service, capsys)
    assert status == 1 and "FAIL  the cosignature of witness.test/w1 is not by its published key" in out


def test_entries_not_yet_checkpointed_are_counted_and_reported(service, capsys):
    c = entries.receipt_commitment(PETITION, receipt(999))
    service.append(Received(c, "withheld", "2026-W47"), Decided(c, True))
    status, out = run(service, capsys)
    assert status == 0, out
    assert "wait for the next checkpoint (counted, not yet signed)" in out


def test_it_runs_standalone_without_the_service_code(service, tmp_path):
    # -I: no PYTHONPATH, no user site; run from elsewhere so `recall` cannot be imported.
    copy = tmp_path / "verify_ledger.py"
    copy.write_text(TOOL.read_text())
    with serving(service) as base:
        done = subprocess.run(
            [sys.executable, "-I", str(copy), base, str(PETITION)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every check passed" in done.stdout
    assert "from recall" not in TOOL.read_text() and "import recall" not in TOOL.read_text()


def test_a_wrong_receipt_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        verify_ledger.main(["http://127.0.0.1:9", "7", "--receipt", "short"])
    assert exit_.value.code == 2


# --- the verifier implements the service's specifications identically -------------------------
def test_same_draw_seed_and_projection():
    for k in range(30):
        seed = entries.hashlib.sha256(bytes([k])).digest()
        population = 1 + k * 37
        size = min(population, k + 1)
        assert verify_ledger.draw(seed, population, size) == sampling_draw.draw(seed, population, size)
    dice = {"kind": "dice", "digits": "1234567890" * 3}
    cr = sampling_draw.commit_reveal_procedure([("commission", b"\x07" * 32), ("initiative group", b"\x09" * 32)])
    beacon = sampling_draw.beacon_procedure(
        "ab" * 32, 9, b"\x05" * 48, [("commission", b"\x07" * 32)], [("initiative group", "cd" * 32)]
    )
    for procedure in (dice, cr, beacon):
        assert verify_ledger.seed_from_procedure(procedure) == sampling_draw.seed_from_procedure(procedure)
    assert verify_ledger.projection(24034, 722, 516, 2) == sampling_draw.projection(
        raw=24034, sample=722, valid=516, duplicates=2
    )
    assert verify_ledger.sample_size(24034, "3.00", 500) == sampling_draw.sample_size(24034, "3.00", 500)
    assert verify_ledger.receipt_commitment(7, "7kq2-m9xd-3fra") == entries.receipt_commitment(7, "7KQ2M9XD3FRA")


def test_same_entry_decoding(service):
    for data in service.entries:
        assert verify_ledger.decode_entry(data) == json.loads(data)
    for data in service.entries:
        for bad in (data.replace(b'"v":1', b'"v":2'), data[:-1] + b',"x":1}', data.replace(b":", b": ", 1)):
            with pytest.raises(ValueError):
                verify_ledger.decode_entry(bad)
            with pytest.raises(entries.EntryError):
                entries.decode(bad)


def test_same_merkle_verification():
    store = tlog.MemoryStore()
    leaves = [f"leaf {i}".encode() for i in range(33)]
    store.append([tlog.leaf_hash(e) for e in leaves])
    for n in (1, 2, 7, 32, 33):
        root = store.root(n)
        builder = verify_ledger.RootBuilder()
        for e in leaves[:n]:
            builder.append(verify_ledger.leaf_hash(e))
        assert builder.root() == root
        for m in range(n):
            proof = tlog.inclusion_proof(m, n, store.read)
            assert verify_ledger.verify_inclusion(tlog.leaf_hash(leaves[m]), m, n, proof, root)
        for m in range(1, n):
            proof = tlog.consistency_proof(m, n, store.read)
            assert verify_ledger.verify_consistency(m, n, proof, store.root(m), root)
            assert not verify_ledger.verify_consistency(m, n, proof, store.root(m), store.root(m))
