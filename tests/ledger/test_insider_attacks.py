"""The insider with the database and the log's key, against a verifier with memory and pinned
witnesses: each attack fails the verifier with the right message, and an equivocation leaves
evidence that a third party checks with the log's public key alone."""

from __future__ import annotations

import json

import pytest

from recall.ledger import entries, note, sampling_draw
from recall.ledger.entries import Decided, SampleDrawn, SeedCommitted, SeedRevealed, StateChanged

from .fakeserver import (
    PETITION,
    POLICY,
    QUICKNET_HASH,
    REVEALS,
    ROUND,
    ROUND_SIGNATURE,
    ROUND_TIME,
    FakeService,
    build_service,
    serving,
)
from .test_verify_ledger import verify_ledger

EQUIVOCATION = 3


@pytest.fixture
def witnesses():
    return [note.Signer.generate(f"witness.test/w{i}", note.ALG_COSIGNATURE_V1) for i in (1, 2)]


@pytest.fixture
def honest(witnesses):
    service = build_service()
    for witness in witnesses:
        service.cosign_all(witness)
    return service


def pins(witnesses) -> list[str]:
    return [arg for w in witnesses for arg in ("--witness", f"{w.name}={w.vkey}")]


def verify(service, capsys, *extra):
    with serving(service) as base:
        status = verify_ledger.main([base, str(PETITION), *extra])
    return status, capsys.readouterr().out


def replay(service: FakeService, events: list[entries.Event], *, sizes=None, cosigners=()) -> FakeService:
    """The insider's other history: same log key, ``events``, checkpoints re-signed at ``sizes``."""
    other = FakeService(log=service.log)
    sizes = sizes or [c["size"] for c in service.checkpoints]
    for event in events:
        other.append(event)
        if len(other.entries) in sizes:
            other.sign()
    if not other.checkpoints or other.checkpoints[-1]["size"] != len(other.entries):
        other.sign()
    for witness in cosigners:
        other.cosign_all(witness)
    return other


def flip_first_decision(events: list[entries.Event]) -> list[entries.Event]:
    events = list(events)
    at = next(i for i, e in enumerate(events) if isinstance(e, Decided) and not e.counted)
    events[at] = Decided(events[at].commitment, True)
    return events


def first_run(honest, witnesses, capsys, state):
    status, out = verify(honest, capsys, "--state", str(state), *pins(witnesses))
    assert status == 0, out
    assert "checkpoint(s) kept in" in out
    return out


# --- rewriting history ---------------------------------------------------------------------------


def test_a_second_run_of_an_untouched_log_passes_and_remembers(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path)
    status, out = verify(honest, capsys, "--state", str(tmp_path), *pins(witnesses))
    assert status == 0, out
    assert "consistent with the 10 checkpoint(s) in your memory" in out and "0 new checkpoint(s)" in out


def test_a_consistent_rewrite_is_an_equivocation_with_evidence(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path / "state")
    # A decision flipped, the tree rebuilt, every checkpoint re-signed with the log's key.
    forged = replay(honest, flip_first_decision(honest.events), cosigners=witnesses)
    evidence = tmp_path / "evidence.json"
    status, out = verify(forged, capsys, "--state", str(tmp_path / "state"), "--evidence", str(evidence))
    assert status == EQUIVOCATION, out
    assert "EQUIVOCATION  the log signed two roots for size" in out
    assert out.count("--- signed note") == 2
    assert json.loads(evidence.read_text())["kind"] == "two-roots"
    assert list((tmp_path / "state").glob("evidence-*.json"))
    # A third party with the log's public key alone is convinced.
    assert verify_ledger.main(["--check-evidence", str(evidence), "--vkey", honest.log.vkey]) == EQUIVOCATION
    assert "PROVEN  the log recall.test/petitions/7 signed two different trees of size" in capsys.readouterr().out


def test_a_rewrite_re_signed_at_new_sizes_is_proven_by_a_consistency_proof(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path / "state")
    # The forger avoids every size the verifier holds: only the latest is signed, one larger.
    events = flip_first_decision(honest.events) + [StateChanged("verifying", "verifying", "2026-11-22T00:00Z")]
    forged = replay(honest, events, sizes=[len(events)])
    evidence = tmp_path / "evidence.json"
    status, out = verify(forged, capsys, "--state", str(tmp_path / "state"), "--evidence", str(evidence))
    assert status == EQUIVOCATION, out
    assert "does not extend the checkpoint of size" in out
    data = json.loads(evidence.read_text())
    assert data["kind"] == "rewritten-prefix" and data["consistency_proof"]
    assert verify_ledger.main(["--check-evidence", str(evidence), "--vkey", honest.log.vkey]) == EQUIVOCATION
    assert "PROVEN" in capsys.readouterr().out
    # Evidence tampered with (the prefix root put back) no longer proves anything.
    data["prefix_root"] = verify_ledger.b64(verify_ledger.parse_checkpoint(data["notes"][0].split("\n\n")[0] + "\n")[2])
    evidence.write_text(json.dumps(data))
    assert verify_ledger.main(["--check-evidence", str(evidence), "--vkey", honest.log.vkey]) == 1


