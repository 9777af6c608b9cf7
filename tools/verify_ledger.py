#!/usr/bin/env python3
"""Verify a recall petition's public signature ledger yourself: one file, no access to any database.

    python3 verify_ledger.py BASE_URL PETITION_ID [--state DIR] [--evidence FILE]
                             [--witness NAME=VKEY ...] [--require-cosignatures K] [--max-age 2h]
                             [--vkey VKEY] [--receipt RECEIPT] [--summary SUMMARY.pdf] [--beacon-info FILE]
    python3 verify_ledger.py --check-evidence FILE [--vkey VKEY]

Needs Python 3.11 or newer, ``cryptography`` and, to check a random sample's beacon round,
``py-arkworks-bls12381`` (``pip install cryptography py-arkworks-bls12381``); it imports nothing
from the service. ``BASE_URL`` is the site, e.g. ``https://recall.example.kz``.

Use it with a memory and with witnesses, so that the commission itself cannot fool it:

    python3 verify_ledger.py https://recall.example.kz 17 --state ~/.recall-ledger \\
        --witness witness.example.org/recall=witness.example.org/recall+1a2b3c4d+BA... \\
        --witness observers.example.kz/w1=observers.example.kz/w1+5e6f7a8b+BA... --max-age 2h

What it checks, printing one line per check (``ok ...``), or the first discrepancy (``FAIL ...``):

1. the log's public key (``--vkey`` pins the one you got from elsewhere, e.g. the commission's
   notice; with ``--state`` the key seen on the first run is pinned from then on);
2. every checkpoint ever signed for the petition: the log's Ed25519 signature (C2SP signed-note
   and tlog-checkpoint), the origin (``.../<petition id>``) and every witness cosignature
   (C2SP tlog-cosignature, Ed25519 v1). Only witnesses you pin (``--witness NAME=VKEY``, the
   accredited list the commission publishes) count; ``--require-cosignatures K`` (default: all
   of the pinned) fails unless K of them cosigned the latest checkpoint, and ``--max-age``
   fails when their newest cosignature of it (or, with none pinned, its signing time) is older;
3. every entry, in order and without gaps, decoded strictly (canonical JSON, version 1), and
   the Merkle root (RFC 9162) recomputed at every checkpoint's size;
4. with ``--state DIR``: every signed checkpoint seen on earlier runs is kept there. A log that
   shrank below one of them, serves another root for one of their sizes, or whose entries no
   longer give one of their roots has signed two histories: an **equivocation**. It prints
   both signed notes, writes them (and the proof) with ``--evidence FILE`` (and in DIR), and
   exits 3. ``--check-evidence FILE`` checks such a file with the log's public key alone;
5. the counts (received, valid = counted, invalid = not counted, withdrawn, awaiting)
   recomputed from the entries and compared with the petition's public counts, the public state
   with the log's last state change, and the small-group rule of the entries' channel and day;
   it prints the valid ones by the identity their channel proved (``certificate`` for eds and
   egov_mobile, ``phone`` for web, ``partner``, ``paper``, ``withheld``: API.md, "Channels and
   identity");
6. the random sample, if one was drawn: the policy recorded at registration (percentage,
   minimum), the population cut at the ``submitted`` entry, every party's commitment published
   before the beacon round was fixed, the drand round's BLS signature (quicknet's key is built
   in; ``--beacon-info`` names another chain's ``/info``), every counted reveal and the beacon
   entry itself cosigned by a pinned witness (or seen by you) before the round existed, the
   seed, the members (``recall-draw/v1``), the findings and California's projection;
7. with ``--receipt``: the entries of your signature, found by the receipt's commitment, and an
   inclusion proof of each in the latest checkpoint;
8. with ``--summary``: the commission's certified summary PDF names a checkpoint the log signed,
   and its counts (and sample) are the ledger's at that checkpoint. (Its signature and RFC 3161
   timestamp are checked with pyHanko: ``pyhanko sign validate --pretty-print FILE``.)

Exit status: 0 when every check passed; 1 at the first discrepancy, or when the service cannot
be read; 2 for a wrong command line; 3 for an equivocation (proof that the log signed two
histories). ``--check-evidence`` exits 3 when the file proves an equivocation by itself, 4 when it
holds signed checkpoints the log must answer for (it shrank, or could not prove to a witness
that one extends the other: ask it for the consistency proof), 1 when it proves nothing.

The HTTP API it reads (JSON; hashes and entries in standard base64)
====================================================================
``GET /api/v1/ledger/key/`` -> ``{"key_name", "vkey"}``
``GET /api/v1/petitions/{id}/`` -> ``{"state", "counts": {"received", "valid", "invalid", "awaiting",
    "withdrawn", "queued", ...}, "ledger": {"origin", "size"}, "projection": null | {
    "raw_signatures", "sample_size", "valid_in_sample", "duplicates_in_sample",
    "projected_valid", "outcome", "seed", ...}, ...}``; ``ledger.size`` is the number of entries in
    the same snapshot as ``counts`` and ``state``; ``queued`` signatures are not yet in the ledger.
``GET /api/v1/petitions/{id}/ledger/`` -> the latest checkpoint: ``{"origin", "size",
    "root_hash", "checkpoint" (signed note), "signed_at", "cosignatures": [{"witness", "vkey",
    "signature" (a note signature line), "timestamp"}], "log_size"}``
``GET /api/v1/petitions/{id}/ledger/checkpoints/?page=N`` -> ``{"count", "next", "previous",
    "results": [checkpoint objects, oldest first]}``
``GET /api/v1/petitions/{id}/ledger/entries/?start=A&end=B`` -> ``{"entries": [{"index",
    "entry"}], "next"}`` (indexes A.. without gaps; possibly fewer than asked)
``GET /api/v1/petitions/{id}/ledger/proof/inclusion/?leaf_hash=H&tree_size=N`` ->
    ``{"leaf_index", "tree_size", "hashes"}``
``GET /api/v1/petitions/{id}/ledger/proof/consistency/?first=M&second=N`` ->
    ``{"first", "second", "hashes"}``

The entry format, the commitments, the small-group rule, the beacon and the draw are specified
in the service's ``recall/ledger/entries.py``, ``recall/ledger/beacon.py`` and
``recall/ledger/sampling_draw.py``; this file implements them again, independently.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import os
import re
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

USER_AGENT = "recall-verify-ledger/2"
TIMEOUT = 30
PAGE = 1000  # entries asked for per request
EMPTY_ROOT = hashlib.sha256(b"").digest()
DASH = "\u2014"
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_EQUIVOCATION, EXIT_ANSWERABLE = 0, 1, 2, 3, 4
EVIDENCE_FORMAT = "recall-ledger-evidence/v1"
GROUP_MIN = 10  # k of the small-group rule
CHANNELS = ("web", "paper", "partner", "eds", "egov_mobile")
WITHHELD = "withheld"
# What an entry's channel proved of the signer (recall/ledger/API.md, "Identity").
STRENGTH_OF_CHANNEL = {
    "eds": "certificate",
    "egov_mobile": "certificate",
    "web": "phone",
    "partner": "partner",
    "paper": "paper",
    WITHHELD: WITHHELD,
}

# drand "quicknet" (League of Entropy): bls-unchained-g1-rfc9380, pinned here, never fetched.
QUICKNET = {
    "hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "public_key": "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d"
    "1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    "genesis_time": 1692803367,
    "period": 3,
    "schemeID": "bls-unchained-g1-rfc9380",
}
DST_G1 = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"


class Discrepancy(Exception):
    """What the ledger and the service's figures disagree on (or what could not be read)."""


class Equivocation(Exception):
    """The log signed two histories: ``evidence`` proves it to anyone with the log's key."""

    def __init__(self, message: str, evidence: dict[str, Any]) -> None:
        super().__init__(message)
        self.evidence = evidence


def ok(message: str) -> None:
    print(f"ok    {message}", flush=True)


def warn(message: str) -> None:
    print(f"warn  {message}", flush=True)


# --- HTTP ------------------------------------------------------------------------------------


