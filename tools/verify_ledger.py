#!/usr/bin/env python3
"""Verify a recall petition's public signature ledger yourself: one file, no access to any database.

    python3 verify_ledger.py BASE_URL PETITION_ID [--receipt RECEIPT] [--vkey VKEY] [--witness VKEY ...]

Needs Python 3.11 or newer and ``cryptography`` (``pip install cryptography``); it imports
nothing from the service. ``BASE_URL`` is the site, e.g. ``https://recall.example.kz``.

What it checks, printing one line per check (``ok ...``), or the first discrepancy (``FAIL ...``):

1. the log's public key (``--vkey`` pins the one you got from elsewhere, e.g. the commission's
   notice; without it the key the service publishes is used);
2. every checkpoint ever signed for the petition: the log's Ed25519 signature (C2SP signed-note
   and tlog-checkpoint), the origin (``.../<petition id>``) and every witness cosignature
   (C2SP tlog-cosignature, Ed25519 v1) with the key published next to it (``--witness``
   pins a witness's key);
3. every entry, in order and without gaps, decoded strictly (canonical JSON, version 1), and
   the Merkle root (RFC 9162) recomputed at every checkpoint's size; a consistency proof
   served by the service from the first checkpoint to the latest;
4. the counts (received, valid = counted, invalid = not counted, withdrawn, awaiting)
   recomputed from the entries and compared with the petition's public counts, and the
   petition's public state compared with the log's last state change;
5. the random sample, if one was drawn: its seed re-derived from the public procedure (dice
   digits, or commit-reveal commitments and reveals), its population rebuilt from the log at the
   population checkpoint, its members redrawn (``recall-draw/v1``), its findings limited to the
   members, and California's projection recomputed and compared with the published one;
6. with ``--receipt``: the entries of your signature, found by the receipt's commitment, and
   an inclusion proof of each in the latest checkpoint.

Exit status: 0 when every check passed; 1 at the first discrepancy, or when the service cannot
be read; 2 for a wrong command line.

The HTTP API it reads (JSON; hashes and entries in standard base64)
====================================================================
``GET /api/v1/ledger/key/`` -> ``{"key_name", "vkey"}``
``GET /api/v1/petitions/{id}/`` -> ``{"state", "counts": {"received", "valid", "invalid", "awaiting",
    "withdrawn", "queued", ...}, "ledger": {"origin", "size"}, "projection": null | {
    "raw_signatures", "sample_size", "valid_in_sample", "duplicates_in_sample",
    "projected_valid", "seed", ...}, ...}``; ``ledger.size`` is the number of entries in the same
    snapshot as ``counts`` and ``state``; ``queued`` signatures are stored but not yet in the ledger.
``GET /api/v1/petitions/{id}/ledger/`` -> the latest checkpoint: ``{"origin", "size",
    "root_hash", "checkpoint" (signed note), "cosignatures": [{"witness", "vkey", "signature"
    (a note signature line), "timestamp"}], "log_size"}``
``GET /api/v1/petitions/{id}/ledger/checkpoints/?page=N`` -> ``{"count", "next", "previous",
    "results": [checkpoint objects, oldest first]}``
``GET /api/v1/petitions/{id}/ledger/entries/?start=A&end=B`` -> ``{"entries": [{"index",
    "entry"}], "next"}`` (indexes A.. without gaps; possibly fewer than asked)
``GET /api/v1/petitions/{id}/ledger/proof/inclusion/?leaf_hash=H&tree_size=N`` ->
    ``{"leaf_index", "tree_size", "hashes"}``
``GET /api/v1/petitions/{id}/ledger/proof/consistency/?first=M&second=N`` ->
    ``{"first", "second", "hashes"}``

The entry format, the commitments and the draw are specified in the service's
``recall/ledger/entries.py`` and ``recall/ledger/sampling_draw.py``; this file implements them
again, independently, with the standard library.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import re
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

USER_AGENT = "recall-verify-ledger/1"
TIMEOUT = 30
PAGE = 1000  # entries asked for per request
EMPTY_ROOT = hashlib.sha256(b"").digest()
DASH = "\u2014"


class Discrepancy(Exception):
    """What the ledger and the service's figures disagree on (or what could not be read)."""


