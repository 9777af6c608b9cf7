"""Per-petition counts, kept without a COUNT on page views and without a hot row on the sign path.

The workers change signature states and, in the same transaction, add each batch's delta to the
petition row: one UPDATE per petition per batch (e-petitions' approach). ``received_count``
counts signatures that have reached the workers, so the figures trail the sign path by the
seconds a batch takes. A nightly reconciliation recomputes everything from the signatures,
repairs drift and logs it, and compares the signatures with the public ledger's tally: a
difference is an alarm to the commission (audit entry and e-mail), never repaired.

Invariant: received = valid + invalid + review + withdrawn = signatures not in state "received"
(nor "pending": held before the workers, like "received"); valid = the sum of the valid counts
by identity (IDENTITY_COLUMNS).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from ...ledger import entries
from ...models import AWAITING_WORKERS, DailyTally, IdentityStrength, Petition, Signature, SignatureState
from .. import audit, ledger
from ..ledger.alerts import raise_alarm
from ..public import public_cache

logger = logging.getLogger(__name__)

# Stored but not yet reached by the workers: not in received_count, in queued_count.
WAITING = AWAITING_WORKERS

COUNTED = {
    SignatureState.VALID: "valid_count",
    SignatureState.INVALID: "invalid_count",
    SignatureState.REVIEW: "review_count",
    SignatureState.WITHDRAWN: "withdrawn_count",
}

# The valid signatures by the identity their channel proved (Signature.identity_strength).
IDENTITY_COLUMNS = {strength: f"valid_{strength}_count" for strength in IdentityStrength.values}


@dataclass
class Delta:
    received: int = 0
    states: Counter = field(default_factory=Counter)
    # Valid signatures per local day of signing (the public daily series).
    valid_by_day: Counter = field(default_factory=Counter)
    # Valid signatures by identity (IDENTITY_COLUMNS).
    valid_by_identity: Counter = field(default_factory=Counter)

    def move(self, old: str | None, new: str, signed_at: dt.datetime, identity: str | None = None) -> None:
        """One signature (of ``identity``) went from ``old`` (None: not counted yet) to ``new``.
        Without ``identity`` the counts by identity are left to the nightly reconciliation."""
        if old is None:
            self.received += 1
        else:
            self.states[old] -= 1
        self.states[new] += 1
        day = timezone.localtime(signed_at).date()
        if old == SignatureState.VALID:
            self.valid_by_day[day] -= 1
            if identity:
                self.valid_by_identity[identity] -= 1
        if new == SignatureState.VALID:
            self.valid_by_day[day] += 1
            if identity:
                self.valid_by_identity[identity] += 1


def apply(deltas: dict[int, Delta]) -> None:
    """Add the deltas to the petitions; call inside the transaction that changed the signatures.

    Petitions are updated in id order so concurrent workers always lock them in the same order.
    """
    for petition_id in sorted(deltas):
        delta = deltas[petition_id]
        updates = {column: F(column) + delta.states[state] for state, column in COUNTED.items() if delta.states[state]}
        for strength, n in delta.valid_by_identity.items():
            if n:
                updates[IDENTITY_COLUMNS[strength]] = F(IDENTITY_COLUMNS[strength]) + n
        if delta.received:
            updates["received_count"] = F("received_count") + delta.received
            # Counted now, so no longer queued (the beat's figure may lag; never below zero).
            updates["queued_count"] = Greatest(F("queued_count") - delta.received, Value(0))
        if updates:
            Petition.objects.filter(pk=petition_id).update(**updates)
        _add_tallies(petition_id, delta.valid_by_day)
    # The public pages and API show these counts: their shared copies go after the commit.
    public_cache.changed(*deltas)


def _add_tallies(petition_id: int, by_day: Counter) -> None:
    rows = [(petition_id, day, n) for day, n in sorted(by_day.items()) if n]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO recall_dailytally (petition_id, day, valid) VALUES (%s, %s, %s) "
            "ON CONFLICT (petition_id, day) DO UPDATE SET valid = recall_dailytally.valid + excluded.valid",
            rows,
        )


def truth(petition_id: int) -> dict[str, int]:
    """The counts recomputed from the signatures (what the stored counts must equal)."""
    by_state = dict(
        Signature.objects.filter(petition_id=petition_id).values_list("state").annotate(n=Count("id")).order_by()
    )
    counts = {column: by_state.get(state, 0) for state, column in COUNTED.items()}
    counts["received_count"] = sum(n for state, n in by_state.items() if state not in WAITING)
    counts["queued_count"] = sum(by_state.get(state, 0) for state in WAITING)
    by_identity = dict(
        Signature.objects.filter(petition_id=petition_id, state=SignatureState.VALID)
        .values_list("identity_strength")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({column: by_identity.get(strength, 0) for strength, column in IDENTITY_COLUMNS.items()})
    return counts


def waiting_since(before: dt.datetime) -> bool:
    """Some signature stored before ``before`` still awaits the workers (beat re-queues them)."""
    return Signature.objects.filter(state=SignatureState.RECEIVED, received_at__lt=before).exists()


def refresh_queued() -> int:
    """Set each petition's queued count from the signatures still waiting for the workers
    (served by the partial index of received signatures). Returns the signatures waiting.

    Exact under concurrency: each petition's row is locked before its waiting signatures are
    counted. A verification batch updates that row in the transaction that decides its
    signatures, so the lock orders the two: a batch that committed first is already out of
    the count (a new statement sees it), and one that commits later lowers the count this
    refresh wrote. One UPDATE with a counting subquery would count from a snapshot taken
    before it waited for the row, and count a batch's signatures the batch had already
    subtracted.
    """
    received = Signature.objects.filter(state__in=WAITING)
    waiting = set(received.values_list("petition_id", flat=True).distinct())
    stale = set(Petition.objects.filter(queued_count__gt=0).values_list("pk", flat=True))
    total = 0
    for petition_id in sorted(waiting | stale):  # the order batches lock petitions in
        with transaction.atomic():
            if not Petition.objects.select_for_update(no_key=True).filter(pk=petition_id).exists():
                continue
            n = received.filter(petition_id=petition_id).count()
            Petition.objects.filter(pk=petition_id).update(queued_count=n)
        total += n
    return total


def reconcile(petition_ids: Iterable[int] | None = None) -> dict[int, dict[str, tuple[int, int]]]:
    """Compare stored counts (and the daily series) with the signatures; repair and log drift.

    Each petition is locked while it is recounted, so a batch being verified meanwhile either
    committed before the recount (and is in it) or adds its delta after the repair.
    """
    if petition_ids is None:
        # Every registered petition: a counter corrupted to zero must be found too.
        petition_ids = Petition.objects.filter(required_signatures__isnull=False).values_list("pk", flat=True)
    repaired: dict[int, dict[str, tuple[int, int]]] = {}
    for petition_id in sorted(petition_ids):
        with transaction.atomic():
            stored = (
                Petition.objects.select_for_update(no_key=True)
                .filter(pk=petition_id)
                .values("received_count", "queued_count", *COUNTED.values(), *IDENTITY_COLUMNS.values())
                .first()
            )
            if stored is None:
                continue
            actual = truth(petition_id)
            drift = {k: (stored[k], v) for k, v in actual.items() if stored[k] != v}
            ledger_drift = _ledger_drift(petition_id, actual)
            tally_drift = _reconcile_tallies(petition_id)
            if drift:
                Petition.objects.filter(pk=petition_id).update(**actual)
            Petition.objects.filter(pk=petition_id).update(counts_reconciled_at=timezone.now())
            if drift or tally_drift:
                public_cache.changed(petition_id)
                repaired[petition_id] = drift
                logger.warning(
                    "reconciliation repaired petition %s: %s, daily series %s", petition_id, drift, tally_drift
                )
                audit.record(
                    "counts.repaired",
                    system_label="reconciliation",
                    petition_id=petition_id,
                    counts={k: {"stored": a, "actual": b} for k, (a, b) in drift.items()},
                    days_repaired=tally_drift,
                )
            if ledger_drift:
                # The signatures and the public ledger disagree: a signature changed outside the
                # services (the ledger is appended in the same transaction as every change), or
                # the ledger was. Nothing is repaired: people must look.
                raise_alarm(
                    petition_id,
                    "ledger.counts_differ",
                    _("The petition's signatures and its public ledger disagree."),
                    counts={k: {"signatures": a, "ledger": b} for k, (a, b) in ledger_drift.items()},
                )
                differing[petition_id] = ledger_drift
    return repaired


# Petitions whose signatures disagreed with their ledger at the last reconciliation (tests read it).
differing: dict[int, dict[str, tuple[int, int]]] = {}


def _ledger_drift(petition_id: int, actual: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The counts of the signatures against the tally of the petition's public ledger (the
    petition's row is locked: no batch appends meanwhile). Entries are appended in the
    transaction that changes a signature, so the two agree unless someone went around them."""
    size = Petition.objects.filter(pk=petition_id).values_list("ledger_size", flat=True).get()
    t = entries.tally(ledger.events(petition_id, size))
    pairs = {
        "received_count": t.received,
        "valid_count": t.counted,
        "invalid_count": t.not_counted,
        "withdrawn_count": t.withdrawn,
        "review_count": t.awaiting,
    }
    return {k: (actual[k], v) for k, v in pairs.items() if actual[k] != v}