def get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise Discrepancy(f"GET {url} answered {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Discrepancy(f"cannot read {url}: {error}") from error


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise Discrepancy(f"{what} is not base64: {text!r}") from error


def field_of(obj: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Discrepancy(f"{what} has no valid {key!r}: {value!r}")
    return value


# --- Merkle tree (RFC 9162 section 2.1) ------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class RootBuilder:
    """The roots of complete subtrees of the leaves so far (one per 1 bit of the size)."""

    def __init__(self) -> None:
        self.size, self.stack = 0, []

    def append(self, leaf: bytes) -> None:
        h, n = leaf, self.size
        while n & 1:
            h, n = node_hash(self.stack.pop(), h), n >> 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 2.1.1) of a list of leaf hashes."""
    builder = RootBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(first, D[n]) from the leaf hashes (the evidence of a rewrite)."""

    def subproof(m: int, nodes: Sequence[bytes], complete: bool) -> list[bytes]:
        n = len(nodes)
        if m == n:
            return [] if complete else [tree_root(nodes)]
        k = 1 << ((n - 1).bit_length() - 1)  # the largest power of two below n
        if m <= k:
            return subproof(m, nodes[:k], complete) + [tree_root(nodes[k:])]
        return subproof(m - k, nodes[k:], False) + [tree_root(nodes[:k])]

    if not 0 < first < len(leaves):
        return []
    return subproof(first, leaves, True)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> bool:
    """RFC 9162 2.1.4.2: is the tree ``root2`` an append-only extension of ``root1``?

    Outside the RFC's ``0 < first < second``: equal sizes need an empty proof and equal roots;
    every tree extends the empty one (size 0, root ``SHA-256("")``) with an empty proof."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and root1 == EMPTY_ROOT and (second > 0 or root2 == EMPTY_ROOT)
    if first == second:
        return not proof and root1 == root2
    if not proof:
        return False
    path = ([root1] if first & (first - 1) == 0 else []) + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0


# --- signed notes, checkpoints, cosignatures (C2SP) ------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str
    alg: int  # 0x01 note signature, 0x04 cosignature/v1
    public: bytes

    @property
    def key_id(self) -> int:
        digest = hashlib.sha256(self.name.encode() + b"\n" + bytes([self.alg]) + self.public).digest()
        return int.from_bytes(digest[:4], "big")

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64(bytes([self.alg]) + self.public)}"


def parse_vkey(vkey: Any) -> Key:
    parts = vkey.split("+", 2) if isinstance(vkey, str) else []
    if len(parts) != 3 or not parts[0] or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Discrepancy(f"malformed verifier key: {vkey!r}")
    material = unb64(parts[2], "a verifier key")
    if len(material) != 33 or material[0] not in (1, 4):
        raise Discrepancy(f"not an Ed25519 verifier key: {vkey!r}")
    key = Key(parts[0], material[0], material[1:])
    if key.key_id != int(parts[1], 16):
        raise Discrepancy(f"the key ID of {vkey!r} does not match its key")
    return key


def parse_witness_pin(text: str) -> Key:
    """``NAME=VKEY`` (or a bare cosignature/v1 ``VKEY``): an accredited witness you trust."""
    name, sep, rest = text.partition("=")
    if sep and "+" not in name:  # a bare vkey's base64 may end in "=", but its name part has "+"
        key = parse_vkey(rest)
        if key.name != name:
            raise Discrepancy(f"the witness key {rest} is named {key.name!r}, not {name!r}")
    else:
        key = parse_vkey(text)
    if key.alg != 4:
        raise Discrepancy(f"a witness key is a cosignature/v1 (0x04) key: {text!r}")
    return key


def ed25519_ok(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_signature_line(line: Any) -> tuple[str, int, bytes]:
    text = line[:-1] if isinstance(line, str) and line.endswith("\n") else line
    parts = text.split(" ") if isinstance(text, str) else []
    if len(parts) != 3 or parts[0] != DASH or not parts[1] or "+" in parts[1]:
        raise Discrepancy(f"malformed signature line: {line!r}")
    raw = unb64(parts[2], "a signature")
    if len(raw) < 5:
        raise Discrepancy(f"signature too short: {line!r}")
    return parts[1], int.from_bytes(raw[:4], "big"), raw[4:]


def open_note(note: Any, log: Key) -> str:
    """The text of a note signed by ``log`` (other signatures ignored, per the spec)."""
    if not isinstance(note, str) or not note.endswith("\n") or any(ord(c) < 32 and c != "\n" for c in note):
        raise Discrepancy(f"malformed signed note: {note!r}")
    split = note.rfind("\n\n")
    if split < 0:
        raise Discrepancy("a signed note without signatures")
    text, lines = note[: split + 1], note[split + 2 :].split("\n")[:-1]
    verified = False
    for line in lines:
        name, key_id, signature = parse_signature_line(line)
        if (name, key_id) != (log.name, log.key_id):
            continue
        if not ed25519_ok(log.public, signature, text.encode()):
            raise Discrepancy(f"the log's signature on this checkpoint does not verify:\n{note}")
        verified = True
    if not verified:
        raise Discrepancy(f"this checkpoint is not signed by the log's key {log.name}+{log.key_id:08x}:\n{note}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str
    note: str  # the signed note, as served
    signed_at: str = ""
    # Pinned witnesses' verified cosignature times: name -> (earliest, latest).
    pinned_times: dict[str, tuple[int, int]] = field(default_factory=dict, hash=False, compare=False)
    unpinned: tuple[str, ...] = ()


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Discrepancy(f"malformed checkpoint: {text!r}")
    root = unb64(lines[2], "a root hash")
    if len(root) != 32 or b64(root) != lines[2]:
        raise Discrepancy(f"malformed root hash: {lines[2]!r}")
    return lines[0], int(lines[1]), root


def check_cosignature(text: str, item: Any, pinned: dict[str, Key]) -> tuple[str, int, bool]:
    """Verify one published cosignature; returns the witness's name, its time and whether you pinned it."""
    name = field_of(item, "witness", str, "a cosignature")
    key = parse_vkey(field_of(item, "vkey", str, "a cosignature"))
    if key.alg != 4 or key.name != name:
        raise Discrepancy(f"the key of witness {name} is not a cosignature/v1 key of that name")
    if name in pinned and pinned[name] != key:
        raise Discrepancy(f"the service publishes another key for witness {name} than the one you pinned")
    signer, key_id, signature = parse_signature_line(field_of(item, "signature", str, "a cosignature"))
    if (signer, key_id) != (key.name, key.key_id) or len(signature) != 72:
        raise Discrepancy(f"the cosignature of {name} is not by its published key")
    timestamp = struct.unpack(">Q", signature[:8])[0]
    message = f"cosignature/v1\ntime {timestamp}\n{text}".encode()
    if timestamp >= 2**63 or not ed25519_ok(key.public, signature[8:], message):
        raise Discrepancy(f"the cosignature of witness {name} does not verify on:\n{text}")
    return name, timestamp, name in pinned


def check_checkpoint(obj: Any, log: Key, origin: str, pinned: dict[str, Key]) -> Checkpoint:
    note = field_of(obj, "checkpoint", str, "a checkpoint")
    text = open_note(note, log)
    body_origin, size, root = parse_checkpoint(text)
    if body_origin != origin:
        raise Discrepancy(f"a checkpoint of another log ({body_origin!r}, expected {origin!r})")
    served = (obj.get("origin"), obj.get("size"), obj.get("root_hash"))
    if served != (origin, size, b64(root)):
        raise Discrepancy(f"a checkpoint's fields {served} differ from its signed text:\n{text}")
    times: dict[str, tuple[int, int]] = {}
    unpinned: set[str] = set()
    for item in field_of(obj, "cosignatures", list, "a checkpoint"):
        name, timestamp, is_pinned = check_cosignature(text, item, pinned)
        if not is_pinned:
            unpinned.add(name)
            continue
        first, last = times.get(name, (timestamp, timestamp))
        times[name] = (min(first, timestamp), max(last, timestamp))
    signed_at = obj.get("signed_at") if isinstance(obj.get("signed_at"), str) else ""
    return Checkpoint(origin, size, root, text, note, signed_at, times, tuple(sorted(unpinned)))


# --- entries (recall/ledger/entries.py, version 1) -------------------------------------------

HEX64 = re.compile(r"[0-9a-f]{64}")
PERCENT = re.compile(r"(0|[1-9][0-9]{0,2})\.[0-9]{2}")
PARTY = re.compile(r"[\x20-\x7e]{1,64}")
KEYS = {
    "received": {"commitment", "channel", "day"},
    "verified": {"commitment", "channel", "day", "counted"},  # received and decided, in one entry
    "decided": {"commitment", "counted"},
    "withdrawn": {"commitment"},
    "state": {"from", "to", "at"},
    "sample": {"population_tree_size", "population", "size", "percent", "minimum", "seed", "procedure", "draw"},
    "finding": {"commitment", "counted", "duplicate"},
    "policy": {"required", "percent", "minimum", "sufficient_percent", "insufficient_percent"},
    "seed_commitment": {"party", "hash"},
    "beacon": {"chain", "round"},
    "seed_reveal": {"party", "reveal"},
}


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def decode_entry(data: bytes) -> dict[str, Any]:
    """One entry as a dict, or ``ValueError`` if it is not canonical, valid version 1."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise ValueError("duplicate key")
        return dict(items)

    def no_float(text: str) -> Any:
        raise ValueError("a fraction")

    try:
        obj = json.loads(data.decode("ascii"), object_pairs_hook=pairs, parse_float=no_float)
    except UnicodeDecodeError as error:
        raise ValueError("not ASCII") from error
    if not isinstance(obj, dict) or canonical(obj) != data:
        raise ValueError("not canonical JSON")
    if obj.get("v") != 1 or type(obj.get("v")) is not int:
        raise ValueError(f"version {obj.get('v')!r}, this verifier reads version 1")
    kind = obj.get("type")
    if kind not in KEYS or set(obj) != {"v", "type", *KEYS[kind]}:
        raise ValueError(f"unknown type or keys: {sorted(obj)}")
    CHECKS[kind](obj)
    return obj


def need(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def is_bool(value: Any) -> bool:
    return type(value) is bool


def is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def check_day(value: Any, pattern: str, fmt: str) -> bool:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        return False
    try:
        dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def is_week(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-W[0-9]{2}", value):
        return False
    try:
        dt.date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
    except ValueError:
        return False
    return True


def week_of(day: str) -> str:
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def is_percent(value: Any) -> bool:
    return isinstance(value, str) and bool(PERCENT.fullmatch(value))


def check_sample_fields(o: dict[str, Any]) -> None:
    need(o["draw"] == "recall-draw/v1", "unknown draw function")
    need(is_percent(o["percent"]), "percent")
    need(all(is_count(o[k]) for k in ("population_tree_size", "population", "size", "minimum")), "numbers")
    need(isinstance(o["seed"], str) and bool(HEX64.fullmatch(o["seed"])), "seed")
    need(seed_from_procedure(o["procedure"]).hex() == o["seed"], "the seed is not the one its procedure gives")
    need(o["size"] == sample_size(o["population"], o["percent"], o["minimum"]), "the sample size breaks its rule")


def check_received_fields(o: dict[str, Any]) -> None:
    day_ok = check_day(o["day"], r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "%Y-%m-%d") or is_week(o["day"])
    need(
        bool(HEX64.fullmatch(str(o["commitment"]))) and o["channel"] in (*CHANNELS, WITHHELD) and day_ok,
        f"{o['type']} fields",
    )
    need(o["channel"] != WITHHELD or is_week(o["day"]), "a withheld channel goes with a week")


def check_verified_fields(o: dict[str, Any]) -> None:
    check_received_fields(o)
    need(is_bool(o["counted"]), "verified fields")


def check_policy_fields(o: dict[str, Any]) -> None:
    need(is_count(o["required"]) and is_count(o["minimum"]), "policy numbers")
    need(all(is_percent(o[k]) for k in ("percent", "sufficient_percent", "insufficient_percent")), "percentages")
    need(Decimal(o["insufficient_percent"]) <= Decimal(o["sufficient_percent"]), "bands in order")


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "received": check_received_fields,
    "verified": check_verified_fields,
    "decided": lambda o: need(bool(HEX64.fullmatch(str(o["commitment"]))) and is_bool(o["counted"]), "decided fields"),
    "withdrawn": lambda o: need(bool(HEX64.fullmatch(str(o["commitment"]))), "withdrawn fields"),
    "state": lambda o: need(
        all(isinstance(o[k], str) and re.fullmatch(r"[a-z][a-z_]{0,31}", o[k]) for k in ("from", "to"))
        and check_day(o["at"], r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z", "%Y-%m-%dT%H:%MZ"),
        "state fields",
    ),
    "sample": check_sample_fields,
    "finding": lambda o: need(
        bool(HEX64.fullmatch(str(o["commitment"])))
        and is_bool(o["counted"])
        and is_bool(o["duplicate"])
        and not (o["counted"] and o["duplicate"]),
        "finding fields",
    ),
    "policy": check_policy_fields,
    "seed_commitment": lambda o: need(
        isinstance(o["party"], str) and bool(PARTY.fullmatch(o["party"])) and bool(HEX64.fullmatch(str(o["hash"]))),
        "seed commitment fields",
    ),
    "beacon": lambda o: need(
        bool(HEX64.fullmatch(str(o["chain"]))) and is_count(o["round"]) and 0 < o["round"] < 2**63, "beacon fields"
    ),
    "seed_reveal": lambda o: need(
        isinstance(o["party"], str) and bool(PARTY.fullmatch(o["party"])) and bool(HEX64.fullmatch(str(o["reveal"]))),
        "seed reveal fields",
    ),
}


def receipt_commitment(petition_id: int, receipt: str) -> str:
    text = re.sub(r"[\s\-]", "", receipt).upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if not re.fullmatch(r"[0-9ABCDEFGHJKMNPQRSTVWXYZ]{12}", text):
        raise ValueError("a receipt is 12 characters such as 7KQ2-M9XD-3FRA")
    return hashlib.sha256(b"recall-receipt/v1\x00" + str(petition_id).encode() + b"\x00" + text.encode()).hexdigest()


# --- the sample (recall/ledger/sampling_draw.py, recall/ledger/beacon.py) ----------------------


def party_commitment(name: str, reveal: bytes) -> str:
    return hashlib.sha256(b"recall-seed-commit/v1\x00" + name.encode() + b"\x00" + reveal).hexdigest()


def checked_parties(parties: Any) -> list[tuple[str, bytes]]:
    need(isinstance(parties, list), "parties are a list")
    need(all(isinstance(p, dict) and set(p) == {"name", "commitment", "reveal"} for p in parties), "party fields")
    names = [p["name"] for p in parties]
    need(names == sorted(names) and len(set(names)) == len(names), "parties by distinct name")
    pairs = []
    for p in parties:
        need(isinstance(p["name"], str) and bool(PARTY.fullmatch(p["name"])), "a party's name")
        need(all(isinstance(p[k], str) and HEX64.fullmatch(p[k]) for k in ("commitment", "reveal")), "hex values")
        reveal = bytes.fromhex(p["reveal"])
        need(party_commitment(p["name"], reveal) == p["commitment"], f"the reveal of {p['name']} does not match")
        pairs.append((p["name"], reveal))
    return pairs


def seed_from_procedure(procedure: Any) -> bytes:
    need(isinstance(procedure, dict), "a procedure is an object")
    kind = procedure.get("kind")
    if kind == "beacon":
        need(set(procedure) == {"kind", "chain", "round", "signature", "parties", "absent"}, "beacon procedure fields")
        chain, round_, signature = procedure["chain"], procedure["round"], procedure["signature"]
        need(isinstance(chain, str) and bool(HEX64.fullmatch(chain)), "a chain hash")
        need(is_count(round_) and 0 < round_ < 2**63, "a round")
        need(isinstance(signature, str) and bool(re.fullmatch(r"[0-9a-f]{96}", signature)), "a round's signature")
        pairs = checked_parties(procedure["parties"])
        absent = procedure["absent"]
        need(isinstance(absent, list), "absent parties are a list")
        need(all(isinstance(p, dict) and set(p) == {"name", "commitment"} for p in absent), "absent party fields")
        names = [p["name"] for p in absent]
        need(names == sorted(names), "absent parties by name")
        need(all(isinstance(p["name"], str) and PARTY.fullmatch(p["name"]) for p in absent), "absent names")
        need(all(isinstance(p["commitment"], str) and HEX64.fullmatch(p["commitment"]) for p in absent), "hex")
        need(len(set(names) | {n for n, _ in pairs}) == len(names) + len(pairs), "a party is listed once")
        data = b"recall-seed-beacon/v1\x00" + bytes.fromhex(chain) + round_.to_bytes(8, "big")
        data += hashlib.sha256(bytes.fromhex(signature)).digest()
        for name, reveal in pairs:
            data += name.encode() + b"\x00" + reveal
        return hashlib.sha256(data).digest()
    if kind == "dice" and set(procedure) == {"kind", "digits"}:
        digits = procedure["digits"]
        need(isinstance(digits, str) and bool(re.fullmatch(r"[0-9]{20,200}", digits)), "dice digits")
        return hashlib.sha256(b"recall-seed-dice/v1\x00" + digits.encode()).digest()
    need(kind == "commit-reveal", "unknown seed procedure")
    need(set(procedure) == {"kind", "parties"}, "commit-reveal fields")
    pairs = checked_parties(procedure["parties"])
    need(len(pairs) >= 2, "two or more parties")
    data = b"recall-seed/v1\x00"
    for name, reveal in pairs:
        data += name.encode() + b"\x00" + reveal
    return hashlib.sha256(data).digest()


def verify_beacon_round(chain: dict[str, Any], round_: int, signature: bytes) -> None:
    """drand's bls-unchained-g1-rfc9380: e(sig, g2) == e(H(SHA-256(round)), public key)."""
    message = hashlib.sha256(round_.to_bytes(8, "big")).digest()
    try:
        from py_arkworks_bls12381 import GT, G1Point, G2Point
    except ImportError:
        GT = None
    if GT is not None:
        try:
            point = G1Point.from_compressed_bytes(signature)
            key = G2Point.from_compressed_bytes(bytes.fromhex(chain["public_key"]))
        except Exception as error:
            raise Discrepancy(f"the beacon round's signature or key is malformed: {error}") from error
        if GT.pairing_check([point, -G1Point.hash_to_curve(message, DST_G1)], [G2Point(), key]):
            return
        raise Discrepancy(f"the signature of beacon round {round_} does not verify under chain {chain['hash']}")
    try:  # the pure-Python fallback (0.2 s a round)
        from py_ecc.bls.hash_to_curve import hash_to_G1
        from py_ecc.bls.point_compression import decompress_G1, decompress_G2
        from py_ecc.optimized_bls12_381 import FQ12, G2, final_exponentiate, neg, pairing
    except ImportError as error:
        raise Discrepancy(
            "checking the sample's beacon round needs a BLS12-381 library: pip install py-arkworks-bls12381"
        ) from error
    key = bytes.fromhex(chain["public_key"])
    point = decompress_G1(int.from_bytes(signature, "big"))
    public = decompress_G2((int.from_bytes(key[:48], "big"), int.from_bytes(key[48:], "big")))
    product = pairing(G2, point, final_exponentiate=False) * pairing(
        public, neg(hash_to_G1(message, DST_G1, hashlib.sha256)), final_exponentiate=False
    )
    if final_exponentiate(product) != FQ12.one():
        raise Discrepancy(f"the signature of beacon round {round_} does not verify under chain {chain['hash']}")


def draw(seed: bytes, population: int, size: int) -> list[int]:
    """recall-draw/v1: a partial Fisher-Yates shuffle driven by SHA-256(prefix || seed || counter)."""
    need(len(seed) == 32 and 0 <= size <= population, "draw arguments")
    counter = 0

    def uniform(bound: int) -> int:
        nonlocal counter
        limit = (1 << 64) - ((1 << 64) % bound)
        while True:
            block = hashlib.sha256(b"recall-draw/v1\x00" + seed + counter.to_bytes(8, "big")).digest()
            counter += 1
            x = int.from_bytes(block[:8], "big")
            if x < limit:
                return x % bound

    moved: dict[int, int] = {}
    chosen = []
    for i in range(size):
        j = i + uniform(population - i)
        chosen.append(moved.get(j, j))
        moved[j] = moved.get(i, i)
    return sorted(chosen)


def sample_size(population: int, percent: str, minimum: int) -> int:
    return min(population, max(minimum, math.ceil(Decimal(population) * Decimal(percent) / 100)))


def projection(raw: int, sample: int, valid: int, duplicates: int) -> Decimal:
    ratio = Decimal(raw) / Decimal(sample)
    projected = Decimal(raw) * Decimal(valid) / Decimal(sample) - duplicates * ratio * (ratio - 1)
    return projected.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def outcome(projected: Decimal, required: int, sufficient: str, insufficient: str) -> str:
    if projected * 100 > required * Decimal(sufficient):
        return "sufficient"
    if projected * 100 < required * Decimal(insufficient):
        return "insufficient"
    return "full_check"


# --- the checks ------------------------------------------------------------------------------


@dataclass
class Ledger:
    base: str
    petition: int
    log: Key
    pinned: dict[str, Key]
    detail: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    latest: Checkpoint | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)
    entries: list[bytes] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    memory: Memory | None = None

    def url(self, path: str, **query: Any) -> str:
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return f"{self.base}/api/v1/petitions/{self.petition}/{path}{suffix}"


