"""The standalone witness against the fake service: it cosigns an append-only log and refuses any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recall.ledger import entries, note
from recall.ledger.entries import Decided, Received

from .fakeserver import API_KEY, PETITION, FakeService, build_service, receipt, serving
from .test_verify_ledger import load_tool, verify_ledger

witness_tool = load_tool(Path(__file__).resolve().parents[2] / "tools" / "witness.py", "tools_witness")


@pytest.fixture
def service():
    return build_service()


@pytest.fixture
def key_path(tmp_path, service):
    """A witness key made with --generate-key, registered with the service (as the admin would)."""
    path = tmp_path / "witness.key"
    assert witness_tool.main(["--generate-key", "witness.test/w1", "--key", str(path)]) == 0
    service.witnesses[API_KEY] = note.Signer.from_skey(path.read_text()).verifier
    return path


def run_witness(service, key_path, state_path, monkeypatch, *extra):
    monkeypatch.setenv("RECALL_API_KEY", API_KEY)
    with serving(service) as base:
        return witness_tool.main([base, "--key", str(key_path), "--state", str(state_path), "--once", *extra])


def fork(service: FakeService, events: list[entries.Event]) -> FakeService:
    """The same log key and witnesses, another history."""
    other = FakeService(log=service.log, witnesses=service.witnesses)
    other.append(*events)
    other.sign()
    return other


def flipped(service: FakeService, index: int) -> list[entries.Event]:
    events = list(service.events)
    decided = next(i for i in range(index, len(events)) if isinstance(events[i], Decided))
    events[decided] = Decided(events[decided].commitment, not events[decided].counted)
    return events


def test_generate_key(tmp_path, capsys):
    path = tmp_path / "w.key"
    assert witness_tool.main(["--generate-key", "witness.test/w1", "--key", str(path)]) == 0
    vkey = capsys.readouterr().out.splitlines()[-1]
    signer = note.Signer.from_skey(path.read_text())
    assert signer.alg == note.ALG_COSIGNATURE_V1 and signer.vkey == vkey
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):  # a key is never overwritten
        witness_tool.main(["--generate-key", "witness.test/w1", "--key", str(path)])
    assert witness_tool.main(["--generate-key", "witness.test/w2"]) == 0
    skey, vkey = capsys.readouterr().out.splitlines()
    assert note.Signer.from_skey(skey).vkey == vkey


def test_it_cosigns_and_follows_an_append_only_log(service, key_path, tmp_path, monkeypatch, capsys):
    state = tmp_path / "state.json"
    assert run_witness(service, key_path, state, monkeypatch) == 0
    latest = service.checkpoints[-1]
    assert [p["size"] for p in service.posted] == [latest["size"]]
    cosignature = latest["cosignatures"][0]
    body = note.parse_note(latest["checkpoint"]).text
    assert note.verify_cosignature(body, cosignature["signature"], service.witnesses[API_KEY]) > 1_700_000_000
    memory = json.loads(state.read_text())
    assert memory["log_vkey"] == service.log.vkey
    assert memory["logs"][service.origin] == {
        "petition": PETITION,
        "size": latest["size"],
        "root_hash": latest["root_hash"],
        "cosigned": latest["size"],
    }
    assert "cosigned recall.test/petitions/7" in capsys.readouterr().out

    # Nothing new: nothing posted again.
    assert run_witness(service, key_path, state, monkeypatch) == 0
    assert len(service.posted) == 1

    # The log grows: the witness checks the consistency proof and cosigns the new checkpoint.
    c = entries.receipt_commitment(PETITION, receipt(500))
    service.append(Received(c, "web", "2026-11-22"), Decided(c, True))
    service.sign()
    assert run_witness(service, key_path, state, monkeypatch) == 0
    assert [p["size"] for p in service.posted] == [latest["size"], latest["size"] + 2]

    # And the verifier counts the witness on the latest checkpoint.
    with serving(service) as base:
        assert verify_ledger.main([base, str(PETITION), "--witness", service.witnesses[API_KEY].vkey]) == 0
    assert "cosigned by 1 witness(es) ['witness.test/w1']" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        pytest.param(
            lambda s: flipped(s, 10) + [Received("ab" * 32, "web", "2026-11-23")],
            "is not an extension of size",
            id="rewritten-and-grown",
        ),
        pytest.param(lambda s: flipped(s, 10), "two roots for size", id="two-roots-one-size"),
        pytest.param(lambda s: list(s.events[:-3]), "the log shrank from", id="shrunk"),
    ],
)
def test_it_refuses_a_log_that_is_not_append_only(service, key_path, tmp_path, monkeypatch, capsys, history, reason):
    state = tmp_path / "state.json"
    assert run_witness(service, key_path, state, monkeypatch) == 0
    capsys.readouterr()
    other = fork(service, history(service))
    assert run_witness(other, key_path, state, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "!!! INCONSISTENT LOG, NOT COSIGNED: petition 7 (recall.test/petitions/7)" in err and reason in err
    assert not other.posted
    assert json.loads(state.read_text())["logs"][service.origin]["refused"]
    # It remembers: even the honest log is not cosigned again until the operator looks into it.
    assert run_witness(service, key_path, state, monkeypatch) == 1
    assert "refused earlier" in capsys.readouterr().err and len(service.posted) == 1


def test_it_refuses_a_changed_log_key(service, key_path, tmp_path, monkeypatch, capsys):
    state = tmp_path / "state.json"
    assert run_witness(service, key_path, state, monkeypatch) == 0
    other = FakeService(witnesses=service.witnesses)  # a new log key
    other.append(*service.events)
    other.sign()
    assert run_witness(other, key_path, state, monkeypatch) == 1
    assert "the service now publishes log key" in capsys.readouterr().err
    assert not other.posted


def test_a_pinned_log_key(service, key_path, tmp_path, monkeypatch, capsys):
    stranger = note.Signer.generate(service.log.name).vkey
    assert run_witness(service, key_path, tmp_path / "s.json", monkeypatch, "--log-vkey", stranger) == 1
    assert run_witness(service, key_path, tmp_path / "t.json", monkeypatch, "--log-vkey", service.log.vkey) == 0


def test_a_checkpoint_signed_by_another_key_is_not_cosigned(service, key_path, tmp_path, monkeypatch, capsys):
    latest = service.checkpoints[-1]
    impostor = note.Signer.generate(service.log.name)
    latest["checkpoint"] = note.sign_note(note.parse_note(latest["checkpoint"]).text, impostor)
    assert run_witness(service, key_path, tmp_path / "state.json", monkeypatch) == 1
    assert "not signed by the log's key" in capsys.readouterr().err
    assert not service.posted


def test_an_unregistered_witness_is_told_so(service, key_path, tmp_path, monkeypatch, capsys):
    service.witnesses.clear()
    assert run_witness(service, key_path, tmp_path / "state.json", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "cosignature not accepted" in err and "answered 403" in err


def test_it_needs_an_api_key(key_path, tmp_path, monkeypatch):
    monkeypatch.delenv("RECALL_API_KEY", raising=False)
    assert witness_tool.main(["http://127.0.0.1:9", "--key", str(key_path), "--state", str(tmp_path / "s")]) == 2