def ok(message: str) -> None:
    print(f"ok    {message}", flush=True)


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
    """RFC 9162 2.1.4.2; equal sizes need an empty proof and equal roots, and every tree extends
    the empty one (size 0, root SHA-256 of nothing) with an empty proof."""
    if first == 0:
        return second >= 0 and not proof and root1 == EMPTY_ROOT and (second > 0 or root2 == EMPTY_ROOT)
    if first == second:
        return first > 0 and not proof and root1 == root2
    if not 0 < first < second or not proof:
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
    witnesses: tuple[str, ...] = ()


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Discrepancy(f"malformed checkpoint: {text!r}")
    root = unb64(lines[2], "a root hash")
    if len(root) != 32 or b64(root) != lines[2]:
        raise Discrepancy(f"malformed root hash: {lines[2]!r}")
    return lines[0], int(lines[1]), root


def check_cosignature(text: str, item: Any, pinned: dict[str, Key]) -> str:
    """Verify one published cosignature; returns the witness's name."""
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
    return name


def check_checkpoint(obj: Any, log: Key, origin: str, pinned: dict[str, Key]) -> Checkpoint:
    text = open_note(field_of(obj, "checkpoint", str, "a checkpoint"), log)
    body_origin, size, root = parse_checkpoint(text)
    if body_origin != origin:
        raise Discrepancy(f"a checkpoint of another log ({body_origin!r}, expected {origin!r})")
    served = (obj.get("origin"), obj.get("size"), obj.get("root_hash"))
    if served != (origin, size, b64(root)):
        raise Discrepancy(f"a checkpoint's fields {served} differ from its signed text:\n{text}")
    cosignatures = field_of(obj, "cosignatures", list, "a checkpoint")
    witnesses = tuple(check_cosignature(text, item, pinned) for item in cosignatures)
    return Checkpoint(origin, size, root, text, witnesses)


# --- entries (recall/ledger/entries.py, version 1) -------------------------------------------

HEX64 = re.compile(r"[0-9a-f]{64}")
KEYS = {
    "received": {"commitment", "channel", "day"},
    "verified": {"commitment", "channel", "day", "counted"},  # received and decided, in one entry
    "decided": {"commitment", "counted"},
    "withdrawn": {"commitment"},
    "state": {"from", "to", "at"},
    "sample": {"population_tree_size", "population", "size", "percent", "minimum", "seed", "procedure", "draw"},
    "finding": {"commitment", "counted", "duplicate"},
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


def check_sample_fields(o: dict[str, Any]) -> None:
    need(o["draw"] == "recall-draw/v1", "unknown draw function")
    need(
        isinstance(o["percent"], str) and bool(re.fullmatch(r"(0|[1-9][0-9]{0,2})\.[0-9]{2}", o["percent"])), "percent"
    )
    need(all(is_count(o[k]) for k in ("population_tree_size", "population", "size", "minimum")), "numbers")
    need(isinstance(o["seed"], str) and bool(HEX64.fullmatch(o["seed"])), "seed")
    need(seed_from_procedure(o["procedure"]).hex() == o["seed"], "the seed is not the one its procedure gives")
    need(o["size"] == sample_size(o["population"], o["percent"], o["minimum"]), "the sample size breaks its rule")


def check_received_fields(o: dict[str, Any]) -> None:
    need(
        bool(HEX64.fullmatch(str(o["commitment"])))
        and o["channel"] in ("web", "paper", "partner", "eds")
        and check_day(o["day"], r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "%Y-%m-%d"),
        f"{o['type']} fields",
    )


def check_verified_fields(o: dict[str, Any]) -> None:
    check_received_fields(o)
    need(is_bool(o["counted"]), "verified fields")


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
}


