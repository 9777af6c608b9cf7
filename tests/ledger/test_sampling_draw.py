"""The seed procedures, the draw recall-draw/v1 and the projection."""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal

import pytest

from recall.ledger import entries, sampling_draw
from recall.ledger.entries import Received, StateChanged, Withdrawn

SEED = hashlib.sha256(b"test seed").digest()


def test_draw_follows_its_specification_literally():
    """A plain transcription of the docstring's pseudo-code, with a full array."""

    def reference(seed: bytes, population: int, size: int) -> list[int]:
        counter = 0

        def uniform(bound):
            nonlocal counter
            limit = 2**64 - (2**64 % bound)
            while True:
                x = int.from_bytes(
                    hashlib.sha256(b"recall-draw/v1\x00" + seed + counter.to_bytes(8, "big")).digest()[:8], "big"
                )
                counter += 1
                if x < limit:
                    return x % bound

        a = list(range(population))
        for i in range(size):
            j = i + uniform(population - i)
            a[i], a[j] = a[j], a[i]
        return sorted(a[:size])

    for population, size in [(1, 1), (2, 1), (10, 10), (100, 7), (1000, 30), (24034, 722)]:
        assert sampling_draw.draw(SEED, population, size) == reference(SEED, population, size)


def test_draw_is_distinct_sorted_and_deterministic():
    positions = sampling_draw.draw(SEED, 24034, 722)
    assert positions == sorted(set(positions)) and len(positions) == 722
    assert 0 <= positions[0] and positions[-1] < 24034
    assert sampling_draw.draw(SEED, 24034, 722) == positions
    assert sampling_draw.draw(hashlib.sha256(b"other").digest(), 24034, 722) != positions
    assert sampling_draw.draw(SEED, 5, 0) == []
    assert sampling_draw.draw(SEED, 5, 5) == [0, 1, 2, 3, 4]
    for bad in [(SEED, 5, 6), (SEED[:31], 5, 1), (SEED, 5, -1)]:
        with pytest.raises(ValueError):
            sampling_draw.draw(*bad)


def test_draw_is_roughly_uniform():
    hits = Counter()
    for k in range(3000):
        hits.update(sampling_draw.draw(hashlib.sha256(k.to_bytes(4, "big")).digest(), 10, 3))
    # 900 expected per position; 6 standard deviations is about 150.
    assert all(750 < hits[p] < 1050 for p in range(10)), hits


def test_dice_seed():
    digits = "31415926535897932384"
    assert sampling_draw.dice_seed(digits) == hashlib.sha256(b"recall-seed-dice/v1\x00" + digits.encode()).digest()
    for bad in ("3141592653589793238", "3141592653589793238a", "3" * 201):
        with pytest.raises(ValueError):
            sampling_draw.dice_seed(bad)


def test_commit_reveal():
    reveals = {"commission": b"\x01" * 32, "initiative group": b"\x02" * 32, "witness.example/w1": b"\x03" * 32}
    procedure = sampling_draw.commit_reveal_procedure(list(reveals.items())[::-1])
    assert [p["name"] for p in procedure["parties"]] == sorted(reveals)
    party = procedure["parties"][0]
    assert party["commitment"] == hashlib.sha256(b"recall-seed-commit/v1\x00commission\x00" + b"\x01" * 32).hexdigest()
    expected = hashlib.sha256(
        b"recall-seed/v1\x00"
        + b"commission\x00"
        + b"\x01" * 32
        + b"initiative group\x00"
        + b"\x02" * 32
        + b"witness.example/w1\x00"
        + b"\x03" * 32
    ).digest()
    assert sampling_draw.seed_from_procedure(procedure) == expected


def test_commit_reveal_refusals():
    good = sampling_draw.commit_reveal_procedure([("a", b"\x01" * 32), ("b", b"\x02" * 32)])
    cheat = {"kind": "commit-reveal", "parties": [dict(p) for p in good["parties"]]}
    cheat["parties"][1]["reveal"] = "03" * 32  # a reveal changed after seeing the other
    unordered = {"kind": "commit-reveal", "parties": good["parties"][::-1]}
    alone = {"kind": "commit-reveal", "parties": good["parties"][:1]}
    for procedure in (cheat, unordered, alone, {"kind": "commit-reveal"}, {"kind": "dice", "digits": 12345}, []):
        with pytest.raises(ValueError):
            sampling_draw.seed_from_procedure(procedure)


def test_sample_size_matches_the_policy_rule():
    assert sampling_draw.sample_size(24034, "3.00", 500) == 722
    assert sampling_draw.sample_size(1000, "3.00", 500) == 500
    assert sampling_draw.sample_size(300, "3.00", 500) == 300
    assert sampling_draw.sample_size(101, Decimal("1.5"), 1) == 2


def test_projection_californias_worked_example():
    # DOMAIN.md: raw 24,034, sample 722, 516 valid, 2 duplicates -> about 15,028.
    projected = sampling_draw.projection(raw=24034, sample=722, valid=516, duplicates=2)
    assert projected == Decimal("15027.04")  # 17176.65 - 2149.61


def test_population_is_received_minus_withdrawn_before_the_checkpoint():
    c = [entries.receipt_commitment(1, f"{i:012d}") for i in range(5)]
    log = [
        Received(c[0], "web", "2026-11-25"),
        Received(c[1], "web", "2026-11-25"),
        Withdrawn(c[0]),
        StateChanged("collecting", "submitted", "2026-11-30T09:00Z"),
        Received(c[2], "paper", "2026-11-25"),
        Received(c[3], "paper", "2026-11-25"),  # after the population checkpoint
        Withdrawn(c[1]),  # after it too: still in the population
    ]
    assert entries.population(log, 5) == [c[1], c[2]]
    assert entries.population(log, 7) == [c[2], c[3]]
