#!/usr/bin/env python3
"""A witness for the recall service's signature ledgers (C2SP tlog-witness): one file, stdlib and ``cryptography``.

    python3 witness.py --generate-key NAME [--key KEYFILE]
    python3 witness.py serve --key KEYFILE --state DIR --log-vkey VKEY [--listen 127.0.0.1:7380]
    RECALL_API_KEY=... python3 witness.py commit BASE_URL PETITION --key KEYFILE --state DIR
    RECALL_API_KEY=... python3 witness.py reveal BASE_URL PETITION --key KEYFILE --state DIR

``serve`` runs the witness side of C2SP ``tlog-witness`` (the version on C2SP's main branch):
the log pushes each new checkpoint with ``POST /add-checkpoint``, whose body is ``old <size>``,
the consistency proof from that size (one base64 hash a line, at most 63), an empty line and
the signed checkpoint. The witness cosigns (C2SP tlog-cosignature, Ed25519 v1) only a checkpoint
signed by the log's key that extends, by that proof, the last one it cosigned for the origin:

| status | when |
| --- | --- |
| 200 | cosigned: the body is the cosignature line(s), ``— <name> <base64>`` |
| 400 | a malformed body, or ``old`` larger than the checkpoint's size |
| 403 | no valid signature by the log's key |
| 404 | an origin this witness does not witness |
| 409 | ``old`` is not the size it last cosigned: the body is that size and a newline, ``Content-Type: text/x.tlog.size`` |
| 422 | a size-0 tree with another root, a proof with ``old 0``, a proof that fails, or ``old`` equal to the size with another root |

Any existing witness software for transparency logs (Sigsum's, the Go checksum database's
litewitness) can witness the ledger the same way: each petition's log is the origin
``<host>/petitions/<id>`` under the log key ``<host>/ledger``.

Its memory, in ``--state DIR`` (keep it: it is the witness's word):

- ``logs/<sha256 of origin>.json``: the latest cosigned checkpoint, as a signed note with the
  witness's cosignature, and ``.cosigned``: every signed note it ever cosigned, one JSON a line;
- ``evidence/``: when the log asks it to cosign a checkpoint that contradicts the one it
  cosigned (another root for the same size, or a consistency proof that fails), both signed
  notes and the proof, in the format ``tools/verify_ledger.py --check-evidence`` reads. The
  witness refuses (422), says so on standard error, and publishes the evidence:
  ``GET /evidence/`` lists it, ``GET /evidence/<file>`` serves it.

``GET /<sha256 of origin, hex>/checkpoint`` returns the latest cosigned checkpoint (C2SP's
monitoring API), so anyone can compare it with what the service shows them.

``commit`` and ``reveal`` take part in a petition's random sample as an accredited witness: the
first draws 32 random bytes, keeps them in DIR and publishes their commitment through the API
(``POST /api/v1/petitions/{id}/sample/commitments/``), the second publishes them once the
service has fixed the beacon round (``.../sample/reveals/``); the API key needs the ``witness``
scope and the commission's accreditation of this witness's key.

``--generate-key NAME`` prints a new secret key (or writes it to ``--key``, mode 0600) and its
verifier key (cosignature/v1, type 0x04): give the verifier key and the witness's address to the
commission, which lists it among the accredited witnesses (``RECALL_LEDGER_WITNESSES``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

USER_AGENT = "recall-witness/2"
TIMEOUT = 30
DASH = "\u2014"
ALG_NOTE, ALG_COSIGNATURE = 0x01, 0x04
EMPTY_ROOT = hashlib.sha256(b"").digest()
MAX_BODY = 64 * 1024
MAX_PROOF = 63
EVIDENCE_FORMAT = "recall-ledger-evidence/v1"
SIZE_TYPE = "text/x.tlog.size"


class Failed(Exception):
    """Something could not be done (network, a malformed answer, a refusal)."""


# --- keys and notes --------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise ValueError(f"not base64: {text!r}") from error


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
        """A cosignature/v1 line on a checkpoint body (C2SP tlog-cosignature)."""
        message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
        raw = struct.pack(">I", self.key_id) + struct.pack(">Q", timestamp) + self.private.sign(message)
        return f"{DASH} {self.name} {b64(raw)}\n"


def valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name) and name.isprintable()


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
        try:
            material = unb64(parts[2]) if len(parts) == 3 else b""
        except ValueError:
            material = b""
        if len(material) != 33 or material[0] != ALG_NOTE or not valid_name(parts[0]):
            raise SystemExit(f"not an Ed25519 log key: {vkey!r}")
        key = cls(parts[0], material[1:])
        if f"{key_id(key.name, ALG_NOTE, key.public):08x}" != parts[1]:
            raise SystemExit(f"the key ID of {vkey!r} does not match its key")
        return key

    @property
    def vkey(self) -> str:
        return f"{self.name}+{key_id(self.name, ALG_NOTE, self.public):08x}+{b64(bytes([ALG_NOTE]) + self.public)}"

    def origins(self, origin: str) -> bool:
        """The logs this key signs: its own name, and the recall service's per-petition origins
        ``<host>/petitions/<id>`` under a key named ``<host>/ledger``."""
        if origin == self.name:
            return True
        host, _, last = self.name.rpartition("/")
        return last == "ledger" and re.fullmatch(re.escape(host) + r"/petitions/[1-9][0-9]{0,18}", origin) is not None

    def verify(self, note: str) -> str | None:
        """The note's text if it carries a valid signature by this key; None if it has none.
        Raises ValueError if a signature by this key (name and key ID) fails: C2SP's 403."""
        split = note.rfind("\n\n")
        if split < 0:
            raise ValueError("a note has a blank line before its signatures")
        text, lines = note[: split + 1], note[split + 2 :].split("\n")[:-1]
        wanted, found = key_id(self.name, ALG_NOTE, self.public), None
        for line in lines:
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != DASH:
                raise ValueError(f"malformed signature line: {line!r}")
            raw = unb64(parts[2])
            if parts[1] != self.name or len(raw) < 4 or int.from_bytes(raw[:4], "big") != wanted:
                continue  # another key's signature: ignored, as the spec says
            try:
                Ed25519PublicKey.from_public_bytes(self.public).verify(raw[4:], text.encode())
            except InvalidSignature as error:
                raise ValueError("the log's signature does not verify") from error
            found = text
        return found


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise ValueError(f"malformed checkpoint: {body!r}")
    root = unb64(lines[2])
    if len(root) != 32 or b64(root) != lines[2]:
        raise ValueError(f"malformed root hash: {lines[2]!r}")
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