def fetch_log_key(base: str, pinned_vkey: str | None, remembered: str | None) -> Key:
    served = get_json(f"{base}/api/v1/ledger/key/")
    key = parse_vkey(field_of(served, "vkey", str, "the log key"))
    if key.alg != 1 or served.get("key_name") != key.name:
        raise Discrepancy(f"the log key {served!r} is not an Ed25519 note key named key_name")
    if pinned_vkey is not None and parse_vkey(pinned_vkey) != key:
        raise Discrepancy(f"the service publishes the log key {served['vkey']}, not the one you pinned")
    if remembered is not None and parse_vkey(remembered) != key:
        raise Discrepancy(
            f"the service publishes the log key {served['vkey']}, not {remembered} that it used on your "
            "earlier runs (a new key can sign a new history: ask the commission why it changed)"
        )
    how = (
        " (pinned)" if pinned_vkey else " (as on your earlier runs)" if remembered else " (as the service publishes it)"
    )
    ok(f"log key {served['vkey']}{how}")
    return key


def fetch_detail(ledger: Ledger) -> None:
    detail = get_json(ledger.url(""))
    ledger.detail = detail
    published = field_of(detail, "ledger", dict, "the petition")
    ledger.origin = field_of(published, "origin", str, "the petition's ledger")
    field_of(published, "size", int, "the petition's ledger")
    if ledger.origin.rsplit("/", 1)[-1] != str(ledger.petition):
        raise Discrepancy(f"the ledger's origin {ledger.origin!r} does not name petition {ledger.petition}")


