"""The standalone witness (C2SP tlog-witness): the published exchanges as vectors, its memory
across restarts, and the evidence it keeps and publishes when a log contradicts itself."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from recall.ledger import entries, note, tlog
from recall.ledger.entries import Decided

from .fakeserver import FakeService, build_service
from .test_verify_ledger import load_tool, verify_ledger

witness_tool = load_tool(Path(__file__).resolve().parents[2] / "tools" / "witness.py", "tools_witness")

# --- C2SP vectors -------------------------------------------------------------------------------
# The add-checkpoint exchange of litewitness's tests (FiloSottile/torchwood,
# cmd/litewitness/testdata/litewitness.txt): a Sigsum log of 5 leaves 0x2a || i || 0^30.
SIGSUM_PUBLIC = bytes.fromhex("ffdc2d4d98e4124d3feaf788c0c2f9abfd796083d1f0495437f302ec79cf100f")
SIGSUM_ORIGIN = "sigsum.org/v1/tree/" + hashlib.sha256(SIGSUM_PUBLIC).hexdigest()
ROOTS = {
    1: "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    3: "RcCI1Nk56ZcSmIEfIn0SleqtV7uvrlXNccFx595Iwl0=",
    5: "QrtXrQZCCvpIgsSmOsah7HdICzMLLyDfxToMql9WTjY=",
}
SIGNATURES = {
    1: "UgIom7fPZTqpxWWhyjWduBvTvGVqsokMbqTArsQilegKoFBJQjUFAmQ0+YeSPM3wfUQMFSzVnnNuWRTYrajXpNUbIQY=",
    3: "UgIom2VbtIcdFbwFAy1n7s6IkAxIY6J/GQOTuZF2ORV39d75cbAj2aQYwyJre36kezNobZs4SUUdrcawfAB8WVrx6go=",
    5: "UgIomw/EOJmWi0i1FQsOj+etB7F8IccFam/jgd6wzRns4QPVmyEZtdvl1U2KEmLOZ/ASRcWJi0tW90dJWAShei7sDww=",
}
PROOF_1_3 = ["KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "KgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]
PROOF_1_5 = [
    "KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "+fUDV+k970B4I3uKrqJM4aP1lloPZP8mvr2Z4wRw2LI=",
    "KgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
]
PROOF_3_5 = [
    "KgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "KgMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "wgiIFdZfYNv6WU1OllBKsWnLYIS/DBMqt8Uh/S4OukE=",
    "KgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
]


def sigsum_checkpoint(size: int, *, origin: str = SIGSUM_ORIGIN, signature: str | None = None) -> str:
    return f"{origin}\n{size}\n{ROOTS[size]}\n\n\u2014 {origin} {signature or SIGNATURES[size]}\n"


def request(old: int, proof: list[str], checkpoint: str) -> bytes:
    return (f"old {old}\n" + "".join(p + "\n" for p in proof) + "\n" + checkpoint).encode()


# The nine requests in order, with the status C2SP (main) asks for: litewitness answers 403 to
# the unknown origin (the third) where the specification says 404.
EXCHANGE = [
    (request(0, [], sigsum_checkpoint(1)), 200, None),
    (request(1, PROOF_1_3, sigsum_checkpoint(3, signature=SIGNATURES[3][:-3] + "gx=")), 403, None),
    (request(1, PROOF_1_3, sigsum_checkpoint(3, origin=SIGSUM_ORIGIN[:-1] + "3")), 404, None),
    (request(1, [], sigsum_checkpoint(3)), 422, None),
    (request(1, [PROOF_1_3[0], PROOF_1_3[1][:-6] + "AAABA="], sigsum_checkpoint(3)), 422, None),
    (request(1, PROOF_1_3, sigsum_checkpoint(3)), 200, None),
    (request(1, PROOF_1_5, sigsum_checkpoint(5)), 409, b"3\n"),
    (request(3, PROOF_3_5, sigsum_checkpoint(5)), 200, None),
    (request(0, [], sigsum_checkpoint(5)), 409, b"5\n"),
]


def sigsum_log_key():
    vkey = note.Verifier(SIGSUM_ORIGIN, note.ALG_ED25519, SIGSUM_PUBLIC).vkey
    assert vkey == f"{SIGSUM_ORIGIN}+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP"
    return witness_tool.LogKey.parse(vkey)


@pytest.fixture
def witness_key():
    return witness_tool.WitnessKey("example.com/witness", bytes(range(32)))


def test_the_litewitness_exchange_gets_the_statuses_c2sp_specifies(tmp_path, witness_key):
    witness = witness_tool.Witness(witness_key, str(tmp_path), [sigsum_log_key()], clock=lambda: 1_700_000_000)
    verifier = note.Verifier.from_vkey(witness_key.vkey)
    for number, (body, status, expected) in enumerate(EXCHANGE, start=1):
        got, headers, answer = witness.add_checkpoint(body)
        assert got == status, (number, answer)
        if status == 409:
            assert headers == {"Content-Type": "text/x.tlog.size"} and answer == expected
        if status == 200:
            checkpoint = body.decode().split("\n\n", 1)[1]
            assert note.verify_cosignature(note.parse_note(checkpoint).text, answer.decode(), verifier) == 1_700_000_000
    # The two failing proofs of size 3 against size 1 were evidence; the second root for a size was not sent.
    assert len(witness.evidence_files()) == 2


def test_the_vectors_are_what_our_tree_computes():
    leaves = [bytes([0x2A, i]) + bytes(30) for i in range(5)]
    store = tlog.MemoryStore()
    store.append(leaves)
    for size, root in ROOTS.items():
        assert store.root(size) == base64.b64decode(root)
    assert [base64.b64encode(h).decode() for h in tlog.consistency_proof(1, 3, store.read)] == PROOF_1_3
    assert [base64.b64encode(h).decode() for h in tlog.consistency_proof(3, 5, store.read)] == PROOF_3_5
    for size in ROOTS:
        note.open_checkpoint(sigsum_checkpoint(size), note.Verifier(SIGSUM_ORIGIN, note.ALG_ED25519, SIGSUM_PUBLIC))


def test_a_cosignature_matches_the_known_answer():
    # Seed 00..1f, C2SP tlog-cosignature's example body and time (tests/ledger/test_note.py has it too).
    key = witness_tool.WitnessKey("witness.example/w1", bytes(range(32)))
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert key.vkey == "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    assert key.cosign(body, 1679315147) == (
        "\u2014 witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
        "l73euDMQ9k+bBQ==\n"
    )
    signer = note.Signer("witness.example/w1", note.ALG_COSIGNATURE_V1, bytes(range(32)))
    assert note.cosign(body, signer, 1679315147) == key.cosign(body, 1679315147)


def test_generate_key(tmp_path, capsys):
    path = tmp_path / "w.key"
    assert witness_tool.main(["--generate-key", "witness.test/w1", "--key", str(path)]) == 0
    vkey = capsys.readouterr().out.splitlines()[-1]
    signer = note.Signer.from_skey(path.read_text())
    assert signer.alg == note.ALG_COSIGNATURE_V1 and signer.vkey == vkey
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):  # a key is never overwritten
        witness_tool.main(["--generate-key", "witness.test/w1", "--key", str(path)])


# --- the recall ledger, pushed to a witness over HTTP -------------------------------------------


class Served:
    def __init__(self, witness):
        self.server = witness_tool.make_server(witness, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        req = urllib.request.Request(f"{self.url}/add-checkpoint", data=body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return response.read()


def push(served: Served, service: FakeService, old: int, checkpoint: dict) -> tuple[int, str, bytes]:
    proof = tlog.consistency_proof(old, checkpoint["size"], service.store.read) if 0 < old else []
    return served.post(request(old, [base64.b64encode(h).decode() for h in proof], checkpoint["checkpoint"]))


def test_it_cosigns_an_append_only_log_pushed_to_it_and_remembers_across_restarts(tmp_path, witness_key):
    service = build_service()
    log = witness_tool.LogKey.parse(service.log.vkey)
    witness = witness_tool.Witness(witness_key, str(tmp_path), [log])
    verifier = note.Verifier.from_vkey(witness_key.vkey)
    with Served(witness) as served:
        old = 0
        for checkpoint in service.checkpoints:
            status, _, line = push(served, service, old, checkpoint)
            assert status == 200, line
            note.verify_cosignature(note.parse_note(checkpoint["checkpoint"]).text, line.decode(), verifier)
            old = checkpoint["size"]
        # Again with the same size: a refreshed cosignature.
        assert push(served, service, old, service.checkpoints[-1])[0] == 200
        monitored = served.get(f"/{hashlib.sha256(service.origin.encode()).hexdigest()}/checkpoint").decode()
        assert (
            monitored.startswith(service.checkpoints[-1]["checkpoint"]) and "\u2014 example.com/witness " in monitored
        )
    cosigned = (tmp_path / "logs" / (hashlib.sha256(service.origin.encode()).hexdigest() + ".cosigned")).read_text()
    assert len(cosigned.splitlines()) == len(service.checkpoints) + 1  # every note it cosigned, kept

    # A new process with the same memory: it still knows where the log was.
    restarted = witness_tool.Witness(witness_key, str(tmp_path), [log])
    with Served(restarted) as served:
        status, kind, body = served.post(request(0, [], service.checkpoints[-1]["checkpoint"]))
        assert (status, kind, body) == (409, "text/x.tlog.size", f"{old}\n".encode())


def forked(service: FakeService) -> FakeService:
    events = list(service.events)
    at = next(i for i, e in enumerate(events) if isinstance(e, Decided) and not e.counted)
    events[at] = Decided(events[at].commitment, True)
    other = FakeService(log=service.log)
    other.append(*events)
    other.sign()
    return other


def test_a_fork_is_refused_and_its_evidence_published(tmp_path, witness_key, capsys):
    service = build_service()
    witness = witness_tool.Witness(witness_key, str(tmp_path), [witness_tool.LogKey.parse(service.log.vkey)])
    with Served(witness) as served:
        size = service.checkpoints[-1]["size"]
        assert push(served, service, 0, service.checkpoints[-1])[0] == 200
        fork = forked(service)
        # The same size with another root, then a larger fork with the log's own proof.
        assert push(served, fork, size, fork.checkpoints[-1])[0] == 422
        c = entries.receipt_commitment(7, "ZZZZZZZZZZZZ")
        fork.append(entries.Received(c, "withheld", "2026-W47"))
        fork.sign()
        assert push(served, fork, size, fork.checkpoints[-1])[0] == 422
        names = json.loads(served.get("/evidence/"))
        assert len(names) == 2
        files = []
        for name in names:
            path = tmp_path / "published.json"
            path.write_bytes(served.get(f"/evidence/{name}"))
            files.append(json.loads(path.read_text()))
            status = verify_ledger.main(["--check-evidence", str(path), "--vkey", service.log.vkey])
            assert status == {"two-roots": 3, "unproven-extension": 4}[files[-1]["kind"]]
    assert sorted(f["kind"] for f in files) == ["two-roots", "unproven-extension"]
    assert "!!! INCONSISTENT CHECKPOINT, NOT COSIGNED: recall.test/petitions/7" in capsys.readouterr().err
    # It still cosigns the history it vouched for, and only that one.
    assert push_honest_growth(tmp_path, witness_key, service) == 200


def push_honest_growth(tmp_path, witness_key, service) -> int:
    witness = witness_tool.Witness(witness_key, str(tmp_path), [witness_tool.LogKey.parse(service.log.vkey)])
    old = service.checkpoints[-1]["size"]
    c = entries.receipt_commitment(7, "YYYYYYYYYYYY")
    service.append(entries.Received(c, "withheld", "2026-W47"))
    with Served(witness) as served:
        return push(served, service, old, service.sign())[0]


def test_another_log_key_or_origin_is_refused(tmp_path, witness_key):
    service = build_service()
    witness = witness_tool.Witness(witness_key, str(tmp_path), [witness_tool.LogKey.parse(service.log.vkey)])
    stranger = FakeService(log=note.Signer.generate(service.log.name))  # same name, another key
    stranger.append(*service.events[:3])
    assert witness.add_checkpoint(request(0, [], stranger.sign()["checkpoint"]))[0] == 403
    other_host = note.Checkpoint("elsewhere.test/petitions/7", 0, tlog.EMPTY_ROOT).sign(service.log)
    assert witness.add_checkpoint(request(0, [], other_host))[0] == 404
    assert witness.add_checkpoint(b"old 01\n\n" + service.checkpoints[0]["checkpoint"].encode())[0] == 400
