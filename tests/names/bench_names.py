"""Micro-benchmark of the per-name work (folding + digests), with the real HMAC-SHA256.

    .venv/bin/python -m tests.names.bench_names

Prints microseconds per register name (import) and per typed name (signing), for the digests
made with one HMAC-SHA256 per value (as crypto._digest) and with names.fast_digest.
"""

from __future__ import annotations

import hmac
import os
import re
import statistics
import time
import unicodedata
from collections.abc import Callable

from recall import names

from .corpus import generate

KEY = b"bench-key-32-bytes-not-a-secret!"


def hmac_digest(purpose: str, value: str) -> str:
    # The same call as recall.crypto._digest.
    return hmac.digest(KEY, f"{purpose}:{value}".encode(), "sha256").hex()


def per_call(work: Callable[[str], object], inputs: list[str], rounds: int = 7, cold: bool = False) -> float:
    """Best of ``rounds`` runs, in microseconds per input; ``cold`` empties the per-word caches
    before each run (every word folded afresh, as for a register of unique names)."""
    times = []
    for _ in range(rounds):
        if cold:
            names.clear_caches()
        start = time.perf_counter()
        for text in inputs:
            work(text)
        times.append(time.perf_counter() - start)
    return min(times) / len(inputs) * 1e6


def today(full_name: str) -> str:
    """The current rule's per-name work: recall.crypto.name_digest (normalize_name + one HMAC)."""
    text = unicodedata.normalize("NFKC", full_name).casefold().replace("ё", "е")
    return hmac_digest("name", " ".join(_NOT_LETTERS.sub(" ", text).split()))


_NOT_LETTERS = re.compile(r"[^\w]+")


def main() -> None:
    variants = generate()
    registers = sorted({v.register for v in variants})
    typed = [v.typed for v in variants]
    fast = names.fast_digest(hmac_digest)
    iin = "791028302728"
    rows = [
        ("today: name_digest", today, today, False),
        ("fold only, warm", _register_keys, names.typed_keys, False),
        ("fold only, cold", _register_keys, names.typed_keys, True),
        (
            "HMAC-SHA256 per value",
            lambda t: names.register_digests(t, hmac_digest, iin),
            lambda t: names.typed_digests(t, hmac_digest, iin),
            False,
        ),
        (
            "fast_digest (BLAKE2b)",
            lambda t: names.register_digests(t, fast, iin),
            lambda t: names.typed_digests(t, fast, iin),
            False,
        ),
        (
            "fast_digest, cold",
            lambda t: names.register_digests(t, fast, iin),
            lambda t: names.typed_digests(t, fast, iin),
            True,
        ),
    ]
    print(f"{len(registers)} register names, {len(typed)} typed names; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':24} {'register µs':>12} {'typed µs':>10}")
    for label, register, signature, cold in rows:
        print(
            f"{label:24} {per_call(register, registers, cold=cold):12.1f} {per_call(signature, typed, cold=cold):10.1f}"
        )
    sizes_r = [len(names.register_digests(t, fast).patronymic_near) for t in registers]
    sizes_t = [len(names.typed_digests(t, fast).near) for t in typed]
    print(f"near digests per register row: mean {statistics.mean(sizes_r):.1f}, max {max(sizes_r)}")
    print(f"near digests per signature: mean {statistics.mean(sizes_t):.1f}, max {max(sizes_t)}")
    print(f"one HMAC-SHA256: {per_call(lambda t: hmac_digest('name-token', t), typed):.2f} µs")
    print(f"one fast_digest: {per_call(lambda t: fast('name-token', t), typed):.2f} µs")


def _register_keys(full_name: str) -> object:
    return names.register_keys(names.parse_register_name(full_name))


if __name__ == "__main__":
    main()
