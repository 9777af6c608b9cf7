"""The ledger as the service keeps it: appended by the workers, decisions, withdrawals and state
changes; checkpoints signed with the log's key; counts equal to the entries' tally."""

from __future__ import annotations

import pytest

from recall.ledger import entries, note, tlog
from recall.models import LedgerCheckpoint, LedgerEntry, LedgerNode, Petition, Signature
from recall.services import ledger, verification
from recall.services.ledger import log
from recall.services.verification import review
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db


def events_of(petition):
    return ledger.events(petition.pk)


def tally_matches(petition: Petition) -> None:
    petition.refresh_from_db()
    t = entries.tally(ledger.events(petition.pk, petition.ledger_size))
    assert t.received == petition.received_count
    assert t.counted == petition.valid_count
    assert t.not_counted == petition.invalid_count
    assert t.withdrawn == petition.withdrawn_count
    assert t.awaiting == petition.review_count


def test_registering_a_petition_appends_its_state_change_and_signs_a_checkpoint(collecting):
    kinds = [type(e).__name__ for e in events_of(collecting)]
    assert kinds[0] == "StateChanged"
    checkpoint = LedgerCheckpoint.objects.filter(petition=collecting).latest("size")
    parsed, _ = note.open_checkpoint(checkpoint.note, ledger.signer().verifier)
    assert parsed.origin == f"recall.test/petitions/{collecting.pk}"
    collecting.refresh_from_db()
    assert parsed.size == checkpoint.size == collecting.ledger_size


def test_a_verification_batch_appends_one_verified_entry_per_signature_in_signature_order(collecting, voters):
    signatures = [SignatureFactory(petition=collecting, voter_row=v) for v in voters[10:20]]
    before = Petition.objects.get(pk=collecting.pk).ledger_size
    verification.verify_all()
    added = [e for e in ledger.events(collecting.pk)[before:] if hasattr(e, "commitment")]  # not state changes
    assert all(isinstance(e, entries.Verified) for e in added)
    assert [e.commitment for e in added] == [
        entries.receipt_commitment(collecting.pk, s.receipt) for s in sorted(signatures, key=lambda s: s.pk)
    ]
    # Ten signatures of one day: the first nine hide their channel and day (the small-group rule).
    assert [(e.channel, len(e.day)) for e in added] == [("withheld", 8)] * 9 + [("web", 10)]
    states = {s.pk: s.state for s in Signature.objects.filter(pk__in=[s.pk for s in signatures])}
    assert [e.counted for e in added] == [states[s.pk] == "valid" for s in sorted(signatures, key=lambda s: s.pk)]
    tally_matches(collecting)


def test_a_signature_left_to_an_official_and_a_web_repeat_get_separate_entries(collecting, voters, alice):
    from recall.models import SignatureState

    first = SignatureFactory(petition=collecting, voter_row=voters[10])
    mismatch = SignatureFactory(petition=collecting, voter_row=voters[11], full_name="Somebody Else Entirely")
    verification.verify_all()
    repeat = SignatureFactory(petition=collecting, voter_row=voters[10], duplicate_of=first)
    before = Petition.objects.get(pk=collecting.pk).ledger_size
    verification.verify_all()
    c = lambda s: entries.receipt_commitment(collecting.pk, s.receipt)  # noqa: E731
    assert Signature.objects.get(pk=mismatch.pk).state == SignatureState.REVIEW
    assert isinstance(ledger.events(collecting.pk)[before - 1], entries.Received)  # the review's, last of batch one
    tail = ledger.events(collecting.pk)[before:]
    assert tail == [entries.Received(c(repeat), "withheld", tail[0].day), entries.Decided(c(repeat), False)]
    review.decide(mismatch.pk, actor=alice, valid=True, ground="", note="The name was misspelled.")
    assert ledger.events(collecting.pk)[-1] == entries.Decided(c(mismatch), True)
    tally_matches(collecting)