def receipt_commitment(petition_id: int, receipt: str) -> str:
    text = re.sub(r"[\s\-]", "", receipt).upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if not re.fullmatch(r"[0-9ABCDEFGHJKMNPQRSTVWXYZ]{12}", text):
        raise ValueError("a receipt is 12 characters such as 7KQ2-M9XD-3FRA")
    return hashlib.sha256(b"recall-receipt/v1\x00" + str(petition_id).encode() + b"\x00" + text.encode()).hexdigest()


# --- the sample (recall/ledger/sampling_draw.py) ---------------------------------------------


def seed_from_procedure(procedure: Any) -> bytes:
    if isinstance(procedure, dict) and procedure.get("kind") == "dice" and set(procedure) == {"kind", "digits"}:
        digits = procedure["digits"]
        need(isinstance(digits, str) and bool(re.fullmatch(r"[0-9]{20,200}", digits)), "dice digits")
        return hashlib.sha256(b"recall-seed-dice/v1\x00" + digits.encode()).digest()
    need(isinstance(procedure, dict) and procedure.get("kind") == "commit-reveal", "unknown seed procedure")
    need(set(procedure) == {"kind", "parties"} and isinstance(procedure["parties"], list), "commit-reveal fields")
    parties = procedure["parties"]
    need(all(isinstance(p, dict) and set(p) == {"name", "commitment", "reveal"} for p in parties), "party fields")
    names = [p["name"] for p in parties]
    need(len(parties) >= 2 and names == sorted(names) and len(set(names)) == len(names), "parties by distinct name")
    data = b"recall-seed/v1\x00"
    for p in parties:
        need(isinstance(p["name"], str) and bool(re.fullmatch(r"[\x20-\x7e]{1,64}", p["name"])), "a party's name")
        need(all(isinstance(p[k], str) and HEX64.fullmatch(p[k]) for k in ("commitment", "reveal")), "hex values")
        reveal, name = bytes.fromhex(p["reveal"]), p["name"].encode()
        commitment = hashlib.sha256(b"recall-seed-commit/v1\x00" + name + b"\x00" + reveal).hexdigest()
        need(commitment == p["commitment"], f"the reveal of {p['name']} does not match its commitment")
        data += name + b"\x00" + reveal
    return hashlib.sha256(data).digest()


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

    def url(self, path: str, **query: Any) -> str:
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return f"{self.base}/api/v1/petitions/{self.petition}/{path}{suffix}"


def fetch_log_key(base: str, pinned_vkey: str | None) -> Key:
    served = get_json(f"{base}/api/v1/ledger/key/")
    key = parse_vkey(field_of(served, "vkey", str, "the log key"))
    if key.alg != 1 or served.get("key_name") != key.name:
        raise Discrepancy(f"the log key {served!r} is not an Ed25519 note key named key_name")
    if pinned_vkey is not None and parse_vkey(pinned_vkey) != key:
        raise Discrepancy(f"the service publishes the log key {served['vkey']}, not the one you pinned")
    ok(f"log key {served['vkey']}" + (" (pinned)" if pinned_vkey else " (as the service publishes it)"))
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
    cosigned = sum(len(c.witnesses) for c in ledger.checkpoints)
    ok(f"{len(ledger.checkpoints)} checkpoints of {ledger.origin} signed by the log; {cosigned} cosignatures verify")
    witnesses = sorted(set(ledger.latest.witnesses))
    ok(f"latest checkpoint: size {ledger.latest.size}, cosigned by {len(witnesses)} witness(es) {witnesses}")


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


def check_consistency(ledger: Ledger) -> None:
    assert ledger.latest is not None
    first = next((c for c in ledger.checkpoints if c.size > 0), None)
    if first is None or first.size == ledger.latest.size:
        return
    served = get_json(ledger.url("ledger/proof/consistency/", first=first.size, second=ledger.latest.size))
    proof = [unb64(h, "a proof hash") for h in field_of(served, "hashes", list, "a consistency proof")]
    if not verify_consistency(first.size, ledger.latest.size, proof, first.root, ledger.latest.root):
        raise Discrepancy(f"the service's consistency proof from {first.size} to {ledger.latest.size} does not verify")
    ok(f"the service's consistency proof from size {first.size} to {ledger.latest.size} verifies")


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


