#!/usr/bin/env python3
"""A witness for the recall service's signature ledgers: one file, standard library and ``cryptography``.

    python3 witness.py --generate-key NAME [--key KEYFILE]
    RECALL_API_KEY=... python3 witness.py BASE_URL --key KEYFILE --state STATEFILE [--interval SECONDS] [--once]
                                           [--log-vkey VKEY]

A witness keeps the service honest about history: for every petition it fetches the latest
checkpoint, checks the log's signature, and checks with a consistency proof (RFC 9162) that the
new checkpoint extends the last one it saw, so the log was only ever appended to and everybody
is shown the same log. Then it cosigns the checkpoint (C2SP tlog-cosignature, Ed25519 v1) and
posts the cosignature to the service, which publishes it beside the checkpoint.

It never cosigns a log that shrank, that shows two roots for one size, or whose consistency
proof fails: it says so loudly on standard error, remembers the refusal in its state file
(delete the log's entry there to start over after an investigation) and exits with status 1
(with ``--once``). A log key that changes is refused the same way.

Setup: ``--generate-key witness.example.org/recall`` prints a new secret key (or writes it to
``--key`` with mode 0600) and its verifier key; give the verifier key to the commission, which
registers it with your partner account (``witness`` scope) and gives you an API key to put in
``RECALL_API_KEY``. The state file is JSON: the log's key and, per log origin, the size and root
last verified; keep it: it is the witness's memory.

API used (see the service's recall/ledger/API.md): ``GET /api/v1/ledger/key/``,
``GET /api/v1/petitions/?page=N``, ``GET /api/v1/petitions/{id}/ledger/``,
``GET /api/v1/petitions/{id}/ledger/proof/consistency/?first=M&second=N`` and
``POST /api/v1/petitions/{id}/ledger/cosignatures/`` with ``Authorization: Api-Key <key>`` and
``{"cosignature": "<signature line>", "size": N, "root_hash": "<base64>"}``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

USER_AGENT = "recall-witness/1"
TIMEOUT = 30
DASH = "\u2014"
ALG_NOTE, ALG_COSIGNATURE = 0x01, 0x04


class Refused(Exception):
    """The log misbehaved: never cosign it."""


class Failed(Exception):
    """Something could not be done this time (network, a malformed answer)."""


# --- keys and notes --------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise Failed(f"not base64: {text!r}") from error


def key_id(name: str, alg: int, public: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4], "big")


def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class WitnessKey:
    name: str
    seed: bytes

    @property
    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def key_id(self) -> int:
        return key_id(self.name, ALG_COSIGNATURE, raw_public(self.private))

    @property
    def skey(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64(bytes([ALG_COSIGNATURE]) + self.seed)}"

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64(bytes([ALG_COSIGNATURE]) + raw_public(self.private))}"

    def cosign(self, body: str, timestamp: int) -> str:
        message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
        raw = struct.pack(">I", self.key_id) + struct.pack(">Q", timestamp) + self.private.sign(message)
        return f"{DASH} {self.name} {b64(raw)}\n"


def valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def load_witness_key(path: str) -> WitnessKey:
    with open(path, encoding="utf-8") as file:
        parts = file.read().strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not valid_name(parts[2]):
        raise SystemExit(f"{path}: not a signer key (PRIVATE+KEY+name+id+base64)")
    material = base64.b64decode(parts[4])
    key = WitnessKey(parts[2], material[1:])
    if len(material) != 33 or material[0] != ALG_COSIGNATURE or f"{key.key_id:08x}" != parts[3]:
        raise SystemExit(f"{path}: not a cosignature/v1 (0x04) Ed25519 key, or its key ID is wrong")
    return key


@dataclass(frozen=True)
class LogKey:
    name: str
    public: bytes

    @classmethod
    def parse(cls, vkey: str) -> LogKey:
        parts = vkey.split("+", 2)
        material = unb64(parts[2]) if len(parts) == 3 else b""
        if len(material) != 33 or material[0] != ALG_NOTE or not valid_name(parts[0]):
            raise Failed(f"not an Ed25519 log key: {vkey!r}")
        key = cls(parts[0], material[1:])
        if f"{key_id(key.name, ALG_NOTE, key.public):08x}" != parts[1]:
            raise Failed(f"the key ID of {vkey!r} does not match its key")
        return key

    def open(self, note: str) -> str:
        """The checkpoint body of ``note`` if the log's signature on it verifies."""
        split = note.rfind("\n\n") if isinstance(note, str) and note.endswith("\n") else -1
        if split < 0 or any(ord(c) < 32 and c != "\n" for c in note):
            raise Failed(f"malformed signed note: {note!r}")
        text, lines = note[: split + 1], note[split + 2 :].split("\n")[:-1]
        wanted = key_id(self.name, ALG_NOTE, self.public)
        for line in lines:
            parts = line.split(" ")
            raw = unb64(parts[2]) if len(parts) == 3 and parts[0] == DASH else b""
            if parts[1:2] != [self.name] or len(raw) < 4 or int.from_bytes(raw[:4], "big") != wanted:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(self.public).verify(raw[4:], text.encode())
            except InvalidSignature as error:
                raise Refused("the log's signature on its checkpoint does not verify") from error
            return text
        raise Refused("the checkpoint is not signed by the log's key")


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Failed(f"malformed checkpoint: {body!r}")
    root = unb64(lines[2])
    if len(root) != 32 or b64(root) != lines[2]:
        raise Failed(f"malformed root hash: {lines[2]!r}")
    return lines[0], int(lines[1]), root