def fetch_checkpoints(ledger: Ledger) -> None:
    latest_obj = get_json(ledger.url("ledger/"))
    ledger.latest = check_checkpoint(latest_obj, ledger.log, ledger.origin, ledger.pinned)
    url: str | None = ledger.url("ledger/checkpoints/")
    while url:
        page = get_json(url)
        results = field_of(page, "results", list, "the checkpoint history")
        ledger.checkpoints += [check_checkpoint(o, ledger.log, ledger.origin, ledger.pinned) for o in results]
        url = urllib.parse.urljoin(url, page["next"]) if page.get("next") else None
    sizes = [c.size for c in ledger.checkpoints]
    if sizes != sorted(sizes):
        raise Discrepancy(f"the checkpoint history is not in growing order: {sizes}")
    if ledger.latest.text not in {c.text for c in ledger.checkpoints}:
        raise Discrepancy("the latest checkpoint is missing from the checkpoint history")
    if ledger.latest.size != sizes[-1]:
        raise Discrepancy(f"the latest checkpoint has size {ledger.latest.size}; the history goes to {sizes[-1]}")
    ok(f"{len(ledger.checkpoints)} checkpoints of {ledger.origin} signed by the log; their cosignatures verify")


def check_witnesses(ledger: Ledger, required: int, max_age: int | None) -> None:
    """Only the witnesses you pinned count; K of them must have cosigned the latest checkpoint."""
    latest = ledger.latest
    assert latest is not None
    names = sorted(latest.pinned_times)
    if latest.unpinned:
        warn(
            f"cosignatures by witnesses you did not pin are not counted: {list(latest.unpinned)} (a key the "
            "service publishes proves nothing; pin the commission's accredited witnesses with --witness NAME=VKEY)"
        )
    if len(names) < required:
        raise Discrepancy(
            f"the latest checkpoint (size {latest.size}) is cosigned by {len(names)} of the witnesses you pinned "
            f"({names}), {required} required: a view the witnesses have not seen (a split view), or a checkpoint "
            "signed seconds ago (the service pushes each to its witnesses at once: run again in a minute)"
        )
    if ledger.pinned:
        ok(f"latest checkpoint: size {latest.size}, cosigned by {len(names)} pinned witness(es) {names}")
    else:
        warn(f"latest checkpoint: size {latest.size}; no witness pinned, so nothing shows others see this log")
    if max_age is not None:
        if names:
            newest = max(last for _, last in latest.pinned_times.values())
            what = "its newest cosignature by a pinned witness"
        else:
            try:
                newest = int(dt.datetime.fromisoformat(latest.signed_at.replace("Z", "+00:00")).timestamp())
            except ValueError as error:
                raise Discrepancy(
                    f"the latest checkpoint's signing time is unreadable: {latest.signed_at!r}"
                ) from error
            what = "its signing time (as the service says; pin witnesses for a time the service cannot set)"
        age = int(time.time()) - newest
        if age > max_age:
            raise Discrepancy(
                f"the latest checkpoint is stale: {what} is {age} s old, more than --max-age {max_age} s "
                "(a service can freeze the view it shows you)"
            )
        ok(f"the latest checkpoint is fresh: {what} is {max(age, 0)} s old")


def fetch_entries(ledger: Ledger, end: int) -> None:
    out: list[bytes] = []
    while len(out) < end:
        page = get_json(ledger.url("ledger/entries/", start=len(out), end=min(end, len(out) + PAGE)))
        items = field_of(page, "entries", list, "an entries page")
        if not items:
            raise Discrepancy(f"the service serves {len(out)} entries, but its checkpoints and counts cover {end}")
        for item in items[: end - len(out)]:
            index = item.get("index") if isinstance(item, dict) else None
            if index != len(out):
                raise Discrepancy(f"the entries jump from index {len(out) - 1} to {index}: entry {len(out)} is missing")
            out.append(unb64(item.get("entry"), f"entry {index}"))
    ledger.entries = out
    for index, data in enumerate(out):
        try:
            ledger.events.append(decode_entry(data))
        except ValueError as error:
            raise Discrepancy(f"entry {index} is not a valid entry ({error}): {data[:200]!r}") from error
    ok(f"{len(out)} entries read, in order, each a canonical version-1 entry")


def check_roots(ledger: Ledger) -> None:
    by_size: dict[int, set[bytes]] = {}
    for checkpoint in ledger.checkpoints:
        by_size.setdefault(checkpoint.size, set()).add(checkpoint.root)
    for size, roots in by_size.items():
        if len(roots) > 1:
            notes = [c.note for c in ledger.checkpoints if c.size == size][:2]
            raise Equivocation(
                f"the log serves two signed roots for size {size}",
                evidence(ledger, "two-roots", notes, f"two roots signed for size {size}"),
            )
    builder = RootBuilder()
    for size in sorted(by_size):
        while builder.size < size:
            builder.append(leaf_hash(ledger.entries[builder.size]))
        root = builder.root()
        if by_size[size] != {root}:
            raise Discrepancy(
                f"the entries do not give the signed root at size {size}: computed {b64(root)}, "
                f"signed {sorted(b64(r) for r in by_size[size])} (an entry up to {size - 1} was altered, "
                "removed or inserted)"
            )
    ok(f"the root recomputed from the entries matches every checkpoint ({len(by_size)} sizes)")