# --- the witness (C2SP tlog-witness, add-checkpoint) -----------------------------------------


def origin_hash(origin: str) -> str:
    return hashlib.sha256(origin.encode()).hexdigest()


def save_json(path: str, data: Any) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8") as file:
        json.dump(data, file, indent=1, sort_keys=True)
        file.flush()
        os.fsync(file.fileno())
    os.replace(file.name, path)  # never a half-written memory


class Witness:
    """The add-checkpoint handler and the witness's memory."""

    def __init__(self, key: WitnessKey, state: str, logs: Sequence[LogKey], clock: Any = time.time) -> None:
        self.key, self.state, self.logs, self.clock = key, state, list(logs), clock
        self.lock = threading.Lock()  # checking the old size and persisting the new one: atomically
        os.makedirs(os.path.join(state, "logs"), exist_ok=True)
        os.makedirs(os.path.join(state, "evidence"), exist_ok=True)

    def log_for(self, origin: str) -> LogKey | None:
        return next((log for log in self.logs if log.origins(origin)), None)

    def _path(self, origin: str, suffix: str = ".json") -> str:
        return os.path.join(self.state, "logs", origin_hash(origin) + suffix)

    def latest(self, origin: str) -> dict[str, Any]:
        path = self._path(origin)
        if not os.path.exists(path):
            return {"origin": origin, "size": 0, "root_hash": b64(EMPTY_ROOT), "note": None}
        with open(path, encoding="utf-8") as file:
            return json.load(file)

    def add_checkpoint(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            old, proof, signed, origin = self.parse_request(body)
        except ValueError as error:
            return 400, {}, f"malformed request: {error}\n".encode()
        log = self.log_for(origin)
        if log is None:
            return 404, {}, b"unknown log\n"
        try:
            text = log.verify(signed)
        except ValueError as error:
            return 403, {}, f"{error}\n".encode()
        if text is None:
            return 403, {}, b"no signature by the log's key\n"
        try:
            _, size, root = parse_checkpoint(text)
        except ValueError as error:
            return 400, {}, f"{error}\n".encode()
        if old > size:
            return 400, {}, b"old size is larger than the checkpoint's\n"
        with self.lock:
            known = self.latest(origin)
            if old != known["size"]:
                return 409, {"Content-Type": SIZE_TYPE}, f"{known['size']}\n".encode()
            known_root = unb64(known["root_hash"])
            if size == 0 and root != EMPTY_ROOT:
                return 422, {}, b"a tree of size 0 has the empty root\n"
            if old == 0 and proof:
                return 422, {}, b"no proof from size 0\n"
            if old > 0 and not verify_consistency(old, size, proof, known_root, root):
                self.keep_evidence(known, signed, proof, size)
                return 422, {}, b"the checkpoint is not consistent with the one cosigned before\n"
            line = self.key.cosign(text, int(self.clock()))
            cosigned = signed + line
            record = {"origin": origin, "size": size, "root_hash": b64(root), "note": cosigned}
            save_json(self._path(origin), record)  # persisted before the answer
            with open(self._path(origin, ".cosigned"), "a", encoding="utf-8") as file:
                file.write(json.dumps({"note": cosigned, "at": int(self.clock())}) + "\n")
        return 200, {}, line.encode()

    @staticmethod
    def parse_request(body: bytes) -> tuple[int, list[bytes], str, str]:
        text = body.decode("utf-8")
        head, sep, signed = text.partition("\n\n")
        if not sep or not signed.endswith("\n"):
            raise ValueError("an old size line, proof lines, an empty line, then the checkpoint")
        lines = head.split("\n")
        match = re.fullmatch(r"old (0|[1-9][0-9]*)", lines[0])
        if not match or len(lines) - 1 > MAX_PROOF:
            raise ValueError("the first line is 'old <size>', then at most 63 proof lines")
        proof = [unb64(line) for line in lines[1:]]
        if any(len(p) != 32 for p in proof):
            raise ValueError("a proof line is one SHA-256 hash in base64")
        return int(match.group(1)), proof, signed, signed.split("\n", 1)[0]

    def keep_evidence(self, known: dict[str, Any], signed: str, proof: list[bytes], size: int) -> None:
        """The log asked for a checkpoint that contradicts the one cosigned: keep and publish both."""
        kind = "two-roots" if size == known["size"] else "unproven-extension"
        origin = known["origin"]
        evidence = {
            "format": EVIDENCE_FORMAT,
            "kind": kind,
            "origin": origin,
            "log_vkey": next(log.vkey for log in self.logs if log.origins(origin)),
            "notes": [known["note"], signed],
            "consistency_proof": [b64(h) for h in proof],
            "summary": (
                f"cosigned size {known['size']} ({known['root_hash']}); asked to cosign size {size}, "
                + ("another root for that size" if kind == "two-roots" else "with a consistency proof that fails")
            ),
            "observed_at": dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat(timespec="seconds"),
            "witness": self.key.vkey,
        }
        stamp = dt.datetime.fromtimestamp(self.clock(), dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{origin_hash(origin)[:16]}-{stamp}-{secrets.token_hex(3)}.json"
        save_json(os.path.join(self.state, "evidence", name), evidence)
        print(
            f"!!! INCONSISTENT CHECKPOINT, NOT COSIGNED: {origin}: {evidence['summary']}; evidence/{name}",
            file=sys.stderr,
            flush=True,
        )

    def evidence_files(self) -> list[str]:
        return sorted(os.listdir(os.path.join(self.state, "evidence")))


class Handler(BaseHTTPRequestHandler):
    witness: Witness
    protocol_version = "HTTP/1.1"  # keep-alive, as the spec asks clients and witnesses to use

    def do_POST(self) -> None:
        if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
            self.answer(404, {}, b"not found\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.answer(413, {}, b"too large\n")
            return
        self.answer(*self.witness.add_checkpoint(self.rfile.read(length)))

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if parts == ["evidence"]:
            body = json.dumps(self.witness.evidence_files()).encode()
            self.answer(200, {"Content-Type": "application/json"}, body)
            return
        if len(parts) == 2 and parts[0] == "evidence" and parts[1] in self.witness.evidence_files():
            with open(os.path.join(self.witness.state, "evidence", parts[1]), "rb") as file:
                self.answer(200, {"Content-Type": "application/json"}, file.read())
            return
        if len(parts) == 2 and parts[1] == "checkpoint" and re.fullmatch(r"[0-9a-f]{64}", parts[0]):
            path = os.path.join(self.witness.state, "logs", parts[0] + ".json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as file:
                    self.answer(200, {"Content-Type": "text/plain; charset=utf-8"}, json.load(file)["note"].encode())
                return
        self.answer(404, {}, b"not found\n")

    def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        headers = {"Content-Type": "text/plain; charset=utf-8", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("WitnessHandler", (Handler,), {"witness": witness})
    return ThreadingHTTPServer((host, port), handler)


# --- a party to a petition's random sample ---------------------------------------------------


def party_commitment(name: str, reveal: bytes) -> str:
    return hashlib.sha256(b"recall-seed-commit/v1\x00" + name.encode() + b"\x00" + reveal).hexdigest()


def post(url: str, body: dict[str, Any], api_key: str) -> Any:
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Authorization": f"Api-Key {api_key}",
    }
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read()[:500].decode("utf-8", "replace")
        raise Failed(f"POST {url} answered {error.code}: {detail}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Failed(f"cannot reach {url}: {error}") from error


def take_part(action: str, base: str, petition: int, key: WitnessKey, state: str, api_key: str) -> int:
    """Commit to (or reveal) this witness's share of a petition's sample seed."""
    path = os.path.join(state, "sample", f"{base.split('//')[-1].replace('/', '_')}-{petition}.json")
    url = f"{base.rstrip('/')}/api/v1/petitions/{petition}/sample/"
    try:
        if action == "commit":
            if os.path.exists(path):
                print(f"already committed for petition {petition}: {path}", file=sys.stderr)
                return 1
            reveal = secrets.token_bytes(32)
            save_json(path, {"reveal": reveal.hex()})  # kept before it is published
            post(url + "commitments/", {"commitment": party_commitment(key.name, reveal)}, api_key)
            print(f"petition {petition}: committed as {key.name}")
        else:
            with open(path, encoding="utf-8") as file:
                reveal = bytes.fromhex(json.load(file)["reveal"])
            post(url + "reveals/", {"reveal": reveal.hex()}, api_key)
            print(f"petition {petition}: revealed as {key.name}")
    except (Failed, OSError, KeyError, ValueError) as error:
        print(f"petition {petition}: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


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
    parser = argparse.ArgumentParser(description="A C2SP tlog-witness for the recall service's ledgers.")
    parser.add_argument("action", nargs="?", choices=["serve", "commit", "reveal"])
    parser.add_argument("base_url", nargs="?", help="commit/reveal: the service, e.g. https://recall.example.kz")
    parser.add_argument("petition", nargs="?", type=int, help="commit/reveal: the petition's number")
    parser.add_argument("--key", help="the witness's secret key file")
    parser.add_argument("--state", help="the witness's memory (a folder), created if missing")
    parser.add_argument("--log-vkey", action="append", default=[], help="serve: a log key to witness (repeatable)")
    parser.add_argument("--listen", default="127.0.0.1:7380", help="serve: address and port (default 127.0.0.1:7380)")
    parser.add_argument("--generate-key", metavar="NAME", help="print a new key named NAME and its verifier key")
    args = parser.parse_args(argv)
    if args.generate_key:
        return args
    if not args.action or not args.key or not args.state:
        parser.error("serve, commit or reveal, with --key and --state (or --generate-key NAME)")
    if args.action == "serve" and not args.log_vkey:
        parser.error("serve needs --log-vkey: the log's key, as the commission publishes it")
    if args.action != "serve" and (not args.base_url or args.petition is None):
        parser.error(f"{args.action} needs BASE_URL and PETITION")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.generate_key:
        return generate(args.generate_key, args.key)
    key = load_witness_key(args.key)
    if args.action == "serve":
        witness = Witness(key, args.state, [LogKey.parse(v) for v in args.log_vkey])
        host, _, port = args.listen.rpartition(":")
        server = make_server(witness, host or "127.0.0.1", int(port))
        print(f"witness {key.vkey} listening on http://{args.listen}/add-checkpoint", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        return 0
    api_key = os.environ.get("RECALL_API_KEY", "")
    if not api_key:
        print("RECALL_API_KEY is not set", file=sys.stderr)
        return 2
    return take_part(args.action, args.base_url, args.petition, key, args.state, api_key)


if __name__ == "__main__":
    sys.exit(main())