def test_truncation_is_an_equivocation(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path / "state")
    cut = honest.checkpoints[-2]["size"] - 2
    truncated = replay(honest, honest.events[:cut], sizes=[c["size"] for c in honest.checkpoints if c["size"] < cut])
    evidence = tmp_path / "e.json"
    status, out = verify(truncated, capsys, "--state", str(tmp_path / "state"), "--evidence", str(evidence))
    assert status == EQUIVOCATION, out
    assert f"the log shrank: you saw a checkpoint of size {honest.checkpoints[-1]['size']}, it now serves {cut}" in out
    assert verify_ledger.main(["--check-evidence", str(evidence), "--vkey", honest.log.vkey]) == 4
    assert "a log that removed signed entries cannot give one" in capsys.readouterr().out


def test_a_middle_deletion_re_signed_is_an_equivocation(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path / "state")
    events = list(honest.events)
    at = next(i for i, e in enumerate(events) if isinstance(e, Decided) and not e.counted)
    del events[at]  # a decision gone, everything after moved down, all re-signed
    forged = replay(honest, events, sizes=[c["size"] - 1 for c in honest.checkpoints if c["size"] > at])
    status, out = verify(forged, capsys, "--state", str(tmp_path / "state"))
    assert status == EQUIVOCATION, out
    assert "EQUIVOCATION" in out


def test_a_different_log_key_is_refused_after_the_first_run(honest, witnesses, capsys, tmp_path):
    first_run(honest, witnesses, capsys, tmp_path / "state")
    other = replay(FakeService(), honest.events)  # a new key signs the same entries
    status, out = verify(other, capsys, "--state", str(tmp_path / "state"))
    assert status == 1 and "not recall.test/ledger+" in out and "that it used on your earlier runs" in out


def test_forged_evidence_is_refused(honest, capsys, tmp_path):
    a, b = honest.checkpoints[1]["checkpoint"], honest.checkpoints[2]["checkpoint"]
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"format": "recall-ledger-evidence/v1", "kind": "two-roots", "notes": [a, b]}))
    assert verify_ledger.main(["--check-evidence", str(path), "--vkey", honest.log.vkey]) == 1
    impostor = note.Signer.generate(honest.log.name)
    body = note.parse_note(b).text.replace("\n", "\n", 1)
    forged = note.sign_note(
        body.split("\n")[0] + f"\n{honest.checkpoints[1]['size']}\n" + body.split("\n")[2] + "\n", impostor
    )
    path.write_text(json.dumps({"format": "recall-ledger-evidence/v1", "kind": "two-roots", "notes": [a, forged]}))
    assert verify_ledger.main(["--check-evidence", str(path), "--vkey", honest.log.vkey]) == 1
    assert "not signed by the log's key" in capsys.readouterr().out


# --- split views and witnesses ---------------------------------------------------------------------


def test_a_split_view_fails_with_pinned_witnesses(honest, witnesses, capsys):
    # The witnesses cosigned the honest log; the public is served a rewritten one.
    forged = replay(honest, flip_first_decision(honest.events))
    status, out = verify(forged, capsys, *pins(witnesses))
    assert status == 1, out
    assert "FAIL  the latest checkpoint (size" in out and "is cosigned by 0 of the witnesses you pinned" in out


def test_honest_cosignatures_copied_onto_a_fork_do_not_verify(honest, witnesses, capsys):
    forged = replay(honest, flip_first_decision(honest.events))
    for mine, theirs in zip(forged.checkpoints, honest.checkpoints, strict=True):
        mine["cosignatures"] = theirs["cosignatures"]
    status, out = verify(forged, capsys, *pins(witnesses))
    assert status == 1 and "FAIL  the cosignature of witness witness.test/w1 does not verify" in out