def check_consistency(ledger: Ledger, first: Checkpoint | None = None) -> None:
    """The service's own consistency proof from ``first`` (default: its first checkpoint) to the latest."""
    assert ledger.latest is not None
    first = first or next((c for c in ledger.checkpoints if c.size > 0), None)
    if first is None or first.size >= ledger.latest.size:
        return
    served = get_json(ledger.url("ledger/proof/consistency/", first=first.size, second=ledger.latest.size))
    proof = [unb64(h, "a proof hash") for h in field_of(served, "hashes", list, "a consistency proof")]
    if not verify_consistency(first.size, ledger.latest.size, proof, first.root, ledger.latest.root):
        raise Discrepancy(f"the service's consistency proof from {first.size} to {ledger.latest.size} does not verify")
    ok(f"the service's consistency proof from size {first.size} to {ledger.latest.size} verifies")


# --- memory (--state) and equivocation -------------------------------------------------------


class Memory:
    """The signed checkpoints of one log seen on earlier runs (DIR/<sha256 of origin>.json)."""

    def __init__(self, folder: str, origin: str) -> None:
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        self.path = os.path.join(folder, hashlib.sha256(origin.encode()).hexdigest() + ".json")
        self.origin = origin
        self.data: dict[str, Any] = {"origin": origin, "log_vkey": None, "checkpoints": []}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as file:
                self.data = json.load(file)

    @staticmethod
    def remembered_key(folder: str | None, origin: str) -> str | None:
        if not folder:
            return None
        path = os.path.join(folder, hashlib.sha256(origin.encode()).hexdigest() + ".json")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as file:
            return json.load(file).get("log_vkey")

    def held(self, log: Key) -> list[Checkpoint]:
        """The notes held, re-verified (a state file is no more trusted than the service)."""
        out = []
        for item in self.data["checkpoints"]:
            text = open_note(item["note"], log)
            origin, size, root = parse_checkpoint(text)
            if origin != self.origin:
                raise Discrepancy(f"{self.path} holds a checkpoint of another log: {origin}")
            out.append(Checkpoint(origin, size, root, text, item["note"], item.get("first_seen", "")))
        return out

    def first_seen(self) -> dict[int, float]:
        """When you first saw each size (your clock): what you saw before a round existed counts."""
        seen = {}
        for item in self.data["checkpoints"]:
            size = parse_checkpoint(item["note"][: item["note"].rfind("\n\n") + 1])[1]
            seen[size] = min(seen.get(size, math.inf), float(item.get("seen_at", math.inf)))
        return seen

    def remember(self, log: Key, checkpoints: Sequence[Checkpoint]) -> int:
        known = {item["note"] for item in self.data["checkpoints"]}
        now = time.time()
        new = [c for c in checkpoints if c.note not in known]
        for checkpoint in new:
            self.data["checkpoints"].append({"note": checkpoint.note, "seen_at": now})
        self.data["log_vkey"] = log.vkey
        self.save(self.path, self.data)
        return len(new)

    def keep_evidence(self, evidence: dict[str, Any]) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = os.path.join(
            self.folder, f"evidence-{hashlib.sha256(self.origin.encode()).hexdigest()[:12]}-{stamp}.json"
        )
        self.save(path, evidence)
        return path

    @staticmethod
    def save(path: str, data: Any) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
        os.replace(file.name, path)  # never a half-written memory


def evidence(ledger: Ledger, kind: str, notes: list[str], summary: str, **extra: Any) -> dict[str, Any]:
    return {
        "format": EVIDENCE_FORMAT,
        "kind": kind,
        "origin": ledger.origin,
        "log_vkey": ledger.log.vkey,
        "notes": notes,
        "summary": summary,
        "observed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "service": ledger.base,
        **extra,
    }


def check_memory(ledger: Ledger) -> None:
    """Everything signed that you saw before must still hold: same roots, only growth."""
    memory = ledger.memory
    assert memory is not None and ledger.latest is not None
    held = memory.held(ledger.log)
    if not held:
        ok(f"no earlier checkpoint of {ledger.origin} in your memory: this run's are the first")
        return
    served_by_size = {c.size: c for c in ledger.checkpoints}
    for old in held:
        new = served_by_size.get(old.size)
        if new is not None and new.root != old.root:
            raise Equivocation(
                f"the log signed two roots for size {old.size}: the one you saw earlier and the one it serves now",
                evidence(ledger, "two-roots", [old.note, new.note], f"two roots signed for size {old.size}"),
            )
    leaves = [leaf_hash(e) for e in ledger.entries[: ledger.latest.size]]
    for old in sorted(held, key=lambda c: c.size):
        if old.size > ledger.latest.size:
            continue
        prefix_root = tree_root(leaves[: old.size])
        if prefix_root != old.root:
            proof = consistency_proof(old.size, leaves)
            raise Equivocation(
                f"the log's tree of size {ledger.latest.size} does not extend the checkpoint of size {old.size} "
                "you saw earlier: entries before it were changed, removed or inserted and every checkpoint "
                "re-signed",
                evidence(
                    ledger,
                    "rewritten-prefix",
                    [old.note, ledger.latest.note],
                    f"the tree of size {ledger.latest.size} has another first {old.size} entries",
                    prefix_root=b64(prefix_root),
                    consistency_proof=[b64(h) for h in proof],
                ),
            )
    largest = max(held, key=lambda c: c.size)
    if largest.size > ledger.latest.size:
        raise Equivocation(
            f"the log shrank: you saw a checkpoint of size {largest.size}, it now serves {ledger.latest.size} as its "
            "latest (signed entries were removed)",
            evidence(
                ledger,
                "rollback",
                [largest.note, ledger.latest.note],
                f"signed size {largest.size}, now serves {ledger.latest.size}",
            ),
        )
    missing = sorted({c.size for c in held} - set(served_by_size))
    if missing:
        raise Discrepancy(f"the service no longer lists the checkpoints of sizes {missing} that you saw earlier")
    ok(
        f"consistent with the {len(held)} checkpoint(s) in your memory (largest size {largest.size}): "
        f"only appended to since"
    )
    check_consistency(ledger, largest)


def print_equivocation(error: Equivocation) -> None:
    print(f"EQUIVOCATION  {error}", flush=True)
    for index, note in enumerate(error.evidence["notes"]):
        print(f"--- signed note {index + 1} ---\n{note}", end="", flush=True)
    print("--- end ---", flush=True)


def check_evidence(path: str, pinned_vkey: str | None) -> int:
    """Check an evidence file with the log's public key alone: 3 if it proves an equivocation, 4 if
    it holds signed checkpoints the log must answer for (a rollback, a proof it could not give)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        if not isinstance(data, dict) or data.get("format") != EVIDENCE_FORMAT:
            raise Discrepancy(f"{path} is not {EVIDENCE_FORMAT} evidence")
        log = parse_vkey(pinned_vkey or data.get("log_vkey"))
        if log.alg != 1:
            raise Discrepancy("the log key is an Ed25519 note key")
        if pinned_vkey is None:
            warn(f"checked with the log key in the file, {log.vkey}: compare it with the one the commission publishes")
        notes = data.get("notes")
        if not isinstance(notes, list) or len(notes) != 2:
            raise Discrepancy("evidence holds two signed notes")
        (origin_a, size_a, root_a), (origin_b, size_b, root_b) = (parse_checkpoint(open_note(n, log)) for n in notes)
        ok(f"both notes are signed by the log's key {log.name}+{log.key_id:08x}")
        if origin_a != origin_b:
            raise Discrepancy(f"the notes are of two logs: {origin_a}, {origin_b}")
        kind = data.get("kind")
        if kind == "two-roots":
            if size_a != size_b or root_a == root_b:
                raise Discrepancy("two-roots evidence holds two notes of one size with different roots")
            print(f"PROVEN  the log {origin_a} signed two different trees of size {size_a}", flush=True)
            return EXIT_EQUIVOCATION
        if kind == "rewritten-prefix":
            prefix = unb64(data.get("prefix_root"), "prefix_root")
            proof = [unb64(h, "a proof hash") for h in field_of(data, "consistency_proof", list, "evidence")]
            if not size_a < size_b or prefix == root_a:
                raise Discrepancy("rewritten-prefix evidence holds a smaller note and another root for its size")
            if not verify_consistency(size_a, size_b, proof, prefix, root_b):
                raise Discrepancy("the consistency proof in the evidence does not verify")
            print(
                f"PROVEN  the log {origin_a} signed a tree of size {size_b} whose first {size_a} entries have root "
                f"{b64(prefix)}, and earlier a tree of size {size_a} with root {b64(root_a)}: two histories",
                flush=True,
            )
            return EXIT_EQUIVOCATION
        if kind == "rollback":
            if not size_a > size_b:
                raise Discrepancy("rollback evidence holds a larger note first")
            print(
                f"SIGNED  the log {origin_a} signed a tree of {size_a} entries (root {b64(root_a)}) and later served "
                f"{size_b} as its latest. Ask it for a consistency proof from {size_b} to {size_a} (or the entries up "
                f"to {size_a}): a log that removed signed entries cannot give one",
                flush=True,
            )
            return EXIT_ANSWERABLE
        if kind == "unproven-extension":
            proof = [unb64(h, "a proof hash") for h in field_of(data, "consistency_proof", list, "evidence")]
            if not size_a < size_b or verify_consistency(size_a, size_b, proof, root_a, root_b):
                raise Discrepancy("unproven-extension evidence holds a smaller note first and a proof that fails")
            print(
                f"SIGNED  the log {origin_a} signed trees of {size_a} (root {b64(root_a)}) and {size_b} entries "
                f"(root {b64(root_b)}) and could not prove to a witness that the second extends the first. Ask it "
                f"for a consistency proof from {size_a} to {size_b}: if it rewrote its history, none exists",
                flush=True,
            )
            return EXIT_ANSWERABLE
        raise Discrepancy(f"unknown kind of evidence: {kind!r}")
    except (Discrepancy, OSError, ValueError) as error:
        print(f"FAIL  {error}", flush=True)
        return EXIT_FAIL


# --- counts, state, small groups -------------------------------------------------------------


def signature_states(events: Sequence[dict[str, Any]]) -> dict[str, str]:
    states: dict[str, str] = {}
    for index, event in enumerate(events):
        kind, commitment = event["type"], event.get("commitment")
        if kind in ("received", "verified"):
            if commitment in states:
                raise Discrepancy(f"entry {index} receives signature {commitment[:12]}... a second time")
            if kind == "verified":
                states[commitment] = "counted" if event["counted"] else "not_counted"
            else:
                states[commitment] = "received"
        elif kind in ("decided", "withdrawn"):
            if states.get(commitment, "withdrawn") == "withdrawn":
                raise Discrepancy(f"entry {index} {kind} a signature that was never received or was withdrawn")
            decided = "counted" if event.get("counted") else "not_counted"
            states[commitment] = "withdrawn" if kind == "withdrawn" else decided
    return states


def tally(events: Sequence[dict[str, Any]]) -> dict[str, int]:
    states = list(signature_states(events).values())
    return {
        "received": len(states),
        "valid": states.count("counted"),
        "invalid": states.count("not_counted"),
        "withdrawn": states.count("withdrawn"),
        "awaiting": states.count("received"),
    }


def counted_by_identity(events: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The counted signatures by what their entry's channel proved of the signer."""
    channel_of = {e["commitment"]: e["channel"] for e in events if e["type"] in ("received", "verified")}
    found: Counter = Counter()
    for commitment, state in signature_states(events).items():
        if state == "counted":
            found[STRENGTH_OF_CHANNEL[channel_of[commitment]]] += 1
    return dict(sorted(found.items()))


