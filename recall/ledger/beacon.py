"""A public randomness beacon for the sample's seed: drand, the League of Entropy's threshold beacon.

The seed of a sample takes the randomness of one beacon round whose number is written in the
ledger (a ``beacon`` entry, recall.ledger.entries) before the round exists, so nobody, the
commission included, can know or choose it when the round is fixed. Follows drand's
specification of the ``bls-unchained-g1-rfc9380`` scheme ("quicknet"):

- round ``r`` exists from ``genesis_time + (r - 1) * period`` (UNIX seconds);
- its signature is a BLS12-381 signature on G1 (48 bytes compressed) of
  ``SHA-256(r as 8 bytes big-endian)``, hashed to G1 with the RFC 9380 suite
  ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``, under the chain's public key on G2 (96 bytes);
- its randomness is ``SHA-256(signature)`` (never the relay's ``randomness`` field: recompute it).

``Chain`` pins the chain's hash, key, genesis and period (taken from here, never from a relay's
``/info`` at run time). ``STAND_IN`` builds a chain of the same scheme from a key of our own,
for development and tests: it is not drand and a verifier refuses it unless told its key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DST_G1 = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
SCHEME = "bls-unchained-g1-rfc9380"
# The order of BLS12-381's prime subgroup (a stand-in's secret key is taken modulo it).
_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


class BeaconError(ValueError):
    """A round that does not verify, or a malformed round or chain."""


@dataclass(frozen=True)
class Chain:
    hash: str  # 64 hex digits, drand's chain hash
    public_key: str  # hex, 96 bytes (G2, compressed)
    genesis_time: int
    period: int  # seconds between rounds

    def round_at(self, t: float) -> int:
        """The latest round that exists at UNIX time ``t`` (0 before genesis)."""
        return 0 if t < self.genesis_time else int(t - self.genesis_time) // self.period + 1

    def round_time(self, round_: int) -> int:
        """When round ``round_`` (from 1) comes into existence."""
        return self.genesis_time + (round_ - 1) * self.period

    def info(self) -> dict:
        """The chain as drand's ``/info`` shows it (what the verifier is told with --beacon-info)."""
        return {
            "hash": self.hash,
            "public_key": self.public_key,
            "genesis_time": self.genesis_time,
            "period": self.period,
            "schemeID": SCHEME,
        }


# drand mainnet "quicknet" (League of Entropy), from drand-client lib/defaults.ts and
# noislabs/drand-verify; launched 2023-08-23, unchained, a round every 3 seconds.
QUICKNET = Chain(
    hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key=(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d"
        "1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    genesis_time=1692803367,
    period=3,
)


def message(round_: int) -> bytes:
    return hashlib.sha256(round_.to_bytes(8, "big")).digest()


def verify(chain: Chain, round_: int, signature: bytes) -> bytes:
    """Check round ``round_``'s signature under the chain's key; returns its randomness."""
    from py_arkworks_bls12381 import GT, G1Point, G2Point

    if not 0 < round_ < 2**63 or len(signature) != 48:
        raise BeaconError("a round is a positive number and its signature 48 bytes")
    try:
        point = G1Point.from_compressed_bytes(signature)  # checked: on the curve, in the subgroup
        key = G2Point.from_compressed_bytes(bytes.fromhex(chain.public_key))
    except Exception as error:  # the binding raises plain exceptions for malformed points
        raise BeaconError(f"malformed signature or key: {error}") from error
    hashed = G1Point.hash_to_curve(message(round_), DST_G1)
    if not GT.pairing_check([point, -hashed], [G2Point(), key]):  # e(sig, g2) == e(H(m), pk)
        raise BeaconError(f"the signature of round {round_} does not verify under chain {chain.hash[:16]}...")
    return hashlib.sha256(signature).digest()


# --- a stand-in chain (development and tests) ------------------------------------------------


@dataclass(frozen=True)
class StandInChain:
    """A chain of drand's quicknet scheme under a key of our own: signs any round."""

    secret: int
    chain: Chain

    @classmethod
    def from_seed(cls, seed: bytes, *, genesis_time: int, period: int = 3) -> StandInChain:
        from py_arkworks_bls12381 import G2Point, Scalar

        secret = int.from_bytes(hashlib.sha256(b"recall-stand-in-beacon/v1\x00" + seed).digest(), "big") % _ORDER
        public = (G2Point() * Scalar(secret)).to_compressed_bytes().hex()
        # drand's chain hash covers the chain's info; a stand-in's names its key, period and genesis.
        digest = hashlib.sha256(f"stand-in {public} {period} {genesis_time}".encode()).hexdigest()
        return cls(secret, Chain(digest, public, genesis_time, period))

    def sign(self, round_: int) -> bytes:
        from py_arkworks_bls12381 import G1Point, Scalar

        return (G1Point.hash_to_curve(message(round_), DST_G1) * Scalar(self.secret)).to_compressed_bytes()
