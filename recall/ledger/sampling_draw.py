"""The verifiable sample: its seed procedures, the draw ``recall-draw/v1`` and the projection.

This docstring is the specification; ``tools/verify_ledger.py`` implements it again, byte for
byte, with the standard library only (a test holds the two equal).

Seed procedures (the ``procedure`` object of a ``sample`` entry)
================================================================
``{"kind": "beacon", "chain", "round", "signature", "parties": [{"commitment", "name", "reveal"}, ...],
"absent": [{"commitment", "name"}, ...]}``
    The service's procedure: nobody, the commission included, can choose the seed. Every party
    that wants a share (the commission, the initiative group, any accredited witness) draws 32
    random bytes ``reveal`` and publishes ``commitment`` (as below) in the ledger
    (``seed_commitment`` entries); a ``beacon`` entry then closes the commitments and fixes a
    drand round that does not exist yet (``chain`` its chain's hash, ``round``); each party
    reveals (``seed_reveal`` entries) before that round's time; once the round exists its
    ``signature`` (96 hex digits, BLS on G1, ``recall.ledger.beacon``) is in the procedure.
    ``parties`` are those that revealed in time, ``absent`` those that committed and did not;
    both listed by name (code-point order), names unique across the two.
    ``seed = SHA-256(b"recall-seed-beacon/v1\x00" || chain (32 bytes) || round (8 bytes
    big-endian) || SHA-256(signature) || name_1 || b"\x00" || reveal_1 || name_2 || ...)`` over
    ``parties`` in name order. Every choice a party has (to commit, what, to reveal or not) is
    made before the round's randomness exists, so none of them moves the seed's distribution;
    the parties' shares still protect the draw should the beacon's operators collude.

The two procedures below are kept so that older logs still read; they let whoever types the
digits, or reveals last, choose among seeds, and the verifier refuses them.

``{"kind": "dice", "digits": "<20 to 200 decimal digits>"}``
    Digits drawn in a public ceremony and typed in (for example 20 rolls of a ten-sided die, as
    risk-limiting audits do). ``seed = SHA-256(b"recall-seed-dice/v1\\x00" || digits in ASCII)``.

``{"kind": "commit-reveal", "parties": [{"commitment", "name", "reveal"}, ...]}``
    Two or more parties (the commission and the initiative group at least; any witness may
    join), listed by ``name`` in increasing code-point order, names unique, 1 to 64 printable
    ASCII characters. Each party draws 32 random bytes ``reveal`` and first publishes
    ``commitment = SHA-256(b"recall-seed-commit/v1\\x00" || name || b"\\x00" || reveal)``
    (the name is inside so nobody can copy another party's commitment); once every commitment
    is published, each reveals. Both are 64 lowercase hex digits in the entry.
    ``seed = SHA-256(b"recall-seed/v1\\x00" || name_1 || b"\\x00" || reveal_1 || name_2 || ...)``
    in the listed (name) order, so nobody can choose an order after seeing the reveals. A party
    that does not reveal stops the procedure; the commission then holds a dice ceremony.

The draw ``recall-draw/v1``: ``draw(seed, population, size)``
=============================================================
A partial Fisher-Yates shuffle of the positions ``0 .. population - 1`` driven by a SHA-256
counter stream, returning the first ``size`` positions in increasing order::

    counter = 0
    def uniform(bound):                 # an unbiased integer in [0, bound)
        limit = 2**64 - (2**64 % bound)
        loop:
            x = first 8 bytes, big-endian, of
                SHA-256(b"recall-draw/v1\\x00" || seed (32 bytes) || counter as 8 bytes big-endian)
            counter += 1
            if x < limit: return x % bound
    a = [0, 1, ..., population - 1]      # kept sparse in practice
    for i in 0 .. size - 1:
        j = i + uniform(population - i)
        swap a[i], a[j]
    return sorted(a[0:size])

A position is an index in the population (signatures received, in log order, see
``recall.ledger.entries``). Cost O(size), whatever the population.

Projection (California's rule)
==============================
``raw x valid / sample - duplicates x (raw / sample) x (raw / sample - 1)`` in decimal
arithmetic (28 significant digits), rounded half-even to two places. ``raw`` is the population.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

DRAW_PREFIX = b"recall-draw/v1\x00"
DICE_PREFIX = b"recall-seed-dice/v1\x00"
COMMIT_PREFIX = b"recall-seed-commit/v1\x00"
BEACON_PREFIX = b"recall-seed-beacon/v1\x00"
SEED_PREFIX = b"recall-seed/v1\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[\x20-\x7e]{1,64}")


# --- seeds -----------------------------------------------------------------------------------


def dice_seed(digits: str) -> bytes:
    if not re.fullmatch(r"[0-9]{20,200}", digits):
        raise ValueError("a dice ceremony gives 20 to 200 decimal digits")
    return hashlib.sha256(DICE_PREFIX + digits.encode("ascii")).digest()


def _party_name(name: Any) -> bytes:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"a party's name is 1 to 64 printable ASCII characters: {name!r}")
    return name.encode("ascii")


def party_commitment(name: str, reveal: bytes) -> str:
    """What a party publishes before anyone reveals (hex)."""
    if len(reveal) != 32:
        raise ValueError("a reveal is 32 random bytes")
    return hashlib.sha256(COMMIT_PREFIX + _party_name(name) + b"\x00" + reveal).hexdigest()


def commit_reveal_seed(parties: Sequence[tuple[str, bytes]]) -> bytes:
    """The seed from each party's ``(name, reveal)``, taken in name order."""
    ordered = sorted(parties, key=lambda p: p[0])
    if len(ordered) < 2 or len({name for name, _ in ordered}) != len(ordered):
        raise ValueError("commit-reveal needs two or more parties with distinct names")
    data = SEED_PREFIX
    for name, reveal in ordered:
        if len(reveal) != 32:
            raise ValueError("a reveal is 32 random bytes")
        data += _party_name(name) + b"\x00" + reveal
    return hashlib.sha256(data).digest()