def check_counts(ledger: Ledger) -> None:
    size = ledger.detail["ledger"]["size"]
    signature_states(ledger.events)  # every entry read must make sense, not only the counted ones
    mine = tally(ledger.events[:size])
    counts = field_of(ledger.detail, "counts", dict, "the petition")
    queued = counts.get("queued", 0)
    published = {k: counts.get(k) for k in mine}
    if not isinstance(queued, int) or not all(isinstance(v, int) for v in published.values()):
        raise Discrepancy(f"the petition's counts are incomplete: {counts}")
    # Queued signatures are stored but not yet processed by the workers, so not yet in the log.
    expected = {**published, "received": published["received"] - queued, "awaiting": published["awaiting"] - queued}
    for name, value in mine.items():
        if expected[name] != value:
            raise Discrepancy(
                f"the petition publishes {name} = {published[name]} (with {queued} queued), "
                f"but the first {size} entries of its ledger give {value}"
            )
    ok(f"counts over the first {size} entries equal the petition's: {mine} (+{queued} queued, not yet in the log)")
    ok(f"valid signatures by the identity their channel proved: {counted_by_identity(ledger.events[:size])}")
    assert ledger.latest is not None
    if size > ledger.latest.size:
        ok(f"entries {ledger.latest.size} to {size - 1} wait for the next checkpoint (counted, not yet signed)")


def check_state(ledger: Ledger) -> None:
    """The petition's public state is the last state change in the same snapshot of the log."""
    size, published = ledger.detail["ledger"]["size"], ledger.detail.get("state")
    changes = [e for e in ledger.events[:size] if e["type"] == "state"]
    if not changes or published is None:
        return
    if changes[-1]["to"] != published:
        raise Discrepancy(
            f"the petition is {published!r}, but its ledger's last state change is to {changes[-1]['to']!r}"
        )
    path = " -> ".join([changes[0]["from"], *(e["to"] for e in changes)])
    ok(f"the petition's state {published!r} is the ledger's last state change ({path})")


def check_small_groups(ledger: Ledger) -> None:
    """What the labels show of the small-group rule (recall/ledger/entries.py, "Small groups")."""
    exact: Counter = Counter()  # (channel, day) labels
    by_channel_week: Counter = Counter()  # (channel, week): entries of that channel in that week, any label
    withheld: Counter = Counter()  # week
    for index, event in enumerate(ledger.events):
        if event["type"] not in ("received", "verified"):
            continue
        channel, day = event["channel"], event["day"]
        week = day if is_week(day) else week_of(day)
        if channel == WITHHELD:
            withheld[week] += 1
            continue
        if not is_week(day):
            consistent = exact[(channel, day)] + (
                by_channel_week[(channel, week)] - exact_in_week(exact, channel, week)
            )
            consistent += withheld[week]
            if consistent < GROUP_MIN - 1:
                raise Discrepancy(
                    f"entry {index} shows channel {channel} and day {day} with {consistent} consistent entries before "
                    f"it: a group smaller than {GROUP_MIN} is coarsened to its week"
                )
            exact[(channel, day)] += 1
        elif by_channel_week[(channel, week)] + withheld[week] < GROUP_MIN - 1:
            raise Discrepancy(
                f"entry {index} shows channel {channel} in week {week} with fewer than {GROUP_MIN - 1} entries of "
                "that channel before it: the channel of so small a group is withheld"
            )
        by_channel_week[(channel, week)] += 1
    ok(f"entries' channels and days follow the small-group rule (k = {GROUP_MIN}) as far as the labels show")


def exact_in_week(exact: Counter, channel: str, week: str) -> int:
    """Entries labelled with channel and a day of ``week`` (other days than the one checked included)."""
    return sum(n for (c, d), n in exact.items() if c == channel and week_of(d) == week)


# --- the sample ------------------------------------------------------------------------------


def beacon_chain(info: dict[str, Any] | None, chain_hash: str) -> dict[str, Any]:
    for chain in (QUICKNET, info):
        if chain and chain.get("hash") == chain_hash:
            if chain.get("schemeID", QUICKNET["schemeID"]) != QUICKNET["schemeID"]:
                raise Discrepancy(
                    f"beacon chain {chain_hash} uses {chain.get('schemeID')}, not bls-unchained-g1-rfc9380"
                )
            return chain
    raise Discrepancy(
        f"the sample's beacon chain {chain_hash} is not drand's quicknet ({QUICKNET['hash']}); a chain you do not "
        "know the key of proves nothing (--beacon-info FILE names another chain's /info)"
    )


def covered_before(ledger: Ledger, index: int, deadline: int) -> str | None:
    """Who shows that entry ``index`` existed before ``deadline`` (UNIX time): a pinned witness's
    cosignature of a checkpoint covering it, or your own earlier run that saw one; None if nobody."""
    for checkpoint in ledger.checkpoints:
        if checkpoint.size <= index:
            continue
        for name, (first, _) in checkpoint.pinned_times.items():
            if first < deadline:
                return f"witness {name} cosigned size {checkpoint.size} at {first}"
    if ledger.memory is not None:
        for size, seen in ledger.memory.first_seen().items():
            if size > index and seen < deadline:
                return f"your run saw size {size} at {int(seen)}"
    return None


def check_policy(ledger: Ledger) -> dict[str, Any] | None:
    policies = [(i, e) for i, e in enumerate(ledger.events) if e["type"] == "policy"]
    if len(policies) > 1:
        raise Discrepancy(f"the ledger records {len(policies)} policies (entries {[i for i, _ in policies]}); one")
    if not policies:
        return None
    index, policy = policies[0]
    submitted = [i for i, e in enumerate(ledger.events) if e["type"] == "state" and e["to"] == "submitted"]
    if submitted and submitted[0] < index:
        raise Discrepancy(f"the policy (entry {index}) was recorded after the petition was submitted")
    ok(
        f"policy recorded at registration (entry {index}): {policy['required']} required, sample "
        f"{policy['percent']}% or {policy['minimum']}, bands {policy['insufficient_percent']}%-"
        f"{policy['sufficient_percent']}%"
    )
    return policy


