"""An append-only Merkle log (RFC 9162 section 2.1), stored like Go's ``golang.org/x/mod/sumdb/tlog``.

Hashing (RFC 9162 2.1.1): a leaf is ``SHA-256(0x00 || entry)``, an interior node
``SHA-256(0x01 || left || right)``, the empty tree ``SHA-256("")``.

Storage: the hash of every *complete* subtree is stored once, addressed by ``(level, index)``:
level 0 holds the leaf hashes, and node ``(L, i)`` is the root of leaves ``[i * 2**L, (i+1) * 2**L)``.
A stored node never changes once written (its subtree is complete), so the store is append-only
like the log. Appending ``k`` leaves to a tree of ``n`` writes ``k`` leaf hashes plus fewer than
``k + log2(n + k)`` interior nodes and reads at most ``log2(n + k)`` stored hashes: O(k) hashing
per batch, never a rebuild. The root of any size, and every RFC 9162 proof, is computed from at
most O(log**2 n) stored nodes fetched in a *single* ``read`` call, so a database needs one query.

``read`` is any callable that takes a list of ``(level, index)`` and returns their hashes in the
same order (raising if one is missing). ``MemoryStore`` is one, for tests and small tools.

Proofs are exactly RFC 9162's ``PATH`` (2.1.3.1) and ``PROOF`` (2.1.4.1) lists, and the verifiers
are RFC 9162's algorithms 2.1.3.2 and 2.1.4.2, step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from itertools import repeat

Node = tuple[int, int]  # (level, index)
HashReader = Callable[[list[Node]], list[bytes]]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``: the hash of one log entry."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_size(size: int) -> None:
    if size < 0:
        raise ValueError(f"a tree size is never negative: {size}")


# --- appending -------------------------------------------------------------------------------


def stored_hashes_for_append(
    size: int, leaf_hashes: Sequence[bytes], read: HashReader, keep: Callable[[int], bool] | None = None
) -> list[tuple[Node, bytes]]:
    """The hashes to store when ``leaf_hashes`` are appended to a tree of ``size`` leaves.

    Returns the new leaves at level 0 and every interior node completed by them, each with its
    ``(level, index)``; only those of the levels ``keep`` accepts, if given (every node is
    still computed). Reads (in one call, only if needed) the stored left siblings on the old
    tree's right edge: one per level where the old size has a 1 bit and the batch completes it.
    """
    _check_size(size)
    end = size + len(leaf_hashes)
    need = [
        (level, (size >> level) - 1)
        for level in range(end.bit_length())
        if (size >> level) & 1 and (end >> (level + 1)) > (size >> (level + 1))
    ]
    old = dict(zip(need, _read(read, need), strict=True))
    out: list[tuple[Node, bytes]] = []
    level, start, nodes = 0, size, list(leaf_hashes)
    while nodes:
        if keep is None or keep(level):
            out.extend(zip(zip(repeat(level), range(start, start + len(nodes))), nodes, strict=True))
        nodes, start = _parents(level, start, nodes, old), start >> 1
        level += 1
    return out


def _parents(level: int, start: int, nodes: list[bytes], old: dict[Node, bytes]) -> list[bytes]:
    """The complete parents of ``nodes`` (level ``level``, indexes from ``start``)."""
    if start & 1:  # the first parent's left child is in the old tree
        nodes = [old[(level, start - 1)], *nodes]
        start -= 1
    return [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]


def _read(read: HashReader, nodes: list[Node]) -> list[bytes]:
    if not nodes:
        return []
    hashes = list(read(nodes))
    if len(hashes) != len(nodes):
        raise LookupError(f"read({len(nodes)} nodes) returned {len(hashes)} hashes")
    return hashes


# --- subtree decomposition -------------------------------------------------------------------


def _range_nodes(lo: int, hi: int) -> list[Node]:
    """The stored complete subtrees that make up leaves ``[lo, hi)``, left to right.

    Valid for the ranges RFC 9162's recursion produces (``lo`` a multiple of a power of two
    at least ``hi - lo``): greedily the largest complete subtree starting at ``lo``.
    """
    nodes = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise AssertionError(f"unaligned range [{lo}, {hi})")
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees: each smaller one is the right child."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _range_hashes(ranges: list[tuple[int, int]], read: HashReader) -> list[bytes]:
    """MTH of each range, reading every stored node they need in one call."""
    per_range = [_range_nodes(lo, hi) for lo, hi in ranges]
    flat = [node for nodes in per_range for node in nodes]
    hashes = iter(_read(read, flat))
    return [_fold([next(hashes) for _ in nodes]) for nodes in per_range]


# --- tree hash and proofs --------------------------------------------------------------------


def tree_hash(size: int, read: HashReader) -> bytes:
    """MTH of the first ``size`` leaves (RFC 9162 2.1.1): at most log2(size) + 1 stored reads."""
    _check_size(size)
    if size == 0:
        return EMPTY_ROOT
    return _range_hashes([(0, size)], read)[0]


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """RFC 9162 2.1.3.1 ``PATH(index, D[size])``, nearest the leaf first."""
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))  # PATH(m, D[0:k]) : MTH(D[k:n])
            hi = lo + k
        else:
            ranges.append((lo, lo + k))  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            lo += k
    return _range_hashes(ranges[::-1], read)


def consistency_proof(first: int, second: int, read: HashReader) -> list[bytes]:
    """RFC 9162 2.1.4.1 ``PROOF(first, D[second])`` for ``0 < first <= second``."""
    _check_size(first)
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    ranges = []
    lo, hi, whole = 0, second, True  # ``whole``: SUBPROOF's b, still the old tree's left edge
    while first != hi:
        k = _split(hi - lo)
        if first <= lo + k:
            ranges.append((lo + k, hi))  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            hi = lo + k
        else:
            ranges.append((lo, lo + k))  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            lo += k
            whole = False
    if not whole:
        ranges.append((lo, hi))  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
    return _range_hashes(ranges[::-1], read)


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` in the tree ``root``?

    The proof's length is fixed by ``index`` and ``size``: its first ``inner`` hashes climb the
    subtree the leaf shares with the tree's last leaf, the rest (the border) join the complete
    subtrees to its left (transparency-dev/merkle's formulation; tools/verify_ledger.py keeps
    the RFC's own loop, and the suite holds both to the same vectors).
    """
    if not 0 <= index < size or not _hashes_ok([leaf, root, *proof]):
        return False
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        return False
    return _chain_border(_chain_inner(leaf, proof[:inner], index), proof[inner:]) == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 2.1.4.2: is the tree ``second_root`` an append-only extension of ``first_root``?

    Outside the RFC's ``0 < first < second``: equal sizes need an empty proof and equal roots;
    every tree extends the empty one (size 0, root ``SHA-256("")``) with an empty proof.

    The proof is the old tree's last leaf's inclusion proof in the new tree, less the levels
    below the largest complete subtree the two trees share, which starts it (or is the old root
    itself when the old size is a power of two); both roots are recomputed from it.
    """
    if not 0 <= first <= second or not _hashes_ok([first_root, second_root, *proof]):
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT and (second > 0 or second_root == EMPTY_ROOT)
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    inner, border = _decompose(first - 1, second)
    shift = (first & -first).bit_length() - 1  # the shared subtree has 2**shift leaves
    inner -= shift
    seed, path = (first_root, list(proof)) if first == 1 << shift else (proof[0], list(proof[1:]))
    if len(path) != inner + border:
        return False
    mask = (first - 1) >> shift
    old = _chain_border(_chain_inner_right(seed, path[:inner], mask), path[inner:])
    new = _chain_border(_chain_inner(seed, path[:inner], mask), path[inner:])
    return old == first_root and new == second_root


def _decompose(index: int, size: int) -> tuple[int, int]:
    """The lengths of the inner part and the border of the inclusion proof of ``index``."""
    inner = (index ^ (size - 1)).bit_length()
    return inner, bin(index >> inner).count("1")


def _chain_inner(seed: bytes, path: Sequence[bytes], index: int) -> bytes:
    for level, h in enumerate(path):
        seed = node_hash(h, seed) if (index >> level) & 1 else node_hash(seed, h)
    return seed


def _chain_inner_right(seed: bytes, path: Sequence[bytes], index: int) -> bytes:
    """Only the hashes to the left: the old tree ends where the seed's subtree ends."""
    for level, h in enumerate(path):
        if (index >> level) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border(seed: bytes, path: Sequence[bytes]) -> bytes:
    for h in path:
        seed = node_hash(h, seed)
    return seed


