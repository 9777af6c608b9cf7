"""The Merkle log against a naive RFC 9162 implementation and against published test vectors."""

from __future__ import annotations

import hashlib
import random

import pytest

from recall.ledger import tlog


# --- naive RFC 9162 section 2.1, straight from the definitions --------------------------------
def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return tlog.leaf_hash(leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def store_with(leaves: list[bytes], batches: list[int] | None = None) -> tlog.MemoryStore:
    store = tlog.MemoryStore()
    hashes = [tlog.leaf_hash(e) for e in leaves]
    start = 0
    for size in batches or [len(hashes)]:
        store.append(hashes[start : start + size])
        start += size
    store.append(hashes[start:])
    return store


# --- the stored tree --------------------------------------------------------------------------
def test_roots_one_leaf_at_a_time_for_every_size_up_to_100():
    leaves = entries(100)
    store = tlog.MemoryStore()
    assert store.root() == mth([])
    for n in range(1, 101):
        store.append([tlog.leaf_hash(leaves[n - 1])])
        assert store.root() == mth(leaves[:n])
    # Every earlier size is still computable from the same stored nodes.
    for n in range(101):
        assert store.root(n) == mth(leaves[:n])


def test_random_batches_store_exactly_the_complete_subtrees():
    rng = random.Random(9162)
    leaves = entries(300)
    for _ in range(40):
        batches, total = [], 0
        while total < 300:
            batches.append(min(rng.choice([0, 1, 2, 3, 5, 8, 13, 31, 64]), 300 - total))
            total += batches[-1]
        store = store_with(leaves, batches)
        expected = {
            (level, i)
            for level in range(10)
            for i in range(300 >> level)  # complete subtrees of 300 leaves
        }
        assert set(store.hashes) == expected
        for n in (0, 1, 7, 64, 255, 256, 299, 300):
            assert store.root(n) == mth(leaves[:n])


def test_append_reads_only_the_right_edge_in_one_call():
    store = store_with(entries(1000))
    calls: list[list[tlog.Node]] = []

    def read(nodes):
        calls.append(nodes)
        return store.read(nodes)

    new = tlog.stored_hashes_for_append(1000, [tlog.leaf_hash(b"x")] * 24, read)
    assert len(calls) == 1 and len(calls[0]) <= (1024).bit_length()
    # 1000 = 0b1111101000: the batch completes levels 3, 5, 6, 7, 8, 9 on the old edge.
    assert sorted(calls[0]) == [(3, 124), (5, 30), (6, 14), (7, 6), (8, 2), (9, 0)]
    assert len(new) == 24 + 12 + 6 + 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1  # leaves, then levels 1..10
    assert dict(new)[(10, 0)] == mth(entries(1000) + [b"x"] * 24)


def test_appending_is_linear_in_the_batch(monkeypatch):
    hashed = 0
    real = tlog.node_hash

    def counting(left, right):
        nonlocal hashed
        hashed += 1
        return real(left, right)

    monkeypatch.setattr(tlog, "node_hash", counting)
    store = tlog.MemoryStore()
    for _ in range(64):
        store.append([tlog.leaf_hash(b"e")] * 512)
    # A complete binary tree of 32768 leaves has 32767 interior nodes: each hashed exactly once.
    assert hashed == 32768 - 1


def test_reads_are_one_call_per_operation():
    store = store_with(entries(777))
    for op in (
        lambda: tlog.tree_hash(777, store.read),
        lambda: tlog.inclusion_proof(300, 777, store.read),
        lambda: tlog.consistency_proof(123, 777, store.read),
    ):
        store.reads = 0
        op()
        assert store.reads == 1


def test_a_missing_stored_node_is_an_error():
    with pytest.raises(KeyError):
        tlog.tree_hash(5, tlog.MemoryStore().read)
    with pytest.raises(LookupError):
        tlog.tree_hash(5, lambda nodes: [])


# --- proofs against the naive definitions -----------------------------------------------------
def test_inclusion_proofs_for_every_index_of_every_size_up_to_70():
    leaves = entries(70)
    store = store_with(leaves, [3, 10, 1, 20])
    for n in range(1, 71):
        root = mth(leaves[:n])
        for m in range(n):
            proof = tlog.inclusion_proof(m, n, store.read)
            assert proof == path(m, leaves[:n])
            assert tlog.verify_inclusion(tlog.leaf_hash(leaves[m]), m, n, proof, root)


def test_consistency_proofs_for_every_pair_up_to_40():
    leaves = entries(40)
    store = store_with(leaves, [1, 1, 5, 17])
    roots = [mth(leaves[:n]) for n in range(41)]
    for n in range(1, 41):
        for m in range(1, n + 1):
            proof = tlog.consistency_proof(m, n, store.read)
            assert proof == subproof(m, leaves[:n], True)
            assert tlog.verify_consistency(m, n, proof, roots[m], roots[n])
            if m < n:
                assert not tlog.verify_consistency(m, n, proof, roots[m - 1], roots[n])
                assert not tlog.verify_consistency(m, n, proof, roots[m], roots[n - 1])


def test_inclusion_verification_rejects_every_wrong_input():
    leaves = entries(21)
    store = store_with(leaves)
    root = store.root()
    for m in range(21):
        leaf = tlog.leaf_hash(leaves[m])
        proof = tlog.inclusion_proof(m, 21, store.read)
        assert not tlog.verify_inclusion(leaf, m, 21, proof, tlog.leaf_hash(b"other"))
        assert not tlog.verify_inclusion(tlog.leaf_hash(b"other"), m, 21, proof, root)
        # A wrong tree height (RFC 9162 binds the size only through the proof's length and shape).
        assert not tlog.verify_inclusion(leaf, m, 42, proof, root)
        assert not tlog.verify_inclusion(leaf, m, 10, proof, root)
        assert not tlog.verify_inclusion(leaf, m, 21, [*proof, root], root)
        assert not tlog.verify_inclusion(leaf, m, 21, [root, *proof], root)
        assert not tlog.verify_inclusion(leaf, m, 21, proof[:-1], root)
        assert not tlog.verify_inclusion(leaf, 21, 21, proof, root)
        assert not tlog.verify_inclusion(leaf, -1, 21, proof, root)
        if m != 20:  # the last leaf's neighbour would be outside the tree
            assert not tlog.verify_inclusion(leaf, m + 1, 21, proof, root)
        for i in range(len(proof)):
            bent = list(proof)
            bent[i] = bytes([bent[i][0] ^ 1]) + bent[i][1:]
            assert not tlog.verify_inclusion(leaf, m, 21, bent, root)


def test_consistency_edge_cases():
    store = store_with(entries(9))
    root9 = store.root()
    assert tlog.verify_consistency(0, 9, [], tlog.EMPTY_ROOT, root9)
    assert not tlog.verify_consistency(0, 9, [root9], tlog.EMPTY_ROOT, root9)
    assert not tlog.verify_consistency(0, 9, [], root9, root9)
    assert tlog.verify_consistency(9, 9, [], root9, root9)
    assert not tlog.verify_consistency(9, 9, [root9], root9, root9)
    assert not tlog.verify_consistency(4, 9, [], store.root(4), root9)  # RFC step 1
    assert not tlog.verify_consistency(9, 4, [], root9, store.root(4))
    with pytest.raises(ValueError):
        tlog.consistency_proof(0, 9, store.read)
    with pytest.raises(ValueError):
        tlog.inclusion_proof(9, 9, store.read)


def test_root_builder_streams_the_same_roots():
    leaves = entries(130)
    builder = tlog.RootBuilder()
    assert builder.root() == tlog.EMPTY_ROOT
    for n, e in enumerate(leaves, start=1):
        builder.append(tlog.leaf_hash(e))
        assert builder.root() == mth(leaves[:n])


# --- published test vectors -------------------------------------------------------------------
# Source: github.com/transparency-dev/merkle (Apache-2.0), testonly/constants.go (LeafInputs,
# RootHashes) and cmd/proofgen/main.go (inclusionProofs, consistencyProofs, 1-based leaf
# indexes there): the RFC 6962 reference data inherited from Certificate Transparency's
# C++ and Go test suites, also used to generate that repository's testdata/ probes.
VECTOR_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
VECTOR_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
VECTOR_INCLUSION = [  # (0-based leaf index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
VECTOR_CONSISTENCY = [  # (first, second, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def test_rfc6962_hasher_vectors():
    # transparency-dev/merkle rfc6962/rfc6962_test.go
    assert tlog.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tlog.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert tlog.leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert tlog.node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


def test_published_roots_and_proofs():
    store = tlog.MemoryStore()
    for n, leaf in enumerate(VECTOR_LEAVES, start=1):
        store.append([tlog.leaf_hash(leaf)])
        assert store.root().hex() == VECTOR_ROOTS[n]
    assert store.root(0).hex() == VECTOR_ROOTS[0]
    for index, size, proof in VECTOR_INCLUSION:
        expected = [bytes.fromhex(h) for h in proof]
        assert tlog.inclusion_proof(index, size, store.read) == expected
        root = bytes.fromhex(VECTOR_ROOTS[size])
        assert tlog.verify_inclusion(tlog.leaf_hash(VECTOR_LEAVES[index]), index, size, expected, root)
    for first, second, proof in VECTOR_CONSISTENCY:
        expected = [bytes.fromhex(h) for h in proof]
        assert tlog.consistency_proof(first, second, store.read) == expected
        r1, r2 = bytes.fromhex(VECTOR_ROOTS[first]), bytes.fromhex(VECTOR_ROOTS[second])
        assert tlog.verify_consistency(first, second, expected, r1, r2)
