"""Signed notes, checkpoints and witness cosignatures (C2SP signed-note, tlog-checkpoint, tlog-cosignature).

Keys, as text (the formats of Go's ``golang.org/x/mod/sumdb/note``):

- verifier key ("vkey"): ``<name>+<hex key ID>+base64(<type byte> || 32-byte Ed25519 public key)``;
- signer key ("skey", secret): ``PRIVATE+KEY+<name>+<hex key ID>+base64(<type byte> || 32-byte seed)``;
- key ID: ``SHA-256(<name> || 0x0A || <type byte> || public key)[:4]``, big-endian uint32.

Type ``0x01`` is a plain Ed25519 note signature (the log signs its checkpoints with it); type
``0x04`` is a timestamped cosignature/v1 (witnesses), whose signature is ``u64 timestamp ||
Ed25519 signature`` over ``"cosignature/v1\\ntime <timestamp>\\n" || checkpoint body``.

A note is its text (ending in a newline), a blank line, then signature lines
``— <name> base64(<4-byte key ID> || signature)``. Verification follows the spec: signatures
by unknown keys are ignored, a known key's failing signature rejects the note, and a note with
no verified known signature is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"  # em dash, the first character of a signature line
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16
MAX_TIMESTAMP = 2**63 - 1


class NoteError(ValueError):
    """A malformed note, key, checkpoint or signature line, or a signature that does not verify."""


# --- keys ------------------------------------------------------------------------------------


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NoteError(f"not base64: {text!r}") from error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_name(name: str) -> str:
    """Key names are non-empty, with no Unicode space and no ``+``."""
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise NoteError(f"invalid key name: {name!r}")
    return name


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || alg || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A known public key: verifies note signatures (0x01) or cosignatures (0x04)."""

    name: str
    alg: int
    public_key: bytes  # 32 raw bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([self.alg]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        parts = vkey.split("+", 2)  # base64 may hold "+", names never do
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError(f"malformed verifier key: {vkey!r}")
        name, hex_id, material = check_name(parts[0]), parts[1], _b64decode(parts[2])
        if len(material) != 33 or material[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(f"not an Ed25519 (0x01) or cosignature/v1 (0x04) key: {vkey!r}")
        verifier = cls(name, material[0], material[1:])
        if verifier.key_id != int(hex_id, 16):
            raise NoteError(f"the key ID of {vkey!r} does not match its key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        """``signature`` without its key ID; ``message`` is the note text (for 0x04, the checkpoint body)."""
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            timestamp = struct.unpack(">Q", signature[:8])[0]
            if timestamp > MAX_TIMESTAMP:
                return False
            try:
                message = cosignature_message(message.decode(), timestamp)
            except (NoteError, UnicodeDecodeError):
                return False  # only checkpoints are cosigned
            signature = signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A secret key that signs notes (0x01) or cosigns checkpoints (0x04)."""

    name: str
    alg: int
    seed: bytes  # the 32-byte Ed25519 private key seed

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return cls(check_name(name), alg, seed)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not re.fullmatch(r"[0-9a-f]{8}", parts[3]):
            raise NoteError("malformed signer key (expected PRIVATE+KEY+name+keyid+base64)")
        material = _b64decode(parts[4])
        if len(material) != 33 or material[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("not an Ed25519 (0x01) or cosignature/v1 (0x04) signer key")
        signer = cls(check_name(parts[2]), material[0], material[1:])
        if signer.key_id != int(parts[3], 16):  # the ID names the public key: check it after deriving it
            raise NoteError("the key ID of the signer key does not match its key")
        return signer

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        return _raw_public(self._private.public_key())

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def skey(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{_b64(bytes([self.alg]) + self.seed)}"

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def generate_key(name: str, alg: int = ALG_ED25519) -> tuple[str, str]:
    """A new (skey, vkey) pair; ``alg`` 0x04 for a witness."""
    signer = Signer.generate(name, alg)
    return signer.skey, signer.vkey


# --- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: ``— <name> base64(<key ID> || <signature>)``."""

    name: str
    key_id: int
    signature: bytes  # after the key ID

    @property
    def line(self) -> str:
        return f"{DASH} {self.name} {_b64(struct.pack('>I', self.key_id) + self.signature)}\n"

    @property
    def timestamp(self) -> int | None:
        """A cosignature/v1's time (POSIX seconds), if this is one by its shape."""
        return struct.unpack(">Q", self.signature[:8])[0] if len(self.signature) == 8 + 64 else None


def parse_signature_line(line: str) -> Signature:
    """Parse ``— <name> <base64>`` (with or without its final newline)."""
    text = line[:-1] if line.endswith("\n") else line
    parts = text.split(" ")
    if len(parts) != 3 or parts[0] != DASH:
        raise NoteError(f"malformed signature line: {line!r}")
    raw = _b64decode(parts[2])
    if len(raw) < 5:
        raise NoteError(f"signature too short: {line!r}")
    return Signature(check_name(parts[1]), struct.unpack(">I", raw[:4])[0], raw[4:])


@dataclass(frozen=True)
class Note:
    text: str  # ends with a newline
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note text ends with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note contains no control character other than newline")


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into its text and signatures (nothing is verified here)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NoteError("a note is UTF-8") from error
    _check_text(data)
    split = data.rfind("\n\n")  # the text ends at the last blank line
    if split < 0:
        raise NoteError("a note has a blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    lines = block.split("\n")[:-1]  # block ends with a newline, checked above
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note has 1 to {MAX_SIGNATURES} signatures")
    return Note(text, tuple(parse_signature_line(line) for line in lines))


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note: ``text``, a blank line, one signature line per signer (0x01 keys)."""
    _check_text(text)
    if not signers or any(s.alg != ALG_ED25519 for s in signers):
        raise NoteError("a note is signed by Ed25519 (0x01) keys; witnesses use cosign()")
    signatures = tuple(Signature(s.name, s.key_id, s.sign(text.encode())) for s in signers)
    return str(Note(text, signatures))


def verify_note(data: str | bytes, verifiers: Iterable[Verifier]) -> tuple[Note, list[Verifier]]:
    """Open a note: returns it with the known keys whose signatures verified.

    Signatures of unknown keys (name and ID not both matching) are ignored; a known key's bad
    signature, or no verified signature at all, raises ``NoteError``.
    """
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified = []
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not verifier.verify(note.text.encode(), signature.signature):
            raise NoteError(f"the signature of {signature.name} does not verify")
        verified.append(verifier)
    if not verified:
        raise NoteError("no signature by a known key")
    return note, verified


# --- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP checkpoint: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        text = "\n".join(lines) + "\n"
        parse_checkpoint(text)  # never produce what we would refuse to read
        return text

    def sign(self, signer: Signer) -> str:
        return sign_note(self.body(), signer)


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint's note text (not its signatures), strictly."""
    _check_text(body)
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint has at least three non-empty lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise NoteError(f"malformed tree size: {size!r}")
    root_hash = _b64decode(root)
    if len(root_hash) != 32 or _b64(root_hash) != root:
        raise NoteError(f"malformed root hash: {root!r}")
    return Checkpoint(origin, int(size), root_hash, tuple(lines[3:]))


def open_checkpoint(data: str | bytes, log: Verifier) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint with the log's key and parse its body."""
    note, _ = verify_note(data, [log])
    return parse_checkpoint(note.text), note


# --- cosignatures (tlog-cosignature, Ed25519, v1) --------------------------------------------


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: ``cosignature/v1\\ntime <ts>\\n`` then the checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"timestamp out of range: {timestamp}")
    parse_checkpoint(body)
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, witness: Signer, timestamp: int) -> str:
    """A witness's cosignature line on a checkpoint body, at ``timestamp`` (POSIX seconds)."""
    if witness.alg != ALG_COSIGNATURE_V1:
        raise NoteError("a witness cosigns with a cosignature/v1 (0x04) key")
    signature = struct.pack(">Q", timestamp) + witness.sign(cosignature_message(body, timestamp))
    return Signature(witness.name, witness.key_id, signature).line


def verify_cosignature(body: str, line: str, witness: Verifier) -> int:
    """Check one cosignature line by ``witness`` on a checkpoint body; returns its timestamp."""
    if witness.alg != ALG_COSIGNATURE_V1:
        raise NoteError("a witness key is a cosignature/v1 (0x04) key")
    signature = parse_signature_line(line)
    if (signature.name, signature.key_id) != (witness.name, witness.key_id):
        raise NoteError(f"the cosignature is not by {witness.name}+{witness.key_id:08x}")
    if not witness.verify(body.encode(), signature.signature):
        raise NoteError(f"the cosignature of {witness.name} does not verify")
    return signature.timestamp or 0


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """The note with more signature lines (e.g. cosignatures) after its own."""
    parsed = parse_note(note)
    extra = tuple(parse_signature_line(line) for line in lines)
    return str(Note(parsed.text, parsed.signatures + extra))