def commit_reveal_procedure(parties: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
    """The ``procedure`` object for an entry, from each party's ``(name, reveal)``."""
    listed = [
        {"name": name, "commitment": party_commitment(name, reveal), "reveal": reveal.hex()}
        for name, reveal in sorted(parties, key=lambda p: p[0])
    ]
    return {"kind": "commit-reveal", "parties": listed}


def beacon_seed(chain: str, round_: int, signature: bytes, parties: Sequence[tuple[str, bytes]]) -> bytes:
    """The seed of a ``beacon`` procedure from the round and the reveals ``(name, reveal)``."""
    if not _HEX64.fullmatch(chain) or not 0 < round_ < 2**63 or len(signature) != 48:
        raise ValueError("a beacon round is a chain hash, a positive round and a 48-byte signature")
    data = BEACON_PREFIX + bytes.fromhex(chain) + round_.to_bytes(8, "big") + hashlib.sha256(signature).digest()
    ordered = sorted(parties, key=lambda p: p[0])
    if len({name for name, _ in ordered}) != len(ordered):
        raise ValueError("parties have distinct names")
    for name, reveal in ordered:
        if len(reveal) != 32:
            raise ValueError("a reveal is 32 random bytes")
        data += _party_name(name) + b"\x00" + reveal
    return hashlib.sha256(data).digest()


def beacon_procedure(
    chain: str,
    round_: int,
    signature: bytes,
    revealed: Sequence[tuple[str, bytes]],
    absent: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The ``procedure`` object: the round, the reveals ``(name, reveal)`` and the parties that
    committed and did not reveal in time ``(name, commitment)``."""
    return {
        "kind": "beacon",
        "chain": chain,
        "round": round_,
        "signature": signature.hex(),
        "parties": [
            {"name": name, "commitment": party_commitment(name, reveal), "reveal": reveal.hex()}
            for name, reveal in sorted(revealed, key=lambda p: p[0])
        ],
        "absent": [{"name": name, "commitment": c} for name, c in sorted(absent, key=lambda p: p[0])],
    }


def seed_from_procedure(procedure: Any) -> bytes:
    """Check a ``procedure`` object and derive its seed; raises ``ValueError`` if it is wrong.
    (A beacon round's signature is checked against its chain by the caller: recall.ledger.beacon.)"""
    if not isinstance(procedure, dict):
        raise ValueError("a procedure is an object")
    if procedure.get("kind") == "beacon" and set(procedure) == {
        "kind",
        "chain",
        "round",
        "signature",
        "parties",
        "absent",
    }:
        return _checked_beacon(procedure)
    if procedure.get("kind") == "dice" and set(procedure) == {"kind", "digits"}:
        if not isinstance(procedure["digits"], str):
            raise ValueError("digits are a string")
        return dice_seed(procedure["digits"])
    if procedure.get("kind") == "commit-reveal" and set(procedure) == {"kind", "parties"}:
        return _checked_commit_reveal(procedure["parties"])
    raise ValueError("a procedure is {kind: beacon, ...}, {kind: dice, digits} or {kind: commit-reveal, parties}")


def _checked_beacon(procedure: dict[str, Any]) -> bytes:
    chain, round_, signature = procedure["chain"], procedure["round"], procedure["signature"]
    if not (isinstance(chain, str) and _HEX64.fullmatch(chain)):
        raise ValueError("a chain is 64 lowercase hex digits")
    if type(round_) is not int or not 0 < round_ < 2**63:
        raise ValueError("a round is a positive whole number")
    if not (isinstance(signature, str) and re.fullmatch(r"[0-9a-f]{96}", signature)):
        raise ValueError("a round's signature is 96 lowercase hex digits")
    pairs = _checked_parties(procedure["parties"], minimum=0)
    absent = procedure["absent"]
    if not isinstance(absent, list) or not all(
        isinstance(p, dict) and set(p) == {"name", "commitment"} and isinstance(p["commitment"], str) for p in absent
    ):
        raise ValueError("absent parties are objects {name, commitment}")
    names = [p["name"] for p in absent]
    if names != sorted(names) or not all(_HEX64.fullmatch(p["commitment"]) for p in absent):
        raise ValueError("absent parties are listed by name, with their commitments")
    for name in names:
        _party_name(name)
    if len(set(names) | {n for n, _ in pairs}) != len(names) + len(pairs):
        raise ValueError("a party is listed once")
    return beacon_seed(chain, round_, bytes.fromhex(signature), pairs)


def _checked_parties(parties: Any, *, minimum: int) -> list[tuple[str, bytes]]:
    if not isinstance(parties, list) or not all(
        isinstance(p, dict) and set(p) == {"name", "commitment", "reveal"} for p in parties
    ):
        raise ValueError("parties are objects {name, commitment, reveal}")
    names = [p["name"] for p in parties]
    if names != sorted(names) or len(parties) < minimum:
        raise ValueError("parties are listed by name")
    pairs = []
    for party in parties:
        if not all(isinstance(party[k], str) and _HEX64.fullmatch(party[k]) for k in ("commitment", "reveal")):
            raise ValueError("a commitment and a reveal are 64 lowercase hex digits")
        reveal = bytes.fromhex(party["reveal"])
        if party_commitment(party["name"], reveal) != party["commitment"]:
            raise ValueError(f"the reveal of {party['name']} does not match its commitment")
        pairs.append((party["name"], reveal))
    return pairs


def _checked_commit_reveal(parties: Any) -> bytes:
    if not isinstance(parties, list) or not all(
        isinstance(p, dict) and set(p) == {"name", "commitment", "reveal"} for p in parties
    ):
        raise ValueError("parties are objects {name, commitment, reveal}")
    names = [p["name"] for p in parties]
    if names != sorted(names):
        raise ValueError("parties are listed by name")
    pairs = []
    for party in parties:
        if not all(isinstance(party[k], str) and _HEX64.fullmatch(party[k]) for k in ("commitment", "reveal")):
            raise ValueError("a commitment and a reveal are 64 lowercase hex digits")
        reveal = bytes.fromhex(party["reveal"])
        if party_commitment(party["name"], reveal) != party["commitment"]:
            raise ValueError(f"the reveal of {party['name']} does not match its commitment")
        pairs.append((party["name"], reveal))
    return commit_reveal_seed(pairs)


# --- the draw --------------------------------------------------------------------------------


def draw(seed: bytes, population: int, size: int) -> list[int]:
    """``recall-draw/v1``: ``size`` distinct positions of ``range(population)``, sorted."""
    if len(seed) != 32 or not 0 <= size <= population:
        raise ValueError("a draw takes a 32-byte seed and 0 <= size <= population")
    counter = 0

    def uniform(bound: int) -> int:
        nonlocal counter
        limit = (1 << 64) - ((1 << 64) % bound)  # reject the top sliver so every value is as likely
        while True:
            block = hashlib.sha256(DRAW_PREFIX + seed + counter.to_bytes(8, "big")).digest()
            counter += 1
            x = int.from_bytes(block[:8], "big")
            if x < limit:
                return x % bound

    moved: dict[int, int] = {}  # the shuffled array, only where it differs from a[i] = i
    chosen = []
    for i in range(size):
        j = i + uniform(population - i)
        chosen.append(moved.get(j, j))
        moved[j] = moved.get(i, i)
    return sorted(chosen)


def sample_size(population: int, percent: str | Decimal, minimum: int) -> int:
    """``percent`` of the population or ``minimum``, whichever is more, at most everyone."""
    share = math.ceil(Decimal(population) * Decimal(percent) / 100)
    return min(population, max(minimum, share))


def projection(*, raw: int, sample: int, valid: int, duplicates: int) -> Decimal:
    """California's projected number of valid signatures, rounded half-even to cents."""
    ratio = Decimal(raw) / Decimal(sample)
    projected = Decimal(raw) * Decimal(valid) / Decimal(sample) - duplicates * ratio * (ratio - 1)
    return projected.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