def check_counts(ledger: Ledger) -> None:
    size = ledger.detail["ledger"]["size"]
    signature_states(ledger.events)  # every entry read must make sense, not only the counted ones
    states = list(signature_states(ledger.events[:size]).values())
    mine = {
        "received": len(states),
        "valid": states.count("counted"),
        "invalid": states.count("not_counted"),
        "withdrawn": states.count("withdrawn"),
        "awaiting": states.count("received"),
    }
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


def check_sample(ledger: Ledger) -> None:
    samples = [(i, e) for i, e in enumerate(ledger.events) if e["type"] == "sample"]
    published = ledger.detail.get("projection")
    if not samples:
        if published:
            raise Discrepancy("the petition publishes a projection, but its ledger has no sample")
        ok("no random sample drawn")
        return
    if len(samples) > 1:
        raise Discrepancy(
            f"the ledger draws {len(samples)} samples (entries {[i for i, _ in samples]}); one is allowed"
        )
    index, sample = samples[0]
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
    if published:
        compare_projection(published, mine, sample["seed"])
    ok(f"projection from the findings: {valid} valid, {duplicates} duplicates -> {projected} projected valid")


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


def compare_projection(published: dict[str, Any], mine: tuple[int, int, int, int, Decimal], seed: str) -> None:
    keys = ("raw_signatures", "sample_size", "valid_in_sample", "duplicates_in_sample", "projected_valid")
    try:
        theirs = tuple(published.get(k) for k in keys[:4]) + (Decimal(str(published.get(keys[4]))),)
    except InvalidOperation as error:
        raise Discrepancy(f"the published projection is not a number: {published}") from error
    if theirs != mine:
        raise Discrepancy(f"the petition publishes {dict(zip(keys, theirs, strict=True))}; the ledger gives {mine}")
    if published.get("seed") not in (None, seed):
        raise Discrepancy(f"the petition publishes seed {published.get('seed')}, the ledger {seed}")


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
    if kind == "received":
        return f"received ({event['channel']}, signed on {event['day']})"
    if kind == "verified":
        counted = "counted" if event["counted"] else "not counted"
        return f"received ({event['channel']}, signed on {event['day']}) and decided: {counted}"
    if kind == "decided":
        return "decided: " + ("counted" if event["counted"] else "not counted")
    if kind == "finding":
        return "sample finding: " + ("counted" if event["counted"] else "not counted")
    return kind


def run(args: argparse.Namespace) -> None:
    base = args.base_url.rstrip("/")
    pinned = {key.name: key for key in map(parse_vkey, args.witness or [])}
    ledger = Ledger(base, args.petition_id, fetch_log_key(base, args.vkey), pinned)
    fetch_detail(ledger)  # first: its counts and ledger size are one snapshot, older than the checkpoints
    fetch_checkpoints(ledger)
    end = max([ledger.detail["ledger"]["size"], *(c.size for c in ledger.checkpoints)])
    fetch_entries(ledger, end)
    check_roots(ledger)
    check_consistency(ledger)
    check_counts(ledger)
    check_state(ledger)
    check_sample(ledger)
    if args.receipt:
        check_receipt(ledger, args.receipt)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Verify a recall petition's public signature ledger.")
    parser.add_argument("base_url", help="the service, e.g. https://recall.example.kz")
    parser.add_argument("petition_id", type=int)
    parser.add_argument("--receipt", help="your receipt code: find and prove your signature's entries")
    parser.add_argument("--vkey", help="the log's verifier key, if you have it from elsewhere")
    parser.add_argument("--witness", action="append", metavar="VKEY", help="a witness key you trust (repeatable)")
    args = parser.parse_args(argv)
    if args.receipt:
        try:
            receipt_commitment(args.petition_id, args.receipt)
        except ValueError as error:
            parser.error(str(error))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except Discrepancy as error:
        print(f"FAIL  {error}", flush=True)
        return 1
    print("every check passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