def test_no_entry_holds_personal_data(collecting, voters):
    for v in voters[10:15]:
        SignatureFactory(petition=collecting, voter_row=v)
    verification.verify_all()
    blob = b"".join(bytes(d) for d in LedgerEntry.objects.values_list("data", flat=True))
    for v in voters[10:15]:
        for value in (v.personal["iin"], v.personal["full_name"].split()[0], v.personal["birth_date"]):
            assert value.encode() not in blob
    for s in Signature.objects.all():
        assert s.receipt.encode() not in blob


def test_stored_nodes_give_the_same_root_as_a_rebuilt_tree(collecting, voters):
    for v in voters[10:40]:
        SignatureFactory(petition=collecting, voter_row=v)
    verification.verify_all(limit=7)  # several batches: appends onto partial subtrees
    petition = Petition.objects.get(pk=collecting.pk)
    data = [
        bytes(d) for d in LedgerEntry.objects.filter(petition=petition).order_by("index").values_list("data", flat=True)
    ]
    builder = tlog.RootBuilder()
    for d in data:
        builder.append(tlog.leaf_hash(d))
    assert ledger.tree_hash(petition.pk, len(data)) == builder.root()
    # Only complete subtrees are stored: fewer than two nodes per leaf.
    assert LedgerNode.objects.filter(petition=petition).count() < 2 * len(data)


def test_a_small_group_shows_its_day_only_from_its_tenth_signature_and_its_channel_from_the_weeks(collecting, voters):
    from recall.models import LedgerGroupCount

    for v in voters[10:22]:
        SignatureFactory(petition=collecting, voter_row=v)
    eds = SignatureFactory(petition=collecting, voter_row=voters[22], channel="eds")
    verification.verify_all()
    received = [e for e in ledger.events(collecting.pk) if isinstance(e, entries.Received | entries.Verified)]
    labels = [(e.channel, "day" if len(e.day) == 10 else "week") for e in received]
    web = [label for e, label in zip(received, labels, strict=True) if e.commitment != ledger.row_of(eds).commitment]
    assert web == [("withheld", "week")] * 9 + [("web", "day")] * 3
    assert labels[received.index(next(e for e in received if e.commitment == ledger.row_of(eds).commitment))] == (
        "withheld",
        "week",
    )
    # What the rule read: the actual channel and day of each signature, never shown.
    assert sorted(LedgerGroupCount.objects.values_list("channel", "n")) == [("eds", 1), ("web", 12)]


def test_an_officials_decision_and_a_withdrawal_are_appended(collecting, voters, alice):
    first = SignatureFactory(petition=collecting, voter_row=voters[10])
    second = SignatureFactory(petition=collecting, voter_row=voters[11])
    verification.verify_all()
    review.decide(first.pk, actor=alice, valid=False, ground="forgery", note="Signs of forgery.")
    third = SignatureFactory(petition=collecting, voter_row=voters[12])  # not yet reached by the workers
    review.withdraw_by_signer(third.pk)
    review.withdraw_by_signer(second.pk)
    tail = ledger.events(collecting.pk)[-4:]
    c = lambda s: entries.receipt_commitment(collecting.pk, s.receipt)  # noqa: E731
    assert tail == [
        entries.Decided(c(first), False),
        entries.Received(c(third), "withheld", tail[1].day),
        entries.Withdrawn(c(third)),
        entries.Withdrawn(c(second)),
    ]
    assert b"forgery" not in b"".join(bytes(d) for d in LedgerEntry.objects.values_list("data", flat=True))
    tally_matches(collecting)


def test_the_beat_job_signs_a_checkpoint_only_for_a_grown_log(collecting, voters):
    assert ledger.sign_due_checkpoints() == 0
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    assert ledger.sign_due_checkpoints() == 1
    assert ledger.sign_due_checkpoints() == 0
    petition = Petition.objects.get(pk=collecting.pk)
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    assert latest.size == petition.ledger_size
    assert bytes(latest.root_hash) == ledger.tree_hash(petition.pk, petition.ledger_size)


def test_the_fast_encoding_of_a_batch_is_the_canonical_encoding():
    commitment = entries.receipt_commitment(7, "0123456789AB")
    for event in (
        entries.Received(commitment, "partner", "2026-11-30"),
        entries.Received(commitment, "paper", "2026-01-02"),
        entries.Verified(commitment, "web", "2026-11-30", True),
        entries.Verified(commitment, "eds", "2026-02-28", False),
        entries.Decided(commitment, True),
        entries.Decided(commitment, False),
    ):
        assert log._encode(event) == entries.encode(event)
        assert entries.decode(log._encode(event)) == event