def test_an_insider_witness_does_not_count(honest, witnesses, capsys):
    # The forked database registers a "witness" of the insider's own, which cosigns the fork.
    insider = note.Signer.generate("witness.test/w1", note.ALG_COSIGNATURE_V1)  # even under a real one's name
    forged = replay(honest, flip_first_decision(honest.events), cosigners=[insider])
    status, out = verify(forged, capsys, *pins(witnesses))
    assert status == 1
    assert "FAIL  the service publishes another key for witness witness.test/w1 than the one you pinned" in out
    stranger = note.Signer.generate("witness.test/insider", note.ALG_COSIGNATURE_V1)
    forged = replay(honest, flip_first_decision(honest.events), cosigners=[stranger])
    status, out = verify(forged, capsys, *pins(witnesses))
    assert status == 1 and "not pin are not counted: ['witness.test/insider']" in out
    assert "cosigned by 0 of the witnesses you pinned" in out


def test_k_of_the_pinned_witnesses_suffice(honest, witnesses, capsys):
    third = note.Signer.generate("witness.test/w3", note.ALG_COSIGNATURE_V1)  # pinned, never cosigned
    status, out = verify(honest, capsys, *pins([*witnesses, third]))
    assert status == 1 and "cosigned by 2 of the witnesses you pinned" in out and "3 required" in out
    status, out = verify(honest, capsys, *pins([*witnesses, third]), "--require-cosignatures", "2")
    assert status == 0, out


def test_max_age_fails_a_stale_checkpoint(honest, witnesses, capsys):
    status, out = verify(honest, capsys, *pins(witnesses), "--max-age", "2h")
    assert status == 1 and "the latest checkpoint is stale: its newest cosignature by a pinned witness is" in out
    import time

    latest = honest.checkpoints[-1]
    for witness in witnesses:
        honest.cosign(latest, witness, int(time.time()) - 60)  # the service's hourly refresh
    status, out = verify(honest, capsys, *pins(witnesses), "--max-age", "2h")
    assert status == 0, out
    assert "the latest checkpoint is fresh" in out


# --- the sample -------------------------------------------------------------------------------------


def resample(honest, witnesses, change) -> FakeService:
    """The honest log up to the sample, then ``change(events)`` of the rest, cosigned before the round."""
    events = list(honest.events)
    at = next(i for i, e in enumerate(events) if isinstance(e, SampleDrawn))
    return replay(honest, change(events[:at], events[at]), cosigners=witnesses)


def test_sample_parameters_off_policy_fail(honest, witnesses, capsys):
    def change(before, sample):
        population = entries.population(before, sample.population_tree_size)
        size = sampling_draw.sample_size(len(population), "0.50", 5)
        return [
            *before,
            SampleDrawn(sample.population_tree_size, len(population), size, "0.50", 5, sample.seed, sample.procedure),
        ]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1
    assert (
        "FAIL  the sample uses 0.50% / minimum 5, but the policy recorded at registration says 25.00% / minimum 6"
        in out
    )


def test_a_population_cut_elsewhere_fails(honest, witnesses, capsys):
    def change(before, sample):
        cut = sample.population_tree_size - 3  # before the last withdrawals and the submission
        population = entries.population(before, cut)
        size = sampling_draw.sample_size(len(population), POLICY.percent, POLICY.minimum)
        return [
            *before,
            SampleDrawn(cut, len(population), size, POLICY.percent, POLICY.minimum, sample.seed, sample.procedure),
        ]

    forged = resample(honest, witnesses, change)
    # the forger even signs a checkpoint at the cut, so the old rule (a signed size) is met
    status, out = verify(forged, capsys, *pins(witnesses))
    assert status == 1 and "FAIL  the sample's population is cut at" in out and "was submitted at entry" in out


def test_a_seed_chosen_before_the_commitments_were_public_fails(honest, witnesses, capsys):
    # The commission picks a reveal after seeing the round, and puts a party in the seed whose
    # commitment was never in the ledger before the round was fixed.
    def change(before, sample):
        chosen = b"\x42" * 32
        revealed = [*REVEALS.items(), ("commission2", chosen)]
        procedure = sampling_draw.beacon_procedure(QUICKNET_HASH, ROUND, ROUND_SIGNATURE, revealed, [])
        seed = sampling_draw.seed_from_procedure(procedure)
        return [*before, SampleDrawn(*_numbers(sample), seed.hex(), procedure)]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1 and "['commission2'] never published a commitment" in out


def test_a_commitment_after_the_beacon_entry_fails(honest, witnesses, capsys):
    def change(before, sample):
        late = sampling_draw.party_commitment("late party", b"\x01" * 32)
        return [*before, SeedCommitted("late party", late), sample]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1 and "the commitment of 'late party' is outside the commitment phase" in out


