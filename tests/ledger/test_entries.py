"""The canonical entry encoding, the commitments and the counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from recall.ledger import entries, sampling_draw
from recall.ledger.entries import (
    Decided,
    EntryError,
    Received,
    SampleDrawn,
    SampleFinding,
    StateChanged,
    Verified,
    Withdrawn,
)

C1 = entries.receipt_commitment(7, "7KQ2-M9XD-3FRA")
C2 = entries.receipt_commitment(7, "0000-0000-0001")


def a_sample() -> SampleDrawn:
    procedure = {"kind": "dice", "digits": "31415926535897932384"}
    seed = sampling_draw.seed_from_procedure(procedure).hex()
    return SampleDrawn(120, 100, 5, "3.00", 5, seed, procedure)


EVENTS = [
    Received(C1, "web", "2026-11-25"),
    Verified(C1, "eds", "2026-11-25", True),
    Verified(C1, "paper", "2026-11-25", False),
    Decided(C1, True),
    Decided(C1, False),
    Withdrawn(C1),
    StateChanged("collecting", "threshold_reached", "2026-11-25T10:15Z"),
    a_sample(),
    SampleFinding(C1, False, True),
    SampleFinding(C2, True),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_round_trip(event):
    data = entries.encode(event)
    assert entries.decode(data) == event
    obj = json.loads(data)
    assert obj["v"] == 1
    assert data == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def test_exact_bytes_of_a_received_entry():
    # The specification, spelled out: a third party must produce these very bytes.
    assert entries.encode(Received(C1, "paper", "2026-11-25")) == (
        b'{"channel":"paper","commitment":"' + C1.encode() + b'","day":"2026-11-25","type":"received","v":1}'
    )
    assert entries.encode(Verified(C1, "web", "2026-11-25", False)) == (
        b'{"channel":"web","commitment":"'
        + C1.encode()
        + b'","counted":false,"day":"2026-11-25","type":"verified","v":1}'
    )
    assert entries.encode(StateChanged("collecting", "expired", "2026-12-01T00:00Z")) == (
        b'{"at":"2026-12-01T00:00Z","from":"collecting","to":"expired","type":"state","v":1}'
    )


def test_receipt_commitment_definition():
    expected = hashlib.sha256(b"recall-receipt/v1\x007\x007KQ2M9XD3FRA").hexdigest()
    assert C1 == expected
    # What people type is normalized first.
    assert entries.receipt_commitment(7, "7kq2 m9xd 3fra") == expected
    assert entries.receipt_commitment(7, "0000-0000-000L") == entries.receipt_commitment(7, "000000000001")
    assert entries.receipt_commitment(8, "7KQ2M9XD3FRA") != expected
    for bad in ("7KQ2-M9XD-3FR", "7KQ2-M9XD-3FRU", "7KQ2-M9XD-3FRA-0"):
        with pytest.raises(ValueError):
            entries.receipt_commitment(7, bad)


def test_paper_commitment_reveals_nothing_without_its_secret():
    secret = entries.new_paper_secret()
    commitment = entries.paper_commitment(7, secret)
    assert commitment == hashlib.sha256(b"recall-paper/v1\x007\x00" + secret).hexdigest()
    assert entries.paper_commitment(7, entries.new_paper_secret()) != commitment
    with pytest.raises(ValueError):
        entries.paper_commitment(7, b"short")


def test_state_change_time_is_utc_to_the_minute():
    almaty = dt.timezone(dt.timedelta(hours=5))
    event = StateChanged.at_time("collecting", "expired", dt.datetime(2026, 12, 1, 5, 0, 59, tzinfo=almaty))
    assert event.at == "2026-12-01T00:00Z"
    with pytest.raises(EntryError):
        entries.minute(dt.datetime(2026, 12, 1))


def raw(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


GOOD = {"v": 1, "type": "received", "commitment": C1, "channel": "web", "day": "2026-11-25"}


@pytest.mark.parametrize(
    "data",
    [
        json.dumps(GOOD).encode(),  # whitespace
        json.dumps(GOOD, separators=(",", ":")).encode(),  # keys not sorted
        raw({**GOOD, "v": 2}),
        raw({**GOOD, "v": True}),
        raw({**GOOD, "type": "signed"}),
        raw({**GOOD, "extra": 1}),
        raw({k: v for k, v in GOOD.items() if k != "day"}),
        raw({**GOOD, "channel": "fax"}),
        raw({**GOOD, "day": "2026-02-30"}),
        raw({**GOOD, "day": "2026-11-25T10:15"}),  # never a time of signing
        raw({**GOOD, "commitment": C1.upper()}),
        raw({**GOOD, "commitment": C1[:-1]}),
        b'{"channel":"web","channel":"web","commitment":"'
        + C1.encode()
        + b'","day":"2026-11-25","type":"received","v":1}',
        raw({"v": 1, "type": "decided", "commitment": C1, "counted": 1}),
        raw({**GOOD, "type": "verified"}),  # a verified entry carries its decision
        raw({**GOOD, "type": "verified", "counted": "true"}),
        raw({**GOOD, "type": "verified", "counted": True, "channel": "fax"}),
        raw({**GOOD, "type": "verified", "counted": True, "day": "2026-13-01"}),
        raw({"v": 1, "type": "finding", "commitment": C1, "counted": True, "duplicate": True}),
        raw({"v": 1, "type": "state", "from": "collecting", "to": "expired", "at": "2026-12-01T00:00:00Z"}),
        raw({"v": 1, "type": "state", "from": "Collecting", "to": "expired", "at": "2026-12-01T00:00Z"}),
        b'{"type":"decided","v":1.0}',
        b"[1]",
        b"\xff",
        '{"channel":"w\u00e9b"}'.encode(),
    ],
)
def test_decode_rejects_anything_not_canonical_v1(data):
    with pytest.raises(EntryError):
        entries.decode(data)


def sample_obj(**changes) -> bytes:
    obj = json.loads(entries.encode(a_sample()))
    obj.update(changes)
    return raw(obj)


@pytest.mark.parametrize(
    "changes",
    [
        {"seed": "00" * 32},  # not the procedure's seed
        {"size": 6},  # not the policy's size
        {"percent": "3"},
        {"percent": 3},
        {"draw": "recall-draw/v2"},
        {"procedure": {"kind": "dice", "digits": "123"}},
        {"procedure": {"kind": "server"}},
        {"population": -1},
    ],
)
def test_decode_checks_the_sample(changes):
    with pytest.raises(EntryError):
        entries.decode(sample_obj(**changes))


def test_tally_follows_each_signature_to_its_last_state():
    c = [entries.receipt_commitment(7, f"{i:012d}") for i in range(6)]
    log = [
        Received(c[0], "web", "2026-11-25"),
        Received(c[1], "partner", "2026-11-25"),
        Received(c[2], "paper", "2026-11-26"),
        Received(c[3], "eds", "2026-11-26"),
        Received(c[4], "web", "2026-11-26"),
        Decided(c[0], True),
        Decided(c[1], True),
        Decided(c[1], False),  # an official's correction
        Decided(c[2], True),
        Withdrawn(c[2]),
        Withdrawn(c[4]),
        StateChanged("collecting", "threshold_reached", "2026-11-26T12:00Z"),
        Verified(c[5], "web", "2026-11-26", False),
        Decided(c[5], True),  # an official's correction of the machine's decision
    ]
    counts = entries.tally(log)
    assert (counts.received, counts.counted, counts.not_counted, counts.withdrawn, counts.awaiting) == (6, 2, 1, 2, 1)
    assert entries.tally(log[:-1]).not_counted == 2


@pytest.mark.parametrize(
    "log",
    [
        [Decided(C1, True)],
        [Received(C1, "web", "2026-11-25"), Received(C1, "web", "2026-11-25")],
        [Received(C1, "web", "2026-11-25"), Withdrawn(C1), Decided(C1, True)],
        [Received(C1, "web", "2026-11-25"), Withdrawn(C1), Withdrawn(C1)],
        [Received(C1, "web", "2026-11-25"), Verified(C1, "web", "2026-11-25", True)],
        [Verified(C1, "web", "2026-11-25", True), Received(C1, "web", "2026-11-25")],
    ],
)
def test_tally_refuses_a_contradicting_log(log):
    with pytest.raises(EntryError):
        entries.tally(log)
