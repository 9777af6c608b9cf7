"""Machine verification of signatures against the voter register, in batches of set-based SQL.

One statement claims a batch of received signatures (FOR UPDATE SKIP LOCKED, so any number of
workers share the backlog without waiting on each other), joins them to their petition and to the
register by IIN digest, and writes every decision. The rules, first match wins:

    repeat of another signature on the petition -> invalid, duplicate
    IIN checksum failed (paper lines)            -> invalid, iin_checksum
    voter data incomplete (paper lines)          -> invalid, incomplete
    not in the register                          -> invalid, not_in_register
    registered in another district               -> invalid, outside_district
    deceased                                     -> invalid, deceased
    no right to vote (incompetent, imprisoned,
      removed)                                   -> invalid, no_right_to_vote
    under 18 on the day of signing               -> invalid, under_18
    signed outside the collection window         -> invalid, outside_window
    name (recall.names) or birth date (not for
      EDS) differ from the register,
      or the IIN's digits from the birth date or
      sex (the signer's entry or the register),
      or the level's policy has an official
      confirm this channel's signatures          -> review (an official decides)
    otherwise                                    -> valid

The counts, the daily series, the threshold and the milestones are updated in the same
transaction (recall.services.verification.counts), and so is the public ledger (recall.services.ledger.log): one
``verified`` entry (received and decided) for each signature decided, a ``received`` entry for
each that waits for an official (and a web repeat's ``received`` and ``decided`` apart).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config import metrics

from ... import names
from ...models import Signature, SignatureState
from .. import ledger, lifecycle
from ..signing import channels
from . import counts, moves

logger = logging.getLogger(__name__)

# The rules as SQL, shared with bench/verify_throughput.py's plain-statement comparison.
GROUND_SQL = """
    CASE
        WHEN s.duplicate_of_id IS NOT NULL THEN 'duplicate'
        WHEN NOT s.iin_checksum_ok THEN 'iin_checksum'
        WHEN NOT s.data_complete THEN 'incomplete'
        WHEN v.id IS NULL THEN 'not_in_register'
        WHEN v.district_id <> p.district_id THEN 'outside_district'
        WHEN v.status = 'deceased' THEN 'deceased'
        WHEN v.status <> 'active' THEN 'no_right_to_vote'
        WHEN v.adult_from IS NOT NULL AND s.signed_at < v.adult_from THEN 'under_18'
        WHEN s.signed_at < p.window_start OR s.signed_at >= p.window_end THEN 'outside_window'
        ELSE ''
    END
"""
# The name rule of recall.names: per-word digests, order-insensitive, patronymic optional or one
# slip away. Rows whose word digests were never derived (written before the rule, and not yet
# re-derived by `manage.py derive_name_digests`) fall back to the full-name digest, so they are
# never accepted on an empty comparison.
_NAME_RULED = {
    "postgresql": "(cardinality(v.name_surname) > 0 AND cardinality(s.name_tokens) > 0)",
    "sqlite": "(json_array_length(v.name_surname) > 0 AND json_array_length(s.name_tokens) > 0)",
}
_MATCH = {"postgresql": names.MATCH_SQL, "sqlite": names.MATCH_SQL_SQLITE}
_NAME_PARTS = {"postgresql": names.REASONS_SQL, "sqlite": names.REASONS_SQL_SQLITE}
# Rows without word digests compare the full-name digest.
_FULL_NAME_MISMATCH = "s.name_digest <> v.name_digest"
# An EDS signature has no birth date to compare: the certificate carries none, nothing is typed,
# and the IIN itself comes from the certificate (recall.services.signing.eds); the same for eGov
# Mobile, which signs with a certificate too (recall.services.signing.mobile).
_BIRTH_MISMATCH = "(s.channel NOT IN ('eds', 'egov_mobile') AND s.birth_digest <> v.birth_digest)"
_IIN_MISMATCH = "(s.iin_data_mismatch OR v.iin_data_mismatch)"
# The level's policy has an official confirm each signature of the channel
# (RecallPolicy.confirm_<channel>); read through _POLICY_JOIN.
_CONFIRM = channels.confirm_sql("s.channel")
# The petition's level's policy (none: the defaults, nothing to confirm). Four rows: the join
# costs the batch nothing it would notice.
_POLICY_JOIN = """
        JOIN recall_district d ON d.id = p.district_id
        LEFT JOIN recall_recallpolicy pol ON pol.level = d.level"""


def name_mismatch_sql(vendor: str) -> str:
    """True when the name sends the signature to review."""
    return f"(CASE WHEN {_NAME_RULED[vendor]} THEN NOT {_MATCH[vendor]} ELSE {_FULL_NAME_MISMATCH} END)"


def judged_as_first(signature_id: int) -> tuple[str, str]:
    """The state and ground the rules would give this signature if it were not a repeat:
    what the check page shows for a repeat made with a code (recall.services.signing.codes), read
    only. A mismatch shows as review (an official would decide a first one)."""
    vendor = connection.vendor
    ground = GROUND_SQL.replace("WHEN s.duplicate_of_id IS NOT NULL THEN 'duplicate'", "")
    sql = f"""
        SELECT {ground}, {mismatch_sql(vendor)}
        FROM recall_signature s
        JOIN recall_petition p ON p.id = s.petition_id
        LEFT JOIN recall_voter v ON v.iin_digest = s.voter_digest{_POLICY_JOIN}
        WHERE s.id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [signature_id])
        found, mismatch = cursor.fetchone()
    if found:
        return "invalid", found
    return ("review" if mismatch else "valid"), ""