def _hashes_ok(hashes: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


# --- helpers ---------------------------------------------------------------------------------


class MemoryStore:
    """Stored hashes in a dict: the reference store for tests and standalone tools."""

    def __init__(self) -> None:
        self.hashes: dict[Node, bytes] = {}
        self.size = 0
        self.reads = 0  # number of read calls, so tests can hold the O(1)-reads promise

    def read(self, nodes: list[Node]) -> list[bytes]:
        self.reads += 1
        return [self.hashes[node] for node in nodes]

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        self.hashes.update(stored_hashes_for_append(self.size, leaf_hashes, self.read))
        self.size += len(leaf_hashes)

    def root(self, size: int | None = None) -> bytes:
        return tree_hash(self.size if size is None else size, self.read)


class RootBuilder:
    """Roots of a growing tree from its leaves alone, in O(log n) memory (a compact range).

    Keeps the roots of the complete subtrees of the current size (one per 1 bit of the size),
    so a verifier can stream entries and compare the root at every checkpoint size.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []  # largest subtree first

    def append(self, leaf: bytes) -> None:
        h, n = leaf, self.size
        while n & 1:  # each trailing 1 bit of the old size is a subtree this leaf completes
            h = node_hash(self._stack.pop(), h)
            n >>= 1
        self._stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        return _fold(self._stack) if self._stack else EMPTY_ROOT