# --- RFC 9162 consistency ---------------------------------------------------------------------


EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of a tree of no leaves


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_consistency(first: int, second: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> bool:
    """RFC 9162 2.1.4: does ``proof`` show that the tree ``root2`` of ``second`` leaves extends
    ``root1`` of ``first``? Checked by walking the proof's own definition (SUBPROOF) down the
    tree, which takes the proof's hashes from its end; equal sizes need an empty proof and equal
    roots, and every tree extends the empty one (size 0, root SHA-256 of nothing)."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and root1 == EMPTY_ROOT and (second > 0 or root2 == EMPTY_ROOT)
    if first == second:
        return not proof and root1 == root2
    hashes = list(proof)

    def roots(m: int, n: int, whole: bool) -> tuple[bytes, bytes]:
        """The roots of the first ``m`` and of all ``n`` leaves of a subtree; ``whole``: its first
        ``m`` leaves are the old tree itself, whose root the proof leaves out."""
        if m == n:
            return (root1, root1) if whole else (hashes[-1], hashes.pop())
        k = 1 << ((n - 1).bit_length() - 1)  # the left subtree: the largest power of two below n
        sibling = hashes.pop()
        if m <= k:
            old, new = roots(m, k, whole)
            return old, node_hash(new, sibling)
        old, new = roots(m - k, n - k, False)
        return node_hash(sibling, old), node_hash(sibling, new)

    try:
        old, new = roots(first, second, True)
    except IndexError:  # a proof too short for these sizes
        return False
    return not hashes and old == root1 and new == root2


# --- HTTP ------------------------------------------------------------------------------------


def request(url: str, body: dict[str, Any] | None = None, api_key: str | None = None) -> Any:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if api_key:
        headers["Authorization"] = f"Api-Key {api_key}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=TIMEOUT) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read()[:500].decode("utf-8", "replace")
        raise Failed(f"{'POST' if body else 'GET'} {url} answered {error.code}: {detail}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Failed(f"cannot reach {url}: {error}") from error


# --- the witness -----------------------------------------------------------------------------


class Witness:
    def __init__(self, base: str, key: WitnessKey, state_path: str, api_key: str, log_vkey: str | None) -> None:
        self.base, self.key, self.state_path, self.api_key = base.rstrip("/"), key, state_path, api_key
        self.state = self.load_state()
        self.pinned = log_vkey

    def load_state(self) -> dict[str, Any]:
        if not os.path.exists(self.state_path):
            return {"version": 1, "base_url": self.base, "log_vkey": None, "logs": {}}
        with open(self.state_path, encoding="utf-8") as file:
            return json.load(file)

    def save_state(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.state_path))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8") as file:
            json.dump(self.state, file, indent=2, sort_keys=True)
        os.replace(file.name, self.state_path)  # never a half-written memory

    def log_key(self) -> LogKey:
        served = request(f"{self.base}/api/v1/ledger/key/")["vkey"]
        known = self.pinned or self.state.get("log_vkey")
        if known and served != known:
            raise Refused(f"the service now publishes log key {served}, not {known}")
        if not self.state.get("log_vkey"):
            print(f"trusting log key {served}" + ("" if self.pinned else " (first use)"), flush=True)
            self.state["log_vkey"] = served
        return LogKey.parse(served)

    def petitions(self) -> list[int]:
        ids, url = [], f"{self.base}/api/v1/petitions/"
        while url:
            page = request(url)
            ids += [item["id"] for item in page.get("results", [])]
            url = urllib.parse.urljoin(url, page["next"]) if page.get("next") else ""
        return ids

    def run_once(self) -> int:
        """Witness every petition's log once. 0: all well; 1: a refusal or a failure."""
        try:
            log = self.log_key()
            ids = self.petitions()
        except Refused as error:
            shout(f"the log: {error}")
            return 1
        except Failed as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            return 1
        status = max((self.witness(log, pid) for pid in ids), default=0)
        self.save_state()
        return status

    def witness(self, log: LogKey, petition: int) -> int:
        origin: str | None = None
        try:
            latest = request(f"{self.base}/api/v1/petitions/{petition}/ledger/")
            body = log.open(latest.get("checkpoint"))
            served_origin, size, root = parse_checkpoint(body)
            if served_origin.rsplit("/", 1)[-1] != str(petition):
                raise Refused(f"petition {petition} is served the log {served_origin!r}")
            origin = served_origin  # from here on a refusal is remembered against this log
            seen = self.state["logs"].get(origin)
            if seen and seen.get("refused"):
                raise Refused(f"refused earlier: {seen['refused']}")
            self.check_extends(petition, seen, size, root)
        except Refused as error:
            self.refuse(petition, origin, str(error))
            return 1
        except (Failed, KeyError, TypeError) as error:
            print(f"petition {petition}: error: {error}", file=sys.stderr, flush=True)
            return 1
        self.state["logs"][origin] = {
            "petition": petition,
            "size": size,
            "root_hash": b64(root),
            **cosigned(seen, size),
        }
        return self.post(petition, origin, body, size, root)

    def check_extends(self, petition: int, seen: dict[str, Any] | None, size: int, root: bytes) -> None:
        if not seen:
            return  # first sight: every tree extends the empty one
        old_size, old_root = seen["size"], unb64(seen["root_hash"])
        if size < old_size:
            raise Refused(f"the log shrank from {old_size} to {size} entries")
        if size == old_size:
            if root != old_root:
                raise Refused(f"two roots for size {size}: {seen['root_hash']} and {b64(root)}")
            return
        if old_size == 0:
            return
        url = f"{self.base}/api/v1/petitions/{petition}/ledger/proof/consistency/?first={old_size}&second={size}"
        proof = [unb64(h) for h in request(url)["hashes"]]
        if not verify_consistency(old_size, size, proof, old_root, root):
            raise Refused(f"size {size} ({b64(root)}) is not an extension of size {old_size} ({seen['root_hash']})")

    def post(self, petition: int, origin: str, body: str, size: int, root: bytes) -> int:
        entry = self.state["logs"][origin]
        if entry.get("cosigned") == size:
            return 0
        line = self.key.cosign(body, int(time.time()))
        url = f"{self.base}/api/v1/petitions/{petition}/ledger/cosignatures/"
        try:
            request(url, {"cosignature": line, "size": size, "root_hash": b64(root)}, self.api_key)
        except Failed as error:
            print(f"petition {petition}: cosignature not accepted: {error}", file=sys.stderr, flush=True)
            return 1
        entry["cosigned"] = size
        print(f"petition {petition}: cosigned {origin} at size {size}", flush=True)
        return 0

    def refuse(self, petition: int, origin: str | None, reason: str) -> None:
        shout(f"petition {petition} ({origin or 'unknown origin'}): {reason}")
        if origin:
            entry = self.state["logs"].setdefault(origin, {"petition": petition, "size": 0, "root_hash": ""})
            entry.setdefault("refused", reason)


def cosigned(seen: dict[str, Any] | None, size: int) -> dict[str, int]:
    """Keep the "already cosigned" mark only while the size is the same."""
    return {"cosigned": size} if seen and seen.get("cosigned") == size else {}


def shout(message: str) -> None:
    print(f"!!! INCONSISTENT LOG, NOT COSIGNED: {message}", file=sys.stderr, flush=True)


# --- command line ----------------------------------------------------------------------------


def generate(name: str, path: str | None) -> int:
    if not valid_name(name):
        raise SystemExit(f"a key name has no spaces and no '+': {name!r}")
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key = WitnessKey(name, seed)
    if path:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite a key
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(key.skey + "\n")
        print(f"secret key written to {path}")
    else:
        print(key.skey)
    print(key.vkey)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Witness the recall service's signature ledgers.")
    parser.add_argument("base_url", nargs="?", help="the service, e.g. https://recall.example.kz")
    parser.add_argument("--key", help="the witness's secret key file")
    parser.add_argument("--state", help="the witness's memory (JSON), created if missing")
    parser.add_argument("--interval", type=float, default=300, help="seconds between rounds (default 300)")
    parser.add_argument("--once", action="store_true", help="one round, then exit 0 (all well) or 1")
    parser.add_argument("--log-vkey", help="the log's verifier key, if you have it from elsewhere")
    parser.add_argument("--generate-key", metavar="NAME", help="print a new key named NAME and its verifier key")
    args = parser.parse_args(argv)
    if not args.generate_key and not (args.base_url and args.key and args.state):
        parser.error("BASE_URL, --key and --state are required (or --generate-key NAME)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.generate_key:
        return generate(args.generate_key, args.key)
    api_key = os.environ.get("RECALL_API_KEY", "")
    if not api_key:
        print("RECALL_API_KEY is not set", file=sys.stderr)
        return 2
    witness = Witness(args.base_url, load_witness_key(args.key), args.state, api_key, args.log_vkey)
    while True:
        status = witness.run_once()
        if args.once:
            return status
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