def test_a_verification_batch_writes_the_same_entries_as_the_general_path(collecting):
    """``append_verified`` (the batch's rows as the statement returns them) and
    ``append_signatures`` (one Row per signature) write the same bytes: canonical and typed
    receipts, paper lines without one, every decision, out-of-order ids."""
    from django.db import transaction

    other = Petition.objects.get(pk=collecting.pk)
    rows = [
        (other.pk, "valid", "2026-11-30", 12, "partner", "0123456789AB", None),
        (other.pk, "invalid", "2026-11-30", 10, "paper", None, None),
        (other.pk, "review", "2026-12-01", 11, "web", "0123-4567-89ab", None),  # typed, not as stored
        (other.pk, "valid", "2026-12-01", 13, "web", "ZZZZYYYYXXXX", None),
        (other.pk, "invalid", "2026-12-01", 14, "web", "ZZZZYYYYXXX0", 13),  # a web repeat
        (other.pk, "invalid", "2026-12-01", 15, "partner", "ZZZZYYYYXXX1", 12),  # a partner's repeat
    ]
    with transaction.atomic():
        start = Petition.objects.get(pk=other.pk).ledger_size
        ledger.append_verified(rows)
        fast = ledger.entries_between(other.pk, start, 2**62)
        middle = Petition.objects.get(pk=other.pk).ledger_size
        ledger.append_signatures(
            (log.Row(sid, pid, receipt, channel, day, Signature.is_hidden_repeat(channel, repeat_of)), None, state)
            for pid, state, day, sid, channel, receipt, repeat_of in rows
        )
        general = ledger.entries_between(other.pk, middle, 2**62)
        transaction.set_rollback(True)
    assert [d for _, d in fast] == [d for _, d in general]
    kinds = [type(entries.decode(d)).__name__ for _, d in fast]
    # A web or a partner's repeat: received and decided apart (it reads like a first until decided).
    assert kinds == ["Verified", "Received", "Verified", "Verified", "Received", "Decided", "Received", "Decided"]


def test_tiles_give_the_roots_and_proofs_of_the_full_tree(collecting):
    from django.db import transaction

    petition = Petition.objects.get(pk=collecting.pk)
    memory = tlog.MemoryStore()
    memory.append([tlog.leaf_hash(d) for _, d in ledger.entries_between(petition.pk, 0, petition.ledger_size)])
    n = petition.ledger_size
    for batch in (1, 300, 7, 255, 1, 500):  # across levels 8 and 9, batches of every shape
        events = [
            entries.Received(entries.paper_commitment(petition.pk, (n + i).to_bytes(32, "big")), "paper", "2026-11-30")
            for i in range(batch)
        ]
        with transaction.atomic():
            n = ledger.append(petition.pk, events)
        memory.append([tlog.leaf_hash(entries.encode(e)) for e in events])
        assert ledger.tree_hash(petition.pk, n) == memory.root(n)
    assert LedgerNode.objects.filter(petition=petition).exclude(level=8).count() == 0
    assert LedgerNode.objects.filter(petition=petition).count() == n // 256
    for index, size in ((0, n), (300, 777), (n - 1, n), (512, 513)):
        assert ledger.inclusion_proof(petition.pk, index, size) == tlog.inclusion_proof(index, size, memory.read)
    for first, second in ((1, n), (256, 512), (300, 1000), (777, n)):
        assert ledger.consistency_proof(petition.pk, first, second) == tlog.consistency_proof(
            first, second, memory.read
        )


def test_a_malformed_ledger_key_fails_the_system_check(settings):
    from recall import checks

    assert checks.ledger_key_is_readable() == []
    settings.RECALL_LEDGER_SIGNING_KEY = "PRIVATE+KEY+recall.test/ledger+00000000+AAAA"
    assert [e.id for e in checks.ledger_key_is_readable()] == ["recall.E002"]
