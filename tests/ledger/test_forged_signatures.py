"""Signature lines that name the right key (its name and key ID) over wrong signature bytes.
C2SP signed-note: "If the key name and ID match a known key, verifiers MUST verify the
signature." The independent verifier and the witness must check the bytes themselves, not only
whose key a line names: a line naming another key is ignored, but this one must fail."""

from __future__ import annotations

import base64

import pytest

from recall.ledger import note

from .fakeserver import PETITION, build_service, serving
from .test_verify_ledger import verify_ledger
from .test_witness import witness_tool


def forged(line: str) -> str:
    """The signature line with the last bit of its signature flipped: same name, same key ID."""
    end = "\n" if line.endswith("\n") else ""
    dash, name, data = line.removesuffix("\n").split(" ")
    raw = bytearray(base64.b64decode(data))
    raw[-1] ^= 1
    return f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}{end}"


def forged_note(signed: str) -> str:
    """The note with its (only) signature line forged."""
    text, _, lines = signed.rpartition("\n\n")
    return f"{text}\n\n{forged(lines)}"


@pytest.fixture
def service():
    service = build_service()
    service.cosign_all(note.Signer.generate("witness.test/w1", note.ALG_COSIGNATURE_V1))
    return service


def verify(service, capsys) -> tuple[int, str]:
    with serving(service) as base:
        status = verify_ledger.main([base, str(PETITION)])
    return status, capsys.readouterr().out


def test_the_forgery_keeps_the_name_and_key_id(service):
    line = service.checkpoints[-1]["checkpoint"].rpartition("\n\n")[2]
    original, forgery = note.parse_signature_line(line), note.parse_signature_line(forged(line))
    assert (forgery.name, forgery.key_id) == (original.name, original.key_id)
    assert forgery.signature != original.signature


def test_the_verifier_checks_the_bytes_of_the_logs_signature(service, capsys):
    assert verify(service, capsys)[0] == 0
    checkpoint = service.checkpoints[-1]
    checkpoint["checkpoint"] = forged_note(checkpoint["checkpoint"])
    status, out = verify(service, capsys)
    assert status == 1, out
    failure = next(line for line in out.splitlines() if line.startswith("FAIL"))
    assert "signature" in failure and "does not verify" in failure


def test_the_verifier_checks_the_bytes_of_a_witness_cosignature(service, capsys):
    cosignature = service.checkpoints[-1]["cosignatures"][0]
    cosignature["signature"] = forged(cosignature["signature"])
    status, out = verify(service, capsys)
    assert status == 1, out
    failure = next(line for line in out.splitlines() if line.startswith("FAIL"))
    assert "cosignature of witness witness.test/w1" in failure and "does not verify" in failure


def test_the_witness_refuses_a_checkpoint_whose_log_signature_bytes_are_wrong(tmp_path):
    service = build_service()
    key = witness_tool.WitnessKey("witness.test/w1", bytes(range(32)))
    witness = witness_tool.Witness(key, str(tmp_path), [witness_tool.LogKey.parse(service.log.vkey)])
    checkpoint = service.checkpoints[-1]["checkpoint"]
    honest = f"old 0\n\n{checkpoint}".encode()
    status, _headers, body = witness.add_checkpoint(f"old 0\n\n{forged_note(checkpoint)}".encode())
    assert status == 403, body
    assert witness.latest(service.origin)["note"] is None  # nothing kept from the forged note
    assert witness.add_checkpoint(honest)[0] == 200  # the same checkpoint, honestly signed
