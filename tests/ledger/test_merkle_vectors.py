"""The three implementations of RFC 9162 proof verification held to the same vectors: the
service's (recall.ledger.tlog) and the two standalone tools' (tools/verify_ledger.py,
tools/witness.py), which stay standalone and are written independently of it (a mistake in
one is not copied into the others). Every vector says what each of them must answer."""

from __future__ import annotations

import base64
import hashlib

import pytest

from recall.ledger import tlog

from .test_tlog import VECTOR_CONSISTENCY, VECTOR_INCLUSION, VECTOR_LEAVES, VECTOR_ROOTS, entries, mth, path, subproof
from .test_verify_ledger import verify_ledger
from .test_witness import witness_tool

CONSISTENCY = {
    "recall.ledger.tlog": tlog.verify_consistency,
    "tools/verify_ledger.py": verify_ledger.verify_consistency,
    "tools/witness.py": witness_tool.verify_consistency,
}
INCLUSION = {
    "recall.ledger.tlog": tlog.verify_inclusion,
    "tools/verify_ledger.py": verify_ledger.verify_inclusion,
}
EMPTY = hashlib.sha256(b"").digest()
OTHER = hashlib.sha256(b"other").digest()


def flipped(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def published_consistency() -> list[tuple]:
    """transparency-dev/merkle's reference proofs (tests/ledger/test_tlog.py) and the proofs of
    litewitness's add-checkpoint conversation (FiloSottile/torchwood, testdata/litewitness.txt)."""
    vectors = []
    for first, second, proof in VECTOR_CONSISTENCY:
        hashes = [bytes.fromhex(h) for h in proof]
        roots = bytes.fromhex(VECTOR_ROOTS[first]), bytes.fromhex(VECTOR_ROOTS[second])
        vectors.append((f"ct {first}->{second}", first, second, hashes, *roots, True))
    r1, r3, r5 = (
        b64("KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b64("RcCI1Nk56ZcSmIEfIn0SleqtV7uvrlXNccFx595Iwl0="),
        b64("QrtXrQZCCvpIgsSmOsah7HdICzMLLyDfxToMql9WTjY="),
    )
    one_three = [
        b64("KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b64("KgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ]
    three_five = [
        b64("KgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b64("KgMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        b64("wgiIFdZfYNv6WU1OllBKsWnLYIS/DBMqt8Uh/S4OukE="),
        b64("KgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ]
    tampered = [one_three[0], b64("KgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAA=")]
    vectors += [
        ("litewitness 1->3", 1, 3, one_three, r1, r3, True),
        ("litewitness 3->5", 3, 5, three_five, r3, r5, True),
        ("litewitness 1->3, no proof", 1, 3, [], r1, r3, False),
        ("litewitness 1->3, last hash changed", 1, 3, tampered, r1, r3, False),
        ("litewitness 1->3 offered for 1->5", 1, 5, one_three, r1, r5, False),
        ("litewitness 0->5, no proof", 0, 5, [], EMPTY, r5, True),
        ("litewitness 5->5, no proof", 5, 5, [], r5, r5, True),
    ]
    return vectors


def edge_consistency() -> list[tuple]:
    """What lies outside the RFC's 0 < first < second, where the tools had drifted."""
    root9 = mth(entries(9))
    return [
        ("0->9, empty proof", 0, 9, [], EMPTY, root9, True),
        ("0->9 with a proof", 0, 9, [root9], EMPTY, root9, False),
        ("0->9, old root not the empty tree's", 0, 9, [], root9, root9, False),
        ("0->0", 0, 0, [], EMPTY, EMPTY, True),
        ("0->0, new root not the empty tree's", 0, 0, [], EMPTY, OTHER, False),
        ("9->9, equal roots", 9, 9, [], root9, root9, True),
        ("9->9, two roots for one size", 9, 9, [], root9, OTHER, False),
        ("9->9 with a proof", 9, 9, [root9], root9, root9, False),
        ("9->4, shrinking", 9, 4, [], root9, mth(entries(4)), False),
        ("4->9, empty proof", 4, 9, [], mth(entries(4)), root9, False),
        ("-1->9", -1, 9, [], EMPTY, root9, False),
    ]


def generated_consistency(limit: int = 20) -> list[tuple]:
    """Every pair of sizes up to ``limit``: the RFC's own proof verifies; each hash bent, a
    hash missing or added, or either root wrong, it does not."""
    leaves = entries(limit)
    roots = [mth(leaves[:n]) for n in range(limit + 1)]
    vectors = []
    for second in range(1, limit + 1):
        for first in range(1, second):
            proof = subproof(first, leaves[:second], True)
            name = f"{first}->{second}"
            vectors.append((name, first, second, proof, roots[first], roots[second], True))
            vectors.append((f"{name}, old root wrong", first, second, proof, roots[first - 1], roots[second], False))
            vectors.append((f"{name}, new root wrong", first, second, proof, roots[first], roots[second - 1], False))
            vectors.append((f"{name}, a hash short", first, second, proof[:-1], roots[first], roots[second], False))
            vectors.append((f"{name}, a hash more", first, second, [*proof, OTHER], roots[first], roots[second], False))
            for i in range(len(proof)):
                bent = [*proof[:i], flipped(proof[i]), *proof[i + 1 :]]
                vectors.append((f"{name}, hash {i} bent", first, second, bent, roots[first], roots[second], False))
    return vectors


CONSISTENCY_VECTORS = published_consistency() + edge_consistency() + generated_consistency()


@pytest.mark.parametrize("implementation", CONSISTENCY)
def test_every_consistency_verifier_answers_every_vector(implementation):
    verify = CONSISTENCY[implementation]
    wrong = [name for name, *args, expected in CONSISTENCY_VECTORS if verify(*args) is not expected]
    assert wrong == [], f"{implementation} answers these vectors wrongly"


def inclusion_vectors(limit: int = 20) -> list[tuple]:
    vectors = []
    for index, size, proof in VECTOR_INCLUSION:
        hashes = [bytes.fromhex(h) for h in proof]
        leaf, root = tlog.leaf_hash(VECTOR_LEAVES[index]), bytes.fromhex(VECTOR_ROOTS[size])
        vectors.append((f"ct {index} in {size}", leaf, index, size, hashes, root, True))
        vectors.append((f"ct {index} in {size}, root wrong", leaf, index, size, hashes, OTHER, False))
    leaves = entries(limit)
    for size in range(1, limit + 1):
        root = mth(leaves[:size])
        for index in range(size):
            leaf, proof = tlog.leaf_hash(leaves[index]), path(index, leaves[:size])
            name = f"{index} in {size}"
            vectors.append((name, leaf, index, size, proof, root, True))
            vectors.append((f"{name}, another leaf", tlog.leaf_hash(b"x"), index, size, proof, root, False))
            vectors.append((f"{name}, a hash more", leaf, index, size, [*proof, root], root, False))
            if proof:
                vectors.append((f"{name}, a hash short", leaf, index, size, proof[:-1], root, False))
                vectors.append(
                    (f"{name}, hash 0 bent", leaf, index, size, [flipped(proof[0]), *proof[1:]], root, False)
                )
            if index + 1 < size:
                vectors.append((f"{name}, claimed at {index + 1}", leaf, index + 1, size, proof, root, False))
    vectors.append(("index past the tree", tlog.leaf_hash(leaves[0]), 1, 1, [], tlog.leaf_hash(leaves[0]), False))
    return vectors


INCLUSION_VECTORS = inclusion_vectors()


@pytest.mark.parametrize("implementation", INCLUSION)
def test_every_inclusion_verifier_answers_every_vector(implementation):
    verify = INCLUSION[implementation]
    wrong = [name for name, *args, expected in INCLUSION_VECTORS if verify(*args) is not expected]
    assert wrong == [], f"{implementation} answers these vectors wrongly"