def check_sample(ledger: Ledger, beacon_info: dict[str, Any] | None, strict_timing: bool) -> None:
    policy = check_policy(ledger)
    samples = [(i, e) for i, e in enumerate(ledger.events) if e["type"] == "sample"]
    published = ledger.detail.get("projection")
    if not samples:
        check_seed_entries(ledger, None, None, beacon_info, strict_timing)
        if published:
            raise Discrepancy("the petition publishes a projection, but its ledger has no sample")
        ok("no random sample drawn")
        return
    if len(samples) > 1:
        raise Discrepancy(
            f"the ledger draws {len(samples)} samples (entries {[i for i, _ in samples]}); one is allowed"
        )
    index, sample = samples[0]
    if policy is None:
        raise Discrepancy("the ledger draws a sample without a policy recorded at registration")
    if (sample["percent"], sample["minimum"]) != (policy["percent"], policy["minimum"]):
        raise Discrepancy(
            f"the sample uses {sample['percent']}% / minimum {sample['minimum']}, but the policy recorded at "
            f"registration says {policy['percent']}% / minimum {policy['minimum']}"
        )
    submitted = [i for i, e in enumerate(ledger.events[:index]) if e["type"] == "state" and e["to"] == "submitted"]
    if not submitted:
        raise Discrepancy("the ledger draws a sample of a petition it never records as submitted")
    if sample["population_tree_size"] != submitted[-1] + 1:
        raise Discrepancy(
            f"the sample's population is cut at {sample['population_tree_size']} entries, but the petition was "
            f"submitted at entry {submitted[-1]}: its population is the first {submitted[-1] + 1}"
        )
    check_seed_entries(ledger, index, sample, beacon_info, strict_timing)
    members = sample_members(ledger, index, sample)
    findings = sample_findings(ledger, index, members)
    ok(f"sample (entry {index}): seed, population of {sample['population']} and {len(members)} members recomputed")
    if len(findings) < len(members):
        if published:
            raise Discrepancy(f"a projection is published while {len(members) - len(findings)} findings are missing")
        ok(f"sample open: {len(findings)} of {len(members)} findings published")
        return
    valid = sum(1 for f in findings.values() if f["counted"])
    duplicates = sum(1 for f in findings.values() if f["duplicate"])
    projected = projection(sample["population"], len(members), valid, duplicates)
    mine = (sample["population"], len(members), valid, duplicates, projected)
    result = outcome(projected, policy["required"], policy["sufficient_percent"], policy["insufficient_percent"])
    if published:
        compare_projection(published, mine, sample["seed"], result)
    ok(f"projection from the findings: {valid} valid, {duplicates} duplicates -> {projected} projected valid, {result}")


def check_seed_entries(
    ledger: Ledger, index: int | None, sample: dict[str, Any] | None, info: dict[str, Any] | None, strict: bool
) -> None:
    """Commitments published, then the beacon round fixed before it existed, then reveals in time."""
    events = ledger.events
    end = index if index is not None else len(events)
    submitted = [i for i, e in enumerate(events[:end]) if e["type"] == "state" and e["to"] == "submitted"]
    beacons = [i for i, e in enumerate(events) if e["type"] == "beacon"]
    if len(beacons) > 1:
        raise Discrepancy(f"the ledger fixes {len(beacons)} beacon rounds (entries {beacons}); one is allowed")
    at = beacons[0] if beacons else None
    commitments: dict[str, tuple[int, str]] = {}
    reveals: dict[str, tuple[int, str]] = {}
    for i, event in enumerate(events):
        if event["type"] == "seed_commitment":
            if not submitted or i < submitted[-1] or (at is not None and i > at):
                raise Discrepancy(
                    f"entry {i}: the commitment of {event['party']!r} is outside the commitment phase (after the "
                    "submission, before the beacon round is fixed)"
                )
            if event["party"] in commitments:
                raise Discrepancy(f"entry {i}: {event['party']!r} commits a second time")
            commitments[event["party"]] = (i, event["hash"])
        elif event["type"] == "seed_reveal":
            party = event["party"]
            if at is None or i < at:
                raise Discrepancy(f"entry {i}: {party!r} reveals before the beacon round is fixed")
            if index is not None and i > index:
                raise Discrepancy(f"entry {i}: {party!r} reveals after the draw")
            if party not in commitments or party in reveals:
                raise Discrepancy(f"entry {i}: a reveal by {party!r}, who has no commitment or has revealed already")
            if party_commitment(party, bytes.fromhex(event["reveal"])) != commitments[party][1]:
                raise Discrepancy(f"entry {i}: the reveal of {party!r} does not match its commitment")
            reveals[party] = (i, event["reveal"])
    if sample is None:
        if at is not None:
            ok(f"beacon round {events[at]['round']} fixed (entry {at}); {len(reveals)} of {len(commitments)} revealed")
        return
    procedure = sample["procedure"]
    if procedure.get("kind") != "beacon":
        raise Discrepancy(
            f"the sample's seed comes from a {procedure.get('kind')!r} procedure, which the commission could steer "
            "(digits it types, or a reveal it makes last); the seed must take a public beacon round"
        )
    if at is None or at > index:
        raise Discrepancy("the sample takes a beacon round that no beacon entry fixed before the draw")
    beacon = events[at]
    if (procedure["chain"], procedure["round"]) != (beacon["chain"], beacon["round"]):
        raise Discrepancy(
            f"the sample takes round {procedure['round']} of {procedure['chain'][:12]}..., but the ledger fixed round "
            f"{beacon['round']} of {beacon['chain'][:12]}..."
        )
    chain = beacon_chain(info, beacon["chain"])
    verify_beacon_round(chain, beacon["round"], bytes.fromhex(procedure["signature"]))
    deadline = chain["genesis_time"] + (beacon["round"] - 1) * chain["period"]
    ok(f"beacon round {beacon['round']} of {'drand quicknet' if chain is QUICKNET else chain['hash']} verifies")
    listed = {p["name"]: p["commitment"] for p in procedure["parties"] + procedure["absent"]}
    if listed != {party: c for party, (_, c) in commitments.items()}:
        hidden = sorted(set(listed) - set(commitments))
        raise Discrepancy(
            f"the sample's parties {sorted(listed)} are not the commitments published before the beacon entry "
            f"{sorted(commitments)}"
            + (
                f": {hidden} never published a commitment (a seed chosen before the commitments were public)"
                if hidden
                else ""
            )
        )
    counted = {p["name"] for p in procedure["parties"]}
    if counted - set(reveals):
        raise Discrepancy(f"the sample counts reveals of {sorted(counted - set(reveals))} that are not in the ledger")
    proof = covered_before(ledger, at, deadline)
    if proof is None:
        message = (
            f"nothing shows the beacon entry (entry {at}) existed before round {beacon['round']} did "
            f"(at {deadline}): no witness you pinned cosigned it in time"
        )
        if strict:
            raise Discrepancy(message)
        warn(message + "; pin the accredited witnesses to check it")
    else:
        ok(f"the beacon round was fixed before it existed ({proof}, round at {deadline})")
    for party, (i, _) in sorted(reveals.items()):
        timely = covered_before(ledger, i, deadline)
        if party in counted and timely is None:
            message = f"the reveal of {party!r} (entry {i}) is counted, but nothing shows it was made before round time"
            if strict:
                raise Discrepancy(message + " (a late reveal is a choice made knowing the outcome)")
            warn(message)
        if party not in counted and timely is not None:
            raise Discrepancy(
                f"the reveal of {party!r} (entry {i}) was made in time ({timely}) but left out of the seed"
            )
    ok(f"seed from round {beacon['round']} and {len(counted)} reveal(s); absent: {sorted(set(listed) - counted)}")


def sample_members(ledger: Ledger, index: int, sample: dict[str, Any]) -> list[str]:
    cut = sample["population_tree_size"]
    if cut > index or cut not in {c.size for c in ledger.checkpoints}:
        raise Discrepancy(f"the sample's population size {cut} is not a signed checkpoint before the sample")
    received = [e["commitment"] for e in ledger.events[:cut] if e["type"] in ("received", "verified")]
    gone = {e["commitment"] for e in ledger.events[:cut] if e["type"] == "withdrawn"}
    population = [c for c in received if c not in gone]
    if len(population) != sample["population"]:
        raise Discrepancy(f"the sample says its population is {sample['population']}; the log gives {len(population)}")
    return [population[p] for p in draw(bytes.fromhex(sample["seed"]), len(population), sample["size"])]


def sample_findings(ledger: Ledger, index: int, members: list[str]) -> dict[str, dict[str, Any]]:
    allowed, findings = set(members), {}
    for i, event in enumerate(ledger.events):
        if event["type"] != "finding":
            continue
        if i < index:
            raise Discrepancy(f"entry {i} is a sample finding before the sample was drawn (entry {index})")
        if event["commitment"] not in allowed:
            raise Discrepancy(f"entry {i} is a finding on a signature that the draw did not select")
        findings[event["commitment"]] = event  # a later finding replaces an earlier one
    return findings


def compare_projection(
    published: dict[str, Any], mine: tuple[int, int, int, int, Decimal], seed: str, result: str
) -> None:
    keys = ("raw_signatures", "sample_size", "valid_in_sample", "duplicates_in_sample", "projected_valid")
    try:
        theirs = tuple(published.get(k) for k in keys[:4]) + (Decimal(str(published.get(keys[4]))),)
    except InvalidOperation as error:
        raise Discrepancy(f"the published projection is not a number: {published}") from error
    if theirs != mine:
        raise Discrepancy(f"the petition publishes {dict(zip(keys, theirs, strict=True))}; the ledger gives {mine}")
    if published.get("seed") not in (None, seed):
        raise Discrepancy(f"the petition publishes seed {published.get('seed')}, the ledger {seed}")
    if published.get("outcome") not in (None, result):
        raise Discrepancy(
            f"the petition publishes the outcome {published.get('outcome')!r}; the policy gives {result!r}"
        )


# --- your receipt, the certified summary -----------------------------------------------------