def mismatch_sql(vendor: str) -> str:
    """Any reason for an official to look: the IIN's digits, the name, the birth date, the
    channel's confirmation (joined through _POLICY_JOIN)."""
    return f"({_IIN_MISMATCH} OR {name_mismatch_sql(vendor)} OR {_BIRTH_MISMATCH} OR {_CONFIRM})"


def _reasons(vendor: str, iin_off: str, name_off: str, birth_off: str, confirm: str) -> str:
    if vendor == "postgresql":
        return f"""to_jsonb(array_remove(ARRAY[
        CASE WHEN {iin_off} THEN 'iin_data_mismatch' END,
        CASE WHEN {name_off} THEN 'name_mismatch' END,
        CASE WHEN {birth_off} THEN 'birth_date_mismatch' END,
        CASE WHEN {confirm} THEN 'channel_confirmation' END
    ]::text[], NULL))"""
    return f"""(SELECT json_group_array(value) FROM json_each(json_array(
        CASE WHEN {iin_off} THEN 'iin_data_mismatch' END,
        CASE WHEN {name_off} THEN 'name_mismatch' END,
        CASE WHEN {birth_off} THEN 'birth_date_mismatch' END,
        CASE WHEN {confirm} THEN 'channel_confirmation' END
    )) WHERE value IS NOT NULL)"""


_EMPTY_JSON = {"postgresql": "'[]'::jsonb", "sqlite": "'[]'"}
_NULL_JSON = {"postgresql": "NULL::jsonb", "sqlite": "NULL"}
# PostgreSQL: workers skip rows another worker holds. SQLite has one writer at a time anyway.
_LOCK = {"postgresql": "FOR UPDATE SKIP LOCKED", "sqlite": ""}
# PostgreSQL sees judged's id too; SQLite's RETURNING names the updated table's columns only.
_ID = {"postgresql": "t.id", "sqlite": "id"}


def statement(vendor: str) -> str:
    """One statement, returning one row per signature decided: its petition, new state and
    local day of signing (computed by the database), and what the public ledger needs of it
    (its id, channel, receipt and the signature it repeats). The counts are summed from these
    rows in Python (PostgreSQL returns the day as YYYY-MM-DD text; SQLite, which cannot put an
    UPDATE in a WITH, returns the time of signing)."""
    update = _update(vendor)
    if vendor != "postgresql":
        return update
    return f"""
    WITH decided AS ({update})
    SELECT petition_id, state, to_char(signed_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD') AS day, id, channel, receipt,
           duplicate_of_id, identity_strength
    FROM decided
    """


# The state each signature of the batch takes (recall.states.SIGNATURE_MOVES, "verify"): a
# ground makes it invalid, a reason for an official to look sends it to review.
STATE_SQL = moves.set_state_sql(
    "verify",
    [("j.ground <> ''", SignatureState.INVALID), ("j.mismatch", SignatureState.REVIEW)],
    otherwise=SignatureState.VALID,
)


