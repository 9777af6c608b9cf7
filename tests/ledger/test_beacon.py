"""The randomness beacon: drand quicknet's published rounds verify (and a wrong round does not),
round times, the stand-in chain, and the service's drand source against a stand-in relay."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from recall.ledger import beacon
from recall.services.ledger import beacon_source

from .test_verify_ledger import verify_ledger

# Published quicknet rounds: noislabs/drand-verify (round 123) and drand's HTTP API docs (round 42).
ROUNDS = {
    123: (
        "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92",
        "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc",
    ),
    42: (
        "95a9f9f5b231b7714de1553105d8ffdf3dcda24cfdb1e689319bccf79a9c8ce430a91b811fbfaf763900bc998b5d686a",
        "8ada64bae5c6c0f5540a6a13af56e663240edfbd2c76ac6a8f27671eb7259ce3",
    ),
}


@pytest.mark.parametrize("round_", sorted(ROUNDS))
def test_published_quicknet_rounds_verify_and_give_their_randomness(round_):
    signature, randomness = ROUNDS[round_]
    assert beacon.verify(beacon.QUICKNET, round_, bytes.fromhex(signature)).hex() == randomness
    with pytest.raises(beacon.BeaconError):
        beacon.verify(beacon.QUICKNET, round_ + 1, bytes.fromhex(signature))
    # The standalone verifier's own implementation agrees.
    verify_ledger.verify_beacon_round(verify_ledger.QUICKNET, round_, bytes.fromhex(signature))
    with pytest.raises(verify_ledger.Discrepancy):
        verify_ledger.verify_beacon_round(verify_ledger.QUICKNET, round_ + 1, bytes.fromhex(signature))


def test_round_times_follow_drands_specification():
    assert beacon.QUICKNET.round_at(dt.datetime(2026, 4, 20, tzinfo=dt.UTC).timestamp()) == 27946612
    assert beacon.QUICKNET.round_time(1) == beacon.QUICKNET.genesis_time
    assert beacon.QUICKNET.round_at(beacon.QUICKNET.round_time(500)) == 500
    assert beacon.QUICKNET.round_at(beacon.QUICKNET.genesis_time - 1) == 0


def test_a_stand_in_chain_signs_rounds_only_its_key_verifies():
    stand_in = beacon.StandInChain.from_seed(b"test", genesis_time=1_700_000_000)
    signature = stand_in.sign(7)
    assert beacon.verify(stand_in.chain, 7, signature) == hashlib.sha256(signature).digest()
    with pytest.raises(beacon.BeaconError):
        beacon.verify(beacon.QUICKNET, 7, signature)
    with pytest.raises(verify_ledger.Discrepancy, match="is not drand's quicknet"):
        verify_ledger.beacon_chain(None, stand_in.chain.hash)
    assert verify_ledger.beacon_chain(stand_in.chain.info(), stand_in.chain.hash)["period"] == 3


class Relays:
    """Two stand-in drand relays (drand's v1 HTTP API): the first serves a forged round."""

    def __init__(self):
        good, _ = ROUNDS[123]
        forged = ROUNDS[42][0]
        self.servers = []
        for signature in (forged, good):
            handler = type("Relay", (BaseHTTPRequestHandler,), {"do_GET": _answer(signature), "log_message": _quiet})
            self.servers.append(ThreadingHTTPServer(("127.0.0.1", 0), handler))

    def __enter__(self):
        for server in self.servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return [f"http://127.0.0.1:{s.server_address[1]}" for s in self.servers]

    def __exit__(self, *exc):
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _answer(signature):
    def do_get(self):
        if self.path == f"/{beacon.QUICKNET.hash}/public/123":
            body, status = json.dumps({"round": 123, "signature": signature, "randomness": "00" * 32}).encode(), 200
        else:
            body, status = b'{"error":"round or chain not found"}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    return do_get


def _quiet(self, *args):
    pass


def test_the_drand_source_takes_only_a_round_that_verifies():
    with Relays() as urls:
        source = beacon_source.Drand(urls, timeout=5)
        # The first relay's answer does not verify for round 123: the second one's is taken.
        assert source.fetch(123) == bytes.fromhex(ROUNDS[123][0])
        with pytest.raises(beacon_source.BeaconUnavailable):
            source.fetch(124)  # neither relay has it
        assert source.fetch(beacon.QUICKNET.round_at(2**40)) is None  # a round of the future: not asked