def check_receipt(ledger: Ledger, receipt: str) -> None:
    commitment = receipt_commitment(ledger.petition, receipt)
    mine = [i for i, e in enumerate(ledger.events) if e.get("commitment") == commitment]
    if not mine:
        raise Discrepancy(
            "no entry carries this receipt's commitment (a signature enters the ledger when the workers have "
            "processed it, usually within minutes of signing)"
        )
    latest = ledger.latest
    assert latest is not None
    for index in mine:
        ok(f"entry {index}: {describe(ledger.events[index])}")
        if index >= latest.size:
            ok(f"entry {index} is newer than the latest checkpoint (size {latest.size}): not yet signed")
            continue
        check_inclusion(ledger, index, latest)


def check_inclusion(ledger: Ledger, index: int, latest: Checkpoint) -> None:
    leaf = leaf_hash(ledger.entries[index])
    served = get_json(ledger.url("ledger/proof/inclusion/", leaf_hash=b64(leaf), tree_size=latest.size))
    at = field_of(served, "leaf_index", int, "an inclusion proof")
    proof = [unb64(h, "a proof hash") for h in field_of(served, "hashes", list, "an inclusion proof")]
    same = 0 <= at < len(ledger.entries) and ledger.entries[at] == ledger.entries[index]
    if not same or not verify_inclusion(leaf, at, latest.size, proof, latest.root):
        raise Discrepancy(f"the inclusion proof of entry {index} in the checkpoint of size {latest.size} fails")
    ok(f"entry {index} is in the signed checkpoint of size {latest.size} (inclusion proof verified)")


def describe(event: dict[str, Any]) -> str:
    kind = event["type"]
    if kind in ("received", "verified"):
        when = f"signed in week {event['day']}" if is_week(event["day"]) else f"signed on {event['day']}"
        text = f"received ({event['channel']}, {when})"
        if kind == "verified":
            return text + " and decided: " + ("counted" if event["counted"] else "not counted")
        return text
    if kind == "decided":
        return "decided: " + ("counted" if event["counted"] else "not counted")
    if kind == "finding":
        return "sample finding: " + ("counted" if event["counted"] else "not counted")
    return kind


SUMMARY_MARK = b"recall-summary/v1 "


def read_summary(path: str) -> dict[str, Any]:
    """The figures a certified summary PDF carries for programs (its document subject)."""
    with open(path, "rb") as file:
        data = file.read()
    at = data.rfind(SUMMARY_MARK)
    if at < 0:
        raise Discrepancy(f"{path} is not a certified summary (no {SUMMARY_MARK.decode().strip()} figures in it)")
    raw, depth, out = data[at + len(SUMMARY_MARK) :], 0, bytearray()
    escaped = False
    for byte in raw:  # a PDF literal string: "\(", "\)" and "\\" are escapes
        if escaped:
            out.append(byte)
            escaped = False
            continue
        if byte == 0x5C:
            escaped = True
            continue
        out.append(byte)
        depth += {0x7B: 1, 0x7D: -1}.get(byte, 0)
        if depth == 0:
            break
    try:
        return json.loads(out.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Discrepancy(f"the figures in {path} are unreadable: {error}") from error


def check_summary(ledger: Ledger, path: str) -> None:
    figures = read_summary(path)
    size, root = figures.get("size"), figures.get("root_hash")
    if figures.get("origin") != ledger.origin:
        raise Discrepancy(f"the summary certifies the log {figures.get('origin')!r}, not {ledger.origin!r}")
    if not any(c.size == size and b64(c.root) == root for c in ledger.checkpoints):
        raise Discrepancy(f"the summary names a checkpoint (size {size}, root {root}) the log never signed")
    mine = tally(ledger.events[:size])
    theirs = {k: figures.get("counts", {}).get(k) for k in mine}
    if theirs != mine:
        raise Discrepancy(f"the summary certifies {theirs}, but the ledger's first {size} entries give {mine}")
    ok(f"the certified summary's counts are the ledger's at its checkpoint (size {size}): {mine}")
    if figures.get("sample") is not None:
        sample = figures["sample"]
        index = next((i for i, e in enumerate(ledger.events[:size]) if e["type"] == "sample"), None)
        if index is None or ledger.events[index]["seed"] != sample.get("seed"):
            raise Discrepancy("the summary certifies a sample the ledger did not draw by its checkpoint")
        members = sample_members(ledger, index, ledger.events[index])
        findings = {}
        for event in ledger.events[index:size]:
            if event["type"] == "finding":
                findings[event["commitment"]] = event
        valid = sum(1 for f in findings.values() if f["counted"])
        duplicates = sum(1 for f in findings.values() if f["duplicate"])
        projected = projection(ledger.events[index]["population"], len(members), valid, duplicates)
        if str(projected) != str(sample.get("projected_valid")):
            raise Discrepancy(
                f"the summary certifies {sample.get('projected_valid')} projected; the ledger gives {projected}"
            )
        ok(f"the certified summary's sample and projection ({projected}) are the ledger's")


# --- command line ----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    base = args.base_url.rstrip("/")
    pinned = {key.name: key for key in args.pins}
    detail_ledger = Ledger(base, args.petition_id, Key("", 1, b""), pinned)
    fetch_detail(detail_ledger)  # first: its counts and ledger size are one snapshot, older than the checkpoints
    remembered = Memory.remembered_key(args.state, detail_ledger.origin)
    ledger = Ledger(base, args.petition_id, fetch_log_key(base, args.vkey, remembered), pinned)
    ledger.detail, ledger.origin = detail_ledger.detail, detail_ledger.origin
    fetch_checkpoints(ledger)
    end = max([ledger.detail["ledger"]["size"], *(c.size for c in ledger.checkpoints)])
    fetch_entries(ledger, end)
    check_roots(ledger)
    if args.state:
        ledger.memory = Memory(args.state, ledger.origin)
        check_memory(ledger)  # raises Equivocation before anything new is remembered
        new = ledger.memory.remember(ledger.log, ledger.checkpoints)
        ok(f"{new} new checkpoint(s) kept in {ledger.memory.path}")
    else:
        check_consistency(ledger)
        warn("no --state: this run cannot tell whether the log still holds what it showed you before")
    required = args.require_cosignatures if args.require_cosignatures is not None else len(pinned)
    check_witnesses(ledger, required, args.max_age)
    check_counts(ledger)
    check_state(ledger)
    check_small_groups(ledger)
    check_sample(ledger, args.beacon_info, strict_timing=bool(pinned) or required > 0)
    if args.receipt:
        check_receipt(ledger, args.receipt)
    if args.summary:
        check_summary(ledger, args.summary)


def duration(text: str) -> int:
    match = re.fullmatch(r"([0-9]+)([smhd]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"a duration such as 90, 30m, 2h or 1d: {text!r}")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Verify a recall petition's public signature ledger.")
    parser.add_argument("base_url", nargs="?", help="the service, e.g. https://recall.example.kz")
    parser.add_argument("petition_id", nargs="?", type=int)
    parser.add_argument("--state", metavar="DIR", help="your memory of the checkpoints seen (kept between runs)")
    parser.add_argument("--evidence", metavar="FILE", help="on an equivocation, write the proof here")
    parser.add_argument("--check-evidence", metavar="FILE", help="check an evidence file with the log's key")
    parser.add_argument("--receipt", help="your receipt code: find and prove your signature's entries")
    parser.add_argument("--vkey", help="the log's verifier key, if you have it from elsewhere")
    parser.add_argument(
        "--witness", action="append", default=[], metavar="NAME=VKEY", help="an accredited witness you trust"
    )
    parser.add_argument(
        "--require-cosignatures", type=int, metavar="K", help="pinned witnesses that must cosign (default: all)"
    )
    parser.add_argument("--max-age", type=duration, metavar="AGE", help="fail on a latest checkpoint older than AGE")
    parser.add_argument("--summary", metavar="PDF", help="the certified summary to compare with the ledger")
    parser.add_argument("--beacon-info", metavar="FILE", help="another drand chain's /info (JSON), e.g. a test chain")
    args = parser.parse_args(argv)
    if args.check_evidence:
        return args
    if not args.base_url or args.petition_id is None:
        parser.error("BASE_URL and PETITION_ID are required (or --check-evidence FILE)")
    try:
        args.pins = [parse_witness_pin(text) for text in args.witness]
    except Discrepancy as error:
        parser.error(str(error))
    if len({k.name for k in args.pins}) != len(args.pins):
        parser.error("a witness is pinned twice")
    if args.require_cosignatures is not None and not 0 <= args.require_cosignatures <= len(args.pins):
        parser.error("--require-cosignatures is between 0 and the number of pinned witnesses")
    if args.beacon_info:
        with open(args.beacon_info, encoding="utf-8") as file:
            args.beacon_info = json.load(file)
    if args.receipt:
        try:
            receipt_commitment(args.petition_id, args.receipt)
        except ValueError as error:
            parser.error(str(error))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.check_evidence:
        return check_evidence(args.check_evidence, args.vkey)
    try:
        run(args)
    except Equivocation as error:
        print_equivocation(error)
        if args.evidence:
            Memory.save(args.evidence, error.evidence)
            print(f"evidence written to {args.evidence}: anyone can check it with --check-evidence", flush=True)
        if args.state:
            kept = Memory(args.state, error.evidence["origin"]).keep_evidence(error.evidence)
            print(f"evidence kept in {kept}", flush=True)
        return EXIT_EQUIVOCATION
    except Discrepancy as error:
        print(f"FAIL  {error}", flush=True)
        return EXIT_FAIL
    print("every check passed", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