def test_a_reveal_made_after_the_round_existed_does_not_count(honest, witnesses, capsys):
    # The witnesses saw the commission's reveal only after the round's time: it knew the outcome.
    events = list(honest.events)
    reveal_at = next(i for i, e in enumerate(events) if isinstance(e, SeedRevealed) and e.party == "commission")
    late = replay(honest, events)
    for checkpoint in late.checkpoints:
        for witness in witnesses:
            late.cosign(checkpoint, witness, ROUND_TIME - 60 if checkpoint["size"] <= reveal_at else ROUND_TIME + 60)
    status, out = verify(late, capsys, *pins(witnesses))
    assert status == 1 and "the reveal of 'commission' (entry" in out and "is counted, but nothing shows" in out


def test_a_timely_reveal_left_out_fails(honest, witnesses, capsys):
    def change(before, sample):
        procedure = sampling_draw.beacon_procedure(
            QUICKNET_HASH,
            ROUND,
            ROUND_SIGNATURE,
            [("commission", REVEALS["commission"])],
            [("initiative group", sampling_draw.party_commitment("initiative group", REVEALS["initiative group"]))],
        )
        seed = sampling_draw.seed_from_procedure(procedure)
        return [*before, SampleDrawn(*_numbers(sample), seed.hex(), procedure)]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1 and "the reveal of 'initiative group'" in out and "left out of the seed" in out


def test_a_beacon_round_that_does_not_verify_fails(honest, witnesses, capsys):
    def change(before, sample):
        procedure = {**sample.procedure, "signature": ROUND_SIGNATURE[:-1].hex() + "00"}
        seed = sampling_draw.seed_from_procedure(procedure)
        return [*before, SampleDrawn(*_numbers(sample), seed.hex(), procedure)]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1
    assert (
        "FAIL  the beacon round's signature or key is malformed" in out or "FAIL  the signature of beacon round" in out
    )


def test_a_dice_seed_typed_by_an_official_is_refused(honest, witnesses, capsys):
    def change(before, sample):
        procedure = {"kind": "dice", "digits": "31415926535897932384"}
        seed = sampling_draw.seed_from_procedure(procedure)
        return [*before, SampleDrawn(*_numbers(sample), seed.hex(), procedure)]

    status, out = verify(resample(honest, witnesses, change), capsys, *pins(witnesses))
    assert status == 1 and "from a 'dice' procedure, which the commission could steer" in out


def _numbers(sample: SampleDrawn) -> tuple:
    return sample.population_tree_size, sample.population, sample.size, sample.percent, sample.minimum


# --- small groups and the certified summary ---------------------------------------------------------


def test_an_entry_that_singles_out_a_small_group_fails(honest, witnesses, capsys):
    events = list(honest.events)
    at = next(i for i, e in enumerate(events) if isinstance(e, entries.Received) and e.channel == entries.WITHHELD)
    events[at] = entries.Received(events[at].commitment, "eds", "2026-11-02")
    status, out = verify(replay(honest, events, cosigners=witnesses), capsys, *pins(witnesses))
    assert status == 1 and f"entry {at} shows channel eds and day 2026-11-02 with" in out


def summary_file(tmp_path, honest, **changes):
    size = honest.checkpoints[-1]["size"]
    counts = entries.tally(honest.events[:size])
    figures = {
        "origin": honest.origin,
        "size": size,
        "root_hash": honest.checkpoints[-1]["root_hash"],
        "counts": {
            "received": counts.received,
            "valid": counts.counted,
            "invalid": counts.not_counted,
            "withdrawn": counts.withdrawn,
            "awaiting": counts.awaiting,
        },
        "sample": None,
        **changes,
    }
    path = tmp_path / "summary.pdf"
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"))
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Subject (recall-summary/v1 " + text.encode() + b") >> endobj\n%%EOF\n")
    return path, figures


def test_a_summary_whose_counts_are_the_ledgers_passes_and_one_that_differs_fails(honest, witnesses, capsys, tmp_path):
    path, figures = summary_file(tmp_path, honest)
    status, out = verify(honest, capsys, *pins(witnesses), "--summary", str(path))
    assert status == 0, out
    assert "the certified summary's counts are the ledger's at its checkpoint" in out
    counts = {**figures["counts"], "valid": figures["counts"]["valid"] - 1, "invalid": figures["counts"]["invalid"] + 1}
    path, _ = summary_file(tmp_path, honest, counts=counts)
    status, out = verify(honest, capsys, *pins(witnesses), "--summary", str(path))
    assert status == 1 and "FAIL  the summary certifies {'received'" in out and "but the ledger's first" in out
