"""A small in-process HTTP server that serves a petition's ledger exactly as recall/ledger/API.md says.

Built with the pure library (entries, tlog, note, sampling_draw), it stands in for the Django
views so the standalone tools can be tested without a database; tests tamper with what it
serves to play a dishonest or broken service.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from recall.ledger import beacon, entries, note, sampling_draw, tlog
from recall.ledger.entries import (
    BeaconFixed,
    Coarsening,
    Decided,
    Event,
    Policy,
    Received,
    SampleDrawn,
    SampleFinding,
    SeedCommitted,
    SeedRevealed,
    StateChanged,
    Verified,
    Withdrawn,
)

PETITION = 7
HOST = "recall.test"
API_KEY = "witness-api-key"
CHECKPOINT_PAGE = 3
ENTRY_PAGE = 7
# A real drand quicknet round (noislabs/drand-verify's test vector): the fake's sample takes it.
ROUND = 123
ROUND_SIGNATURE = bytes.fromhex(
    "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"
)
ROUND_TIME = 1692803367 + (ROUND - 1) * 3  # quicknet's genesis and period
QUICKNET_HASH = beacon.QUICKNET.hash
POLICY = Policy(required=20, percent="25.00", minimum=6, sufficient_percent="110.00", insufficient_percent="95.00")
REVEALS = {"commission": b"\x07" * 32, "initiative group": b"\x09" * 32}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def receipt(i: int) -> str:
    return f"{i:012d}"


@dataclass
class FakeService:
    petition: int = PETITION
    log: note.Signer = field(default_factory=lambda: note.Signer.generate(f"{HOST}/ledger"))
    store: tlog.MemoryStore = field(default_factory=tlog.MemoryStore)
    entries: list[bytes] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    witnesses: dict[str, note.Verifier] = field(default_factory=dict)  # registered witness keys, by API key
    queued: int = 2
    detail_override: dict[str, Any] = field(default_factory=dict)
    served_entries: list[tuple[int, bytes]] | None = None  # tampering: what /entries/ serves instead
    posted: list[dict[str, Any]] = field(default_factory=list)
    coarsening: Coarsening = field(default_factory=Coarsening)

    @property
    def origin(self) -> str:
        return f"{HOST}/petitions/{self.petition}"

    # --- building the ledger ------------------------------------------------------------------
    def append(self, *events: Event) -> None:
        data = [entries.encode(e) for e in events]
        self.store.append([tlog.leaf_hash(d) for d in data])
        self.entries += data
        self.events += events

    def sign(self) -> dict[str, Any]:
        size = len(self.entries)
        body = note.Checkpoint(self.origin, size, self.store.root(size)).body()
        checkpoint = {
            "origin": self.origin,
            "size": size,
            "root_hash": b64(self.store.root(size)),
            "checkpoint": note.sign_note(body, self.log),
            "signed_at": "2026-11-21T05:00:00+00:00",
            "cosignatures": [],
        }
        self.checkpoints.append(checkpoint)
        return checkpoint

    def cosign_all(self, witness: note.Signer, timestamp: int = ROUND_TIME - 60) -> None:
        """``witness`` cosigns every checkpoint at ``timestamp`` (default: before the sample's round)."""
        for checkpoint in self.checkpoints:
            self.cosign(checkpoint, witness, timestamp)

    def cosign(self, checkpoint: dict[str, Any], witness: note.Signer, timestamp: int) -> None:
        body = note.parse_note(checkpoint["checkpoint"]).text
        line = note.cosign(body, witness, timestamp)
        item = {"witness": witness.name, "vkey": witness.vkey, "signature": line, "timestamp": timestamp}
        checkpoint["cosignatures"].append(item)

    # --- what the API serves ------------------------------------------------------------------
    def detail(self) -> dict[str, Any]:
        counts = entries.tally(self.events)
        detail = {
            "id": self.petition,
            "state": "verifying",
            "counts": {
                "required": 20,
                "received": counts.received + self.queued,
                "valid": counts.counted,
                "invalid": counts.not_counted,
                "awaiting": counts.awaiting + self.queued,
                "withdrawn": counts.withdrawn,
                "queued": self.queued,
            },
            "ledger": {"origin": self.origin, "size": len(self.entries)},
            "projection": self.projection(),
        }
        return {**detail, **self.detail_override}

    def projection(self) -> dict[str, Any] | None:
        samples = [e for e in self.events if isinstance(e, SampleDrawn)]
        if not samples:
            return None
        findings = {e.commitment: e for e in self.events if isinstance(e, SampleFinding)}
        sample = samples[0]
        if len(findings) < sample.size:
            return None
        valid = sum(f.counted for f in findings.values())
        duplicates = sum(f.duplicate for f in findings.values())
        projected = sampling_draw.projection(
            raw=sample.population, sample=sample.size, valid=valid, duplicates=duplicates
        )
        return {
            "raw_signatures": sample.population,
            "sample_size": sample.size,
            "valid_in_sample": valid,
            "duplicates_in_sample": duplicates,
            "projected_valid": str(projected),
            "outcome": sampling_outcome(projected),
            "seed": sample.seed,
        }

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        prefix = f"/api/v1/petitions/{self.petition}/"
        if method == "POST" and path == prefix + "ledger/cosignatures/":
            return self.receive_cosignature(query.get("_auth", ""), body)
        if path == "/api/v1/ledger/key/":
            return 200, {"key_name": self.log.name, "vkey": self.log.vkey}
        if path == "/api/v1/petitions/":
            return 200, {"count": 1, "next": None, "previous": None, "results": [{"id": self.petition}]}
        if path == prefix:
            return 200, self.detail()
        if path == prefix + "ledger/":
            return 200, {**self.checkpoints[-1], "log_size": len(self.entries)}
        if path == prefix + "ledger/checkpoints/":
            return 200, self.checkpoint_page(int(query.get("page", "1")))
        if path == prefix + "ledger/entries/":
            return 200, self.entry_page(int(query["start"]), int(query["end"]))
        if path == prefix + "ledger/proof/inclusion/":
            return self.inclusion(query)
        if path == prefix + "ledger/proof/consistency/":
            first, second = int(query["first"]), int(query["second"])
            hashes = tlog.consistency_proof(first, second, self.store.read)
            return 200, {"first": first, "second": second, "hashes": [b64(h) for h in hashes]}
        return 404, {"code": "not_found", "message": "No such object."}

    def checkpoint_page(self, page: int) -> dict[str, Any]:
        start = (page - 1) * CHECKPOINT_PAGE
        results = self.checkpoints[start : start + CHECKPOINT_PAGE]
        more = start + CHECKPOINT_PAGE < len(self.checkpoints)
        url = f"/api/v1/petitions/{self.petition}/ledger/checkpoints/?page="
        return {
            "count": len(self.checkpoints),
            "next": f"{url}{page + 1}" if more else None,
            "previous": f"{url}{page - 1}" if page > 1 else None,
            "results": results,
        }

    def entry_page(self, start: int, end: int) -> dict[str, Any]:
        served = self.served_entries if self.served_entries is not None else list(enumerate(self.entries))
        items = [(i, e) for i, e in served if start <= i < end][:ENTRY_PAGE]
        last = items[-1][0] + 1 if items else start
        more = last < min(end, len(served))
        url = f"/api/v1/petitions/{self.petition}/ledger/entries/?start={last}&end={end}"
        return {"entries": [{"index": i, "entry": b64(e)} for i, e in items], "next": url if more else None}

    def inclusion(self, query: dict[str, str]) -> tuple[int, Any]:
        size = int(query["tree_size"])
        wanted = base64.b64decode(query["leaf_hash"])
        found = next((i for i, e in enumerate(self.entries[:size]) if tlog.leaf_hash(e) == wanted), None)
        if found is None:
            return 404, {"code": "not_found", "message": "No such leaf."}
        hashes = tlog.inclusion_proof(found, size, self.store.read)
        return 200, {"leaf_index": found, "tree_size": size, "hashes": [b64(h) for h in hashes]}

    def receive_cosignature(self, auth: str, body: Any) -> tuple[int, Any]:
        witness = self.witnesses.get(auth.removeprefix("Api-Key "))
        if witness is None:
            return 403, {"code": "missing_scope", "message": "A witness key is required."}
        matching = [c for c in self.checkpoints if c["size"] == body["size"]]
        if not matching:
            return 404, {"code": "not_found", "message": "No checkpoint of that size."}
        checkpoint = next((c for c in matching if c["root_hash"] == body["root_hash"]), None)
        if checkpoint is None:
            return 409, {"code": "root_mismatch", "message": "Another root for that size."}
        text = note.parse_note(checkpoint["checkpoint"]).text
        try:
            timestamp = note.verify_cosignature(text, body["cosignature"], witness)
        except note.NoteError as error:
            return 422, {"code": "invalid_cosignature", "message": str(error)}
        item = {"witness": witness.name, "vkey": witness.vkey, "signature": body["cosignature"], "timestamp": timestamp}
        checkpoint["cosignatures"].append(item)
        self.posted.append({**body, "witness": witness.name})
        return 201, {"witness": witness.name, "size": body["size"], "root_hash": body["root_hash"]}


def sampling_outcome(projected: Any) -> str:
    if projected * 100 > POLICY.required * Decimal(POLICY.sufficient_percent):
        return "sufficient"
    if projected * 100 < POLICY.required * Decimal(POLICY.insufficient_percent):
        return "insufficient"
    return "full_check"


def signature_events(commitments: list[str], coarsening: entries.Coarsening, start: int, stop: int) -> list[Event]:
    """Entries for signatures ``start..stop`` as the workers write them (labels by the small-group rule)."""
    channels = ["web", "partner", "web", "eds", "paper"]
    events: list[Event] = []
    for i in range(start, stop):
        day, decided = f"2026-11-{2 + i // 10:02d}", i % 7 != 6  # the seventh waits for an official
        channel, shown = coarsening.label(channels[i % 5], day)
        if decided and i % 3 == 1:  # received and decided in one entry, as the workers write
            events.append(Verified(commitments[i], channel, shown, i % 9 != 3))
            continue
        events.append(Received(commitments[i], channel, shown))
        if decided:
            events.append(Decided(commitments[i], i % 9 != 3))
    return events


def build_service(signatures: int = 40) -> FakeService:
    """A petition registered under its policy, collected, submitted, its seed committed to, a
    beacon round fixed, revealed, sampled and decided: every kind of entry, several checkpoints."""
    service = FakeService()
    pid = service.petition
    service.append(StateChanged("registered", "collecting", "2026-11-01T04:00Z"), POLICY)
    service.sign()
    commitments = []
    for i in range(signatures):
        if i % 5 == 4:  # every fifth is a paper line: no receipt, a secret commitment
            secret = hashlib.sha256(f"paper {i}".encode()).digest()
            commitments.append(entries.paper_commitment(pid, secret))
        else:
            commitments.append(entries.receipt_commitment(pid, receipt(i)))
    service.coarsening = entries.Coarsening()
    for batch in range(0, signatures, 10):
        service.append(*signature_events(commitments, service.coarsening, batch, min(batch + 10, signatures)))
        service.sign()
    service.append(Withdrawn(commitments[0]), Decided(commitments[6], True), Withdrawn(commitments[13]))
    service.append(StateChanged("collecting", "submitted", "2026-11-20T06:30Z"))
    population_checkpoint = service.sign()["size"]
    population = entries.population(service.events, population_checkpoint)
    service.append(StateChanged("submitted", "verifying", "2026-11-21T05:00Z"))
    # The seed: the parties commit, the beacon round is fixed, they reveal (each under a checkpoint).
    service.append(*(SeedCommitted(p, sampling_draw.party_commitment(p, r)) for p, r in REVEALS.items()))
    service.sign()
    service.append(BeaconFixed(QUICKNET_HASH, ROUND))
    service.sign()
    service.append(*(SeedRevealed(p, r.hex()) for p, r in REVEALS.items()))
    service.sign()
    procedure = sampling_draw.beacon_procedure(QUICKNET_HASH, ROUND, ROUND_SIGNATURE, list(REVEALS.items()), [])
    seed = sampling_draw.seed_from_procedure(procedure)
    size = sampling_draw.sample_size(len(population), POLICY.percent, POLICY.minimum)
    service.append(
        SampleDrawn(population_checkpoint, len(population), size, POLICY.percent, POLICY.minimum, seed.hex(), procedure)
    )
    members = [population[p] for p in sampling_draw.draw(seed, len(population), size)]
    # The first sampled signature is not counted, the second is a duplicate, the others count.
    findings = [SampleFinding(c, counted=n > 1, duplicate=n == 1) for n, c in enumerate(members)]
    service.append(*findings)
    service.sign()
    return service


class _Handler(BaseHTTPRequestHandler):
    service: FakeService

    def do_GET(self) -> None:
        self.answer("GET", None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.answer("POST", json.loads(self.rfile.read(length)))

    def answer(self, method: str, body: Any) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        query["_auth"] = self.headers.get("Authorization", "")
        status, payload = self.service.route(method, url.path, query, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:  # quiet tests
        pass


@contextlib.contextmanager
def serving(service: FakeService) -> Iterator[str]:
    """Serve ``service`` on a free loopback port; yields the base URL."""
    handler = type("Handler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
