"""The ledger's entries: canonical, versioned bytes of public events. This docstring is the specification.

Encoding (version 1)
====================
An entry is one JSON object (RFC 8259) in canonical form, so that equal events are equal bytes
and a third party can parse and re-check them with any standard library:

- UTF-8 with every character ASCII (all values below are ASCII; ``\\uXXXX`` escapes never occur);
- keys sorted by code point, no whitespace at all (``json.dumps(obj, sort_keys=True,
  separators=(",", ":"))`` in Python);
- integers only (no fractions, no exponents), ``true``/``false``, strings; no ``null``;
- every object has ``"v": 1`` and ``"type"``, and exactly the keys listed for its type (a new
  field means a new version). A decoder re-encodes what it parsed and rejects the entry unless
  the bytes are identical: there is exactly one encoding of each event.

Its leaf in the Merkle log is ``SHA-256(0x00 || entry bytes)``.

Types (``c`` below is a *commitment*: 64 lowercase hex digits, see under Commitments)
-----------------------------------------------------------------------------------
``received``   ``{"channel", "commitment", "day", "type", "v"}``
    A signature reached the workers. ``channel`` is ``web``, ``paper``, ``partner``, ``eds`` or
    ``egov_mobile`` (a value added within version 1: no entry written before it changes), or
    ``withheld``; ``day`` the local calendar day of signing (``YYYY-MM-DD``, Asia/Almaty) or
    its ISO week (``YYYY-Www``): never a time, which could be matched with an SMS gateway's or a
    partner's records. Small groups are coarsened (see "Small groups" below).
``verified``   ``{"channel", "commitment", "counted", "day", "type", "v"}``
    A signature received and decided in the same append: exactly a ``received`` followed by a
    ``decided`` (same fields), in one entry. The verification batch writes one of these for
    each signature it decides, and a ``received`` for each it leaves to an official (review):
    the ledger's cost per signature is the number of its entries. Exception: a web
    signature that repeats one of the same voter gets a ``received`` and a ``decided``, as an
    official's decision would, because its signer's own-data page shows it like a first
    signature (its ``received`` only).
``decided``    ``{"commitment", "counted", "type", "v"}``
    The machine's or an official's decision: ``counted`` true (valid) or false (not counted).
    Never the ground: "deceased" or "not in the register" is a fact about a person. A later
    ``decided`` for the same commitment replaces the earlier one (an official's correction).
``withdrawn``  ``{"commitment", "type", "v"}``
    The signer withdrew the signature. Final: nothing about this commitment follows it.
``state``      ``{"at", "from", "to", "type", "v"}``
    The petition moved between states (the service's state names, ``[a-z][a-z_]*``). ``at`` is
    the UTC time to the minute, ``YYYY-MM-DDTHH:MMZ``: a state change is a public act already
    shown with its time in the petition's history, so its time reveals nothing about signers,
    and the minute lets a reader match the two; seconds would add nothing.
``sample``     ``{"draw", "minimum", "percent", "population", "population_tree_size", "procedure",
"seed", "size", "type", "v"}``
    The random sample. Its population is the signatures with a ``received`` or ``verified``
    entry among the first ``population_tree_size`` entries (a signed checkpoint's size, the one
    taken when the petition was submitted), minus those withdrawn among those entries, in log order;
    ``population`` is their number. ``size`` = min(population, max(``minimum``,
    ceil(population x ``percent`` / 100))), ``percent`` a decimal string such as ``"3.00"``.
    ``seed`` (64 hex digits) is derived from ``procedure`` and the members are drawn by ``draw``
    (``"recall-draw/v1"``), both specified in ``recall.ledger.sampling_draw``. A petition's log
    has at most one ``sample``: a draw cannot be repeated until it pleases.
``policy``     ``{"insufficient_percent", "minimum", "percent", "required", "sufficient_percent", "type", "v"}``
    The rule the petition is held to, written when it is registered (right after the state
    entry of its registration) and never again: ``required`` signatures, the sample's
    ``percent`` (a decimal string such as ``"3.00"``) and ``minimum``, and the projection's bands
    (``sufficient_percent``, ``insufficient_percent``: per cent of the requirement, decimal
    strings). A log has at most one, before its ``submitted`` state entry; the ``sample`` entry
    must use its numbers. Fixed before the first signature, it cannot be tuned to them.
``seed_commitment`` ``{"hash", "party", "type", "v"}``
    A party's commitment to its share of the sample's seed (``recall.ledger.sampling_draw``):
    ``hash`` = ``SHA-256(b"recall-seed-commit/v1\x00" || party || b"\x00" || reveal)``. Written
    after the ``submitted`` state entry and before the ``beacon`` entry; one per party (1 to
    64 printable ASCII characters: ``commission``, ``initiative group``, a witness's key name).
``beacon``     ``{"chain", "round", "type", "v"}``
    Closes the commitments and fixes the public beacon round whose randomness goes into the
    seed: ``chain`` is the drand chain's hash (64 hex digits), ``round`` a round that does not
    exist yet when the entry is written (``recall.ledger.beacon``). Witnesses' cosignatures of
    a checkpoint covering this entry, timestamped before the round's time, prove it. One per log.
``seed_reveal`` ``{"party", "reveal", "type", "v"}``
    A party's reveal (64 hex digits, the 32 bytes behind its commitment), after the ``beacon``
    entry and before the round's time: a reveal the witnesses saw only after the round existed
    does not count (the party could have chosen to reveal knowing the outcome).
``finding``    ``{"commitment", "counted", "duplicate", "type", "v"}``
    An official's finding on a sampled signature; a later one for the same commitment
    replaces the earlier. ``duplicate`` is true only with ``counted`` false, when the signature
    repeats another signature of this petition. Decision: it is the one fact beyond counted /
    not counted that the ledger publishes, because California's projection needs the number of
    duplicates in the sample; it is a fact about the signature (this line repeats another),
    not about the person, and without the receipt nobody can tell whose signature it is.

A signature's first entry is its ``received`` or ``verified``; ``decided``, ``withdrawn`` and
``finding`` refer to a commitment received earlier in the same log.

Small groups
============
A ``received`` or ``verified`` entry's (channel, day) could single out a signer on a small
petition (the one EDS signer of a day). With ``k = 10`` (``GROUP_MIN``), the service writes,
for a signature of channel ``C`` signed on day ``D`` of ISO week ``W``:

- ``C`` and ``D`` when at least ``k - 1`` signatures of the petition with channel ``C`` and day
  ``D`` are already in the log (with this one the group has ``k``);
- otherwise ``C`` and ``W`` when at least ``k - 1`` signatures of channel ``C`` in week ``W``
  are;
- otherwise ``withheld`` and ``W``.

An entry's labels are fixed when it is written (the log is append-only), so the rule looks
only at the entries before it. Whoever knows that a person signed by channel ``C`` on day
``D`` finds at least ``k`` entries consistent with that (the group's first ``k - 1`` carry the
week) once the group has ``k``; a group that never reaches ``k`` carries only its week, and a
channel with fewer than ``k`` signatures in a week carries no channel. A verifier checks what
it can from the labels: an entry labelled with a day has at least ``k - 1`` consistent entries
before it, one labelled ``C`` and a week at least ``k - 1`` of channel ``C`` or ``withheld`` in
that week, and ``withheld`` goes with a week only. (The log's order and the checkpoints'
signing times still tell roughly when an entry was written; see recall/ledger/API.md.)

Commitments
===========
- A signature with a receipt (web, partner, EDS):
  ``SHA-256(b"recall-receipt/v1\\x00" || petition id in decimal ASCII || b"\\x00" || receipt)``,
  where ``receipt`` is the normalized receipt: its 12 Crockford base-32 characters
  (``0-9A-Z`` without ``I L O U``), upper case, without dashes. Receipts are unique, so the
  commitment also joins a signature's entries. The holder of a receipt finds their entries; a
  receipt carries 60 random bits and is linked to nobody in public, so guessing commitments
  gains nothing.
- A paper signature has no receipt:
  ``SHA-256(b"recall-paper/v1\\x00" || petition id in decimal ASCII || b"\\x00" || secret)``
  with a random 32-byte ``secret`` kept by the service (encrypted with the signature). It
  reveals nothing. A paper signer can check the counts, the sample and that the log was not
  rewritten, but cannot find their own entry unless the commission shows them their
  commitment's secret in person (the commission could, on request and identification).

Identity (``counted_by_identity``)
==================================
What a signature's channel proved of the signer is read from its entry's channel
(``STRENGTH_OF_CHANNEL``): ``eds`` and ``egov_mobile`` -> ``certificate`` (the signer's NCA
key), ``web`` -> ``phone`` (a text-message code; the service's counts tell ``phone_of_iin``
apart, a number the mobile-citizens database links to the IIN, which the entries do not),
``partner`` -> ``partner``, ``paper`` -> ``paper``; ``withheld`` stays ``withheld`` (a group too
small to show its channel). No field was added: the entries' bytes are those of version 1.

Counts (``tally``)
==================
Per commitment, the last of its ``received`` / ``verified`` / ``decided`` / ``withdrawn`` entries
is its state (a ``verified`` is its decision):
``received`` = commitments received; ``counted`` / ``not_counted`` = those whose state is a
decision; ``withdrawn``; ``awaiting`` = received - counted - not_counted - withdrawn (queued
for an official's review). The petition's public counts map ``valid`` = counted, ``invalid`` =
not counted (see API.md for the signatures queued before the workers reach them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import sampling_draw

VERSION = 1
CHANNELS = ("web", "paper", "partner", "eds", "egov_mobile")
WITHHELD = "withheld"  # the channel of an entry in a group too small to show it
# What each channel proves of the signer (the docstring's "Identity"): recall.models.signatures
# keeps the same table for the signatures, with phone_of_iin beside phone.
STRENGTH_OF_CHANNEL = {
    "eds": "certificate",
    "egov_mobile": "certificate",
    "web": "phone",
    "partner": "partner",
    "paper": "paper",
    WITHHELD: WITHHELD,
}
GROUP_MIN = 10  # k: the smallest (channel, day) group an entry's labels may show
DRAW_V1 = "recall-draw/v1"
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")
_PARTY = re.compile(r"[\x20-\x7e]{1,64}")
_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z")
_STATE = re.compile(r"[a-z][a-z_]{0,31}")
_PERCENT = re.compile(r"(0|[1-9][0-9]{0,2})\.[0-9]{2}")


class EntryError(ValueError):
    """Bytes that are not a canonical version-1 entry, or a log whose entries contradict."""


# --- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    commitment: str
    channel: str
    day: str  # YYYY-MM-DD, local


@dataclass(frozen=True)
class Verified:
    """``Received`` and ``Decided`` in one entry (the verification batch's)."""

    commitment: str
    channel: str
    day: str  # YYYY-MM-DD, local
    counted: bool


@dataclass(frozen=True)
class Decided:
    commitment: str
    counted: bool


@dataclass(frozen=True)
class Withdrawn:
    commitment: str


@dataclass(frozen=True)
class StateChanged:
    from_state: str
    to_state: str
    at: str  # YYYY-MM-DDTHH:MMZ, UTC

    @classmethod
    def at_time(cls, from_state: str, to_state: str, when: dt.datetime) -> StateChanged:
        return cls(from_state, to_state, minute(when))


@dataclass(frozen=True)
class SampleDrawn:
    population_tree_size: int
    population: int
    size: int
    percent: str
    minimum: int
    seed: str
    procedure: dict[str, Any] = field(hash=False)
    draw: str = DRAW_V1


@dataclass(frozen=True)
class SampleFinding:
    commitment: str
    counted: bool
    duplicate: bool = False


@dataclass(frozen=True)
class Policy:
    required: int
    percent: str  # the sample's, "3.00"
    minimum: int
    sufficient_percent: str  # "110.00"
    insufficient_percent: str  # "95.00"


@dataclass(frozen=True)
class SeedCommitted:
    party: str
    hash: str  # 64 hex digits


@dataclass(frozen=True)
class BeaconFixed:
    chain: str  # 64 hex digits
    round: int


@dataclass(frozen=True)
class SeedRevealed:
    party: str
    reveal: str  # 64 hex digits


Event = (
    Received
    | Verified
    | Decided
    | Withdrawn
    | StateChanged
    | SampleDrawn
    | SampleFinding
    | Policy
    | SeedCommitted
    | BeaconFixed
    | SeedRevealed
)


def minute(when: dt.datetime) -> str:
    """An aware time as ``YYYY-MM-DDTHH:MMZ`` (UTC, seconds dropped)."""
    if when.tzinfo is None:
        raise EntryError("a state change's time must be aware")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


# --- encoding --------------------------------------------------------------------------------


def _fields(event: Event) -> dict[str, Any]:
    match event:
        case Received():
            return {"type": "received", "commitment": event.commitment, "channel": event.channel, "day": event.day}
        case Verified():
            return {
                "type": "verified",
                "commitment": event.commitment,
                "channel": event.channel,
                "day": event.day,
                "counted": event.counted,
            }
        case Decided():
            return {"type": "decided", "commitment": event.commitment, "counted": event.counted}
        case Withdrawn():
            return {"type": "withdrawn", "commitment": event.commitment}
        case StateChanged():
            return {"type": "state", "from": event.from_state, "to": event.to_state, "at": event.at}
        case SampleDrawn():
            return {
                "type": "sample",
                "population_tree_size": event.population_tree_size,
                "population": event.population,
                "size": event.size,
                "percent": event.percent,
                "minimum": event.minimum,
                "seed": event.seed,
                "procedure": event.procedure,
                "draw": event.draw,
            }
        case SampleFinding():
            return {
                "type": "finding",
                "commitment": event.commitment,
                "counted": event.counted,
                "duplicate": event.duplicate,
            }
        case Policy():
            return {
                "type": "policy",
                "required": event.required,
                "percent": event.percent,
                "minimum": event.minimum,
                "sufficient_percent": event.sufficient_percent,
                "insufficient_percent": event.insufficient_percent,
            }
        case SeedCommitted():
            return {"type": "seed_commitment", "party": event.party, "hash": event.hash}
        case BeaconFixed():
            return {"type": "beacon", "chain": event.chain, "round": event.round}
        case SeedRevealed():
            return {"type": "seed_reveal", "party": event.party, "reveal": event.reveal}
    raise EntryError(f"not a ledger event: {event!r}")


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def encode(event: Event) -> bytes:
    """The canonical bytes of ``event`` (validated: what we write, we can read)."""
    data = canonical_json({"v": VERSION, **_fields(event)})
    decode(data)
    return data


def decode(data: bytes) -> Event:
    """Parse and validate one entry; raises ``EntryError`` unless it is canonical version 1."""
    obj = _parse(data)
    if canonical_json(obj) != data:
        raise EntryError("not in canonical form")
    if obj.get("v") != VERSION or type(obj.get("v")) is not int:
        raise EntryError(f"unsupported entry version: {obj.get('v')!r}")
    kind = obj.get("type")
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise EntryError(f"unknown entry type: {kind!r}")
    keys, build = reader
    if set(obj) != {"v", "type", *keys}:
        raise EntryError(f"a {kind} entry has exactly the keys {sorted(keys)}")
    return build(obj)


def _parse(data: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise EntryError("duplicate key")
        return dict(pairs)

    def no_float(text: str) -> float:
        raise EntryError(f"no fractions in entries: {text}")

    try:
        obj = json.loads(data.decode("ascii"), object_pairs_hook=no_duplicates, parse_float=no_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EntryError(f"not ASCII JSON: {error}") from error
    if not isinstance(obj, dict):
        raise EntryError("an entry is a JSON object")
    return obj


# --- field checks ----------------------------------------------------------------------------


def _commitment(value: Any) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise EntryError(f"a commitment is 64 lowercase hex digits: {value!r}")
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise EntryError(f"expected true or false: {value!r}")
    return value


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise EntryError(f"expected a whole number: {value!r}")
    return value


def _day(value: Any) -> str:
    """A day ``YYYY-MM-DD`` or an ISO week ``YYYY-Www`` (a small group's, see "Small groups")."""
    if isinstance(value, str) and _WEEK.fullmatch(value):
        try:
            dt.date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
        except ValueError as error:
            raise EntryError(f"no such week: {value}") from error
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise EntryError(f"a day is YYYY-MM-DD or a week YYYY-Www: {value!r}")
    try:
        dt.date.fromisoformat(value)
    except ValueError as error:
        raise EntryError(f"no such day: {value}") from error
    return value


def _hex64(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise EntryError(f"{what} is 64 lowercase hex digits: {value!r}")
    return value


def _party(value: Any) -> str:
    if not isinstance(value, str) or not _PARTY.fullmatch(value):
        raise EntryError(f"a party's name is 1 to 64 printable ASCII characters: {value!r}")
    return value


def _percent(value: Any) -> str:
    if not isinstance(value, str) or not _PERCENT.fullmatch(value):
        raise EntryError(f"a percentage is a decimal string like 3.00: {value!r}")
    return value


def _minute(value: Any) -> str:
    if not isinstance(value, str) or not _MINUTE.fullmatch(value):
        raise EntryError(f"a time is YYYY-MM-DDTHH:MMZ: {value!r}")
    try:
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%MZ")
    except ValueError as error:
        raise EntryError(f"no such time: {value}") from error
    return value


def _state(value: Any) -> str:
    if not isinstance(value, str) or not _STATE.fullmatch(value):
        raise EntryError(f"not a state name: {value!r}")
    return value


def _read_received(o: dict[str, Any]) -> Received:
    if o["channel"] not in (*CHANNELS, WITHHELD):
        raise EntryError(f"unknown channel: {o['channel']!r}")
    day = _day(o["day"])
    if o["channel"] == WITHHELD and not _WEEK.fullmatch(day):
        raise EntryError("an entry that withholds its channel carries a week, not a day")
    return Received(_commitment(o["commitment"]), o["channel"], day)


def _read_verified(o: dict[str, Any]) -> Verified:
    received = _read_received(o)
    return Verified(received.commitment, received.channel, received.day, _bool(o["counted"]))


def _read_finding(o: dict[str, Any]) -> SampleFinding:
    finding = SampleFinding(_commitment(o["commitment"]), _bool(o["counted"]), _bool(o["duplicate"]))
    if finding.duplicate and finding.counted:
        raise EntryError("a counted signature is not a duplicate")
    return finding


def _read_policy(o: dict[str, Any]) -> Policy:
    policy = Policy(
        _count(o["required"]),
        _percent(o["percent"]),
        _count(o["minimum"]),
        _percent(o["sufficient_percent"]),
        _percent(o["insufficient_percent"]),
    )
    if Decimal(policy.insufficient_percent) > Decimal(policy.sufficient_percent):
        raise EntryError("the insufficient band is above the sufficient one")
    return policy


def _read_beacon(o: dict[str, Any]) -> BeaconFixed:
    round_ = _count(o["round"])
    if not 0 < round_ < 2**63:
        raise EntryError(f"a beacon round is a positive number: {round_}")
    return BeaconFixed(_hex64(o["chain"], "a beacon chain"), round_)


def _read_sample(o: dict[str, Any]) -> SampleDrawn:
    if o["draw"] != DRAW_V1:
        raise EntryError(f"unknown draw function: {o['draw']!r}")
    _percent(o["percent"])
    if not isinstance(o["seed"], str) or not _HEX64.fullmatch(o["seed"]):
        raise EntryError("a seed is 64 lowercase hex digits")
    sample = SampleDrawn(
        _count(o["population_tree_size"]),
        _count(o["population"]),
        _count(o["size"]),
        o["percent"],
        _count(o["minimum"]),
        o["seed"],
        o["procedure"],
        o["draw"],
    )
    try:
        seed = sampling_draw.seed_from_procedure(sample.procedure)
        expected_size = sampling_draw.sample_size(sample.population, sample.percent, sample.minimum)
    except ValueError as error:
        raise EntryError(f"invalid sample procedure: {error}") from error
    if seed.hex() != sample.seed:
        raise EntryError("the seed is not the one its procedure gives")
    if sample.size != expected_size:
        raise EntryError(f"a sample of {sample.population} at {sample.percent}% is {expected_size}")
    return sample


_READERS: dict[str, tuple[tuple[str, ...], Any]] = {
    "received": (("commitment", "channel", "day"), _read_received),
    "verified": (("commitment", "channel", "day", "counted"), _read_verified),
    "decided": (("commitment", "counted"), lambda o: Decided(_commitment(o["commitment"]), _bool(o["counted"]))),
    "withdrawn": (("commitment",), lambda o: Withdrawn(_commitment(o["commitment"]))),
    "state": (("from", "to", "at"), lambda o: StateChanged(_state(o["from"]), _state(o["to"]), _minute(o["at"]))),
    "sample": (
        ("population_tree_size", "population", "size", "percent", "minimum", "seed", "procedure", "draw"),
        _read_sample,
    ),
    "finding": (("commitment", "counted", "duplicate"), _read_finding),
    "policy": (("required", "percent", "minimum", "sufficient_percent", "insufficient_percent"), _read_policy),
    "seed_commitment": (("party", "hash"), lambda o: SeedCommitted(_party(o["party"]), _hex64(o["hash"], "a hash"))),
    "beacon": (("chain", "round"), _read_beacon),
    "seed_reveal": (("party", "reveal"), lambda o: SeedRevealed(_party(o["party"]), _hex64(o["reveal"], "a reveal"))),
}


# --- commitments -----------------------------------------------------------------------------

RECEIPT_PREFIX = b"recall-receipt/v1\x00"
PAPER_PREFIX = b"recall-paper/v1\x00"


def normalize_receipt(value: str) -> str:
    """A receipt as people type it (dashes, spaces, lower case, O for 0, I/L for 1) -> 12 characters."""
    text = re.sub(r"[\s\-]", "", value or "").upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(text) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in text):
        raise ValueError(f"a receipt is {RECEIPT_LENGTH} characters of {RECEIPT_ALPHABET}")
    return text


def _petition(petition_id: int) -> bytes:
    if type(petition_id) is not int or petition_id < 0:
        raise ValueError(f"a petition id is a whole number: {petition_id!r}")
    return str(petition_id).encode("ascii")


def receipt_commitment(petition_id: int, receipt: str) -> str:
    """The commitment of a signature with a receipt (hex)."""
    data = RECEIPT_PREFIX + _petition(petition_id) + b"\x00" + normalize_receipt(receipt).encode("ascii")
    return hashlib.sha256(data).hexdigest()


def new_paper_secret() -> bytes:
    """The secret behind a paper signature's commitment: keep it with the signature."""
    return secrets.token_bytes(32)


def paper_commitment(petition_id: int, secret: bytes) -> str:
    """The commitment of a paper signature (hex); reveals nothing without ``secret``."""
    if len(secret) != 32:
        raise ValueError("a paper secret is 32 random bytes")
    return hashlib.sha256(PAPER_PREFIX + _petition(petition_id) + b"\x00" + secret).hexdigest()


# --- counting --------------------------------------------------------------------------------


@dataclass
class Counts:
    received: int = 0
    counted: int = 0
    not_counted: int = 0
    withdrawn: int = 0

    @property
    def awaiting(self) -> int:
        return self.received - self.counted - self.not_counted - self.withdrawn


def signature_states(events: Iterable[Event]) -> dict[str, str]:
    """Each commitment's state (``received``, ``counted``, ``not_counted``, ``withdrawn``), in log order.

    Raises ``EntryError`` where the log contradicts itself: a second ``received``, a decision
    or withdrawal of a commitment never received, anything after a withdrawal.
    """
    states: dict[str, str] = {}
    for position, event in enumerate(events):
        if isinstance(event, Received | Verified):
            if event.commitment in states:
                raise EntryError(f"entry {position} receives a signature a second time")
            if isinstance(event, Verified):
                states[event.commitment] = "counted" if event.counted else "not_counted"
            else:
                states[event.commitment] = "received"
        elif isinstance(event, Decided | Withdrawn):
            state = states.get(event.commitment)
            if state is None or state == "withdrawn":
                raise EntryError(f"entry {position} refers to a signature {'withdrawn' if state else 'never received'}")
            if isinstance(event, Withdrawn):
                states[event.commitment] = "withdrawn"
            else:
                states[event.commitment] = "counted" if event.counted else "not_counted"
    return states


def tally(events: Iterable[Event]) -> Counts:
    """The counts a log's events give (see the module docstring)."""
    counts = Counts()
    for state in signature_states(events).values():
        counts.received += 1
        if state != "received":
            setattr(counts, state, getattr(counts, state) + 1)
    return counts


def counted_by_identity(events: Sequence[Event]) -> Counter:
    """The counted signatures by the identity their channel proved (the docstring's "Identity")."""
    channel_of: dict[str, str] = {}
    for event in events:
        if isinstance(event, Received | Verified):
            channel_of[event.commitment] = event.channel
    states = signature_states(events)
    return Counter(STRENGTH_OF_CHANNEL[channel_of[c]] for c, state in states.items() if state == "counted")


def population(events: Sequence[Event], tree_size: int) -> list[str]:
    """The sample's population: commitments received (a ``received`` or ``verified`` entry) among
    the first ``tree_size`` entries, less those withdrawn among them, in log order."""
    received: list[str] = []
    withdrawn: set[str] = set()
    for event in events[:tree_size]:
        if isinstance(event, Received | Verified):
            received.append(event.commitment)
        elif isinstance(event, Withdrawn):
            withdrawn.add(event.commitment)
    return [c for c in received if c not in withdrawn]


# --- small groups ----------------------------------------------------------------------------


def week_of(day: str) -> str:
    """The ISO week ``YYYY-Www`` of a day ``YYYY-MM-DD``."""
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Coarsening:
    """The labels (channel, day) of the next entries by the small-group rule (module docstring).

    ``by_day`` counts the signatures already in the log by their actual (channel, day): the
    service loads the days of the weeks it is about to write (recall.services.ledger.log)."""

    by_day: Counter = field(default_factory=Counter)

    def label(self, channel: str, day: str) -> tuple[str, str]:
        week = week_of(day)
        if self.by_day[(channel, day)] >= GROUP_MIN - 1:
            labels = (channel, day)
        elif sum(n for (c, d), n in self.by_day.items() if c == channel and week_of(d) == week) >= GROUP_MIN - 1:
            labels = (channel, week)
        else:
            labels = (WITHHELD, week)
        self.by_day[(channel, day)] += 1
        return labels