def _reconcile_tallies(petition_id: int) -> int:
    """Rebuild the daily series of valid signatures if it differs; returns the days changed."""
    valid_times = Signature.objects.filter(petition_id=petition_id, state=SignatureState.VALID).values_list(
        "signed_at", flat=True
    )
    actual: Counter = Counter(timezone.localtime(t).date() for t in valid_times.iterator())
    stored = dict(DailyTally.objects.filter(petition_id=petition_id).values_list("day", "valid"))
    days = {d for d in set(actual) | set(stored) if actual.get(d, 0) != stored.get(d, 0)}
    if days:
        DailyTally.objects.filter(petition_id=petition_id).delete()
        DailyTally.objects.bulk_create(DailyTally(petition_id=petition_id, day=d, valid=n) for d, n in actual.items())
    return len(days)


def group_sums(rows: Iterable[tuple[int, str, dt.date, str, int]]) -> dict[int, Delta]:
    """Deltas from (petition, new state, local day of signing, identity, how many) of newly
    counted signatures."""
    deltas: dict[int, Delta] = defaultdict(Delta)
    for petition_id, state, day, identity, n in rows:
        delta = deltas[petition_id]
        delta.received += n
        delta.states[state] += n
        if state == SignatureState.VALID:
            delta.valid_by_day[day] += n
            delta.valid_by_identity[identity] += n
    return dict(deltas)


def group_by_petition(rows: Iterable[tuple[int, str | None, str, dt.datetime, str]]) -> dict[int, Delta]:
    deltas: dict[int, Delta] = defaultdict(Delta)
    for petition_id, old, new, signed_at, identity in rows:
        deltas[petition_id].move(old, new, signed_at, identity)
    return dict(deltas)
