"""The identity a counted signature proved, read from its entry's channel: the library and the
independent verifier agree, and an eGov Mobile entry is a version-1 entry."""

from recall.ledger import entries

from .test_verify_ledger import verify_ledger

C = [f"{i:064x}" for i in range(1, 6)]


def test_an_egov_mobile_entry_round_trips_in_version_1():
    event = entries.Verified(C[0], "egov_mobile", "2026-12-01", True)
    data = entries.encode(event)
    assert entries.decode(data) == event and b'"v":1' in data


def test_existing_entries_keep_their_bytes():
    data = entries.encode(entries.Verified(C[0], "web", "2026-12-01", True))
    assert (
        data
        == b'{"channel":"web","commitment":"'
        + C[0].encode()
        + b'","counted":true,"day":"2026-12-01","type":"verified","v":1}'
    )


def test_counted_signatures_by_identity_agree_with_the_verifier():
    events = [
        entries.Verified(C[0], "eds", "2026-12-01", True),
        entries.Verified(C[1], "egov_mobile", "2026-12-01", True),
        entries.Verified(C[2], "web", "2026-12-01", True),
        entries.Received(C[3], "paper", "2026-W49"),
        entries.Decided(C[3], True),
        entries.Verified(C[4], "withheld", "2026-W49", False),
    ]
    mine = entries.counted_by_identity(events)
    assert mine == {"certificate": 2, "phone": 1, "paper": 1}
    theirs = verify_ledger.counted_by_identity([verify_ledger.decode_entry(entries.encode(e)) for e in events])
    assert theirs == dict(mine)