def _update(vendor: str) -> str:
    name_rule = name_mismatch_sql(vendor)
    # Which parts of the name matched, for the review page; only for rows the name sends there.
    parts = f"CASE WHEN {_NAME_RULED[vendor]} THEN {_NAME_PARTS[vendor]} END"
    if vendor == "postgresql":
        # Each comparison once per row: OFFSET 0 keeps the planner from copying the name rule
        # into every expression that reads its flag. (SQLite has no LATERAL: inline there.)
        iin_off, name_off, birth_off = "m.iin_off", "m.name_off", "m.birth_off"
        flags = f"""CROSS JOIN LATERAL (
            SELECT {_IIN_MISMATCH} AS iin_off, {name_rule} AS name_off, {_BIRTH_MISMATCH} AS birth_off OFFSET 0
        ) m"""
    else:
        iin_off, name_off, birth_off, flags = _IIN_MISMATCH, name_rule, _BIRTH_MISMATCH, ""
    mismatch = f"({iin_off} OR {name_off} OR {birth_off} OR {_CONFIRM})"
    return f"""
    WITH claimed AS (
        SELECT id FROM recall_signature
        WHERE {moves.leaves_sql("verify")}
        ORDER BY id
        LIMIT %(limit)s
        {_LOCK[vendor]}
    ),
    judged AS (
        SELECT s.id, {GROUND_SQL} AS ground, {mismatch} AS mismatch,
               -- the reasons are built only for the few rows an official will see
               CASE WHEN {mismatch} THEN {_reasons(vendor, iin_off, name_off, birth_off, _CONFIRM)} END AS reasons,
               CASE WHEN {name_off} THEN {parts} END AS name_parts
        FROM claimed c
        JOIN recall_signature s ON s.id = c.id
        JOIN recall_petition p ON p.id = s.petition_id
        LEFT JOIN recall_voter v ON v.iin_digest = s.voter_digest{_POLICY_JOIN}
        {flags}
    )
    UPDATE recall_signature AS t SET
        {STATE_SQL},
        ground = j.ground,
        review_reasons = CASE WHEN j.ground = '' AND j.mismatch THEN j.reasons ELSE {_EMPTY_JSON[vendor]} END,
        name_parts = CASE WHEN j.ground = '' THEN j.name_parts END,
        verified_at = %(now)s
    FROM judged j
    WHERE t.id = j.id
    RETURNING petition_id, state, signed_at, {_ID[vendor]}, channel, receipt, duplicate_of_id, identity_strength
    """


@dataclass(frozen=True)
class BatchResult:
    verified: int
    petitions: int
    thresholds: list[int]


def verify_batch(limit: int | None = None) -> BatchResult:
    """Verify up to ``limit`` received signatures in one transaction."""
    limit = limit or settings.RECALL_VERIFY_BATCH_SIZE
    vendor = connection.vendor
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement(vendor), {"limit": limit, "now": timezone.now(), "tz": settings.TIME_ZONE})
            rows = cursor.fetchall()
        if not rows:
            return BatchResult(0, 0, [])
        if vendor == "postgresql":
            deltas = counts.group_sums(_sums(rows))
            ledger.append_verified(row[:7] for row in rows)
            metrics.signatures_decided((row[4], row[1]) for row in rows)
        else:
            metrics.signatures_decided((row[4], row[1]) for row in rows)
            deltas = counts.group_by_petition(
                (pid, None, state, _aware(signed), identity) for pid, state, signed, *_, identity in rows
            )
            ledger.append_signatures(
                (ledger.row_of(_Returned(sid, pid, receipt, channel, _aware(signed), repeat_of)), None, state)
                for pid, state, signed, sid, channel, receipt, repeat_of, _identity in rows
            )
        counts.apply(deltas)
        moved = lifecycle.after_counts_changed(deltas.keys())
    return BatchResult(sum(d.received for d in deltas.values()), len(deltas), moved)


def _sums(rows: list[tuple]) -> list[tuple[int, str, dt.date, str, int]]:
    """The per-petition, state, day and identity sums of a batch's rows (their day as
    YYYY-MM-DD text, the identity last)."""
    totals = Counter((row[0], row[1], row[2], row[-1]) for row in rows)
    return [(pid, state, dt.date.fromisoformat(day), identity, n) for (pid, state, day, identity), n in totals.items()]


@dataclass(frozen=True)
class _Returned:
    pk: int
    petition_id: int
    receipt: str | None
    channel: str
    signed_at: dt.datetime
    duplicate_of_id: int | None

    @property
    def hidden_repeat(self) -> bool:
        return Signature.is_hidden_repeat(self.channel, self.duplicate_of_id)


def verify_all(limit: int | None = None) -> int:
    """Verify the whole backlog, batch after batch; returns how many were verified."""
    total = 0
    while True:
        result = verify_batch(limit)
        total += result.verified
        if not result.verified:
            return total


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns text from RETURNING
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value
