"""How much can one party bias the random sample? A simulation with the real draw (recall-draw/v1).

    python bench/sample_bias.py [--trials 2000] [--raw 20000] [--valid-share 0.8] [--required 14700]

A petition of ``raw`` signatures of which a fixed ``valid-share`` are valid; the sample is the
policy's (3 % or 500) drawn with ``recall.ledger.sampling_draw.draw``; the outcome is
California's projection against the bands (110 % sufficient, 95 % insufficient of ``required``).
The defaults put the honest chance of "sufficient" near 0.29, as in the report this answers.

Each row is a strategy of one party and the chance of "sufficient" it gets, over ``trials``
independent petitions (each its own beacon round):

- *one seed*: the honest draw;
- *best of N seeds*: a party that can try N seeds and keep the best (dice digits it types, the
  last reveal of plain commit-reveal): the old procedures;
- *commission, any reveal chosen before the round*: the new procedure; the commission tries
  N candidate shares and keeps one by any rule it likes, but the round's randomness does not
  exist yet, so no rule can look at the outcome;
- *commission withholds or reveals, decided before the round*: the same for the one other
  choice it has (a party that does not reveal is recorded absent);
- *reveal or withhold after the round exists*: what the reveal deadline (witnesses' cosignatures
  before the round's time) forbids, shown for its size: two seeds to choose from.

The seed derivation is the service's own (``sampling_draw.beacon_seed``); the beacon round is
simulated by 48 random bytes per trial (its signature; only its hash enters the seed).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recall.ledger import sampling_draw

CHAIN = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"


def outcome(seed: bytes, valid: list[bool], size: int, required: int) -> str:
    members = sampling_draw.draw(seed, len(valid), size)
    found = sum(valid[p] for p in members)
    projected = sampling_draw.projection(raw=len(valid), sample=size, valid=found, duplicates=0)
    if projected * 100 > required * Decimal(110):
        return "sufficient"
    if projected * 100 < required * Decimal(95):
        return "insufficient"
    return "full_check"


def seed_of(signature: bytes, parties: list[tuple[str, bytes]]) -> bytes:
    return sampling_draw.beacon_seed(CHAIN, 1000, signature, parties)


def simulate(args: argparse.Namespace) -> list[tuple[str, float]]:
    rng = random.Random(args.seed)
    valid = [True] * round(args.raw * args.valid_share) + [False] * (args.raw - round(args.raw * args.valid_share))
    rng.shuffle(valid)
    size = sampling_draw.sample_size(args.raw, "3.00", 500)
    group = ("initiative group", b"\x22" * 32)
    wins = dict.fromkeys(STRATEGIES, 0)
    for _ in range(args.trials):
        signature = os.urandom(48)  # this trial's beacon round, unknown to everyone beforehand
        mine = os.urandom(32)
        honest = outcome(seed_of(signature, [("commission", mine), group]), valid, size, args.required)
        wins["one seed (honest)"] += honest == "sufficient"
        # Old procedures: N seeds tried after the fact, the best kept.
        for n in (5, 20):
            wins[f"best of {n} seeds (typed digits, last revealer)"] += any(
                outcome(os.urandom(32), valid, size, args.required) == "sufficient" for _ in range(n)
            )
        # New procedure: the commission picks one of 20 candidate shares by a rule of its own
        # (here: the smallest commitment), necessarily before the round exists.
        candidates = [os.urandom(32) for _ in range(20)]
        chosen = min(candidates, key=lambda c: sampling_draw.party_commitment("commission", c))
        picked = outcome(seed_of(signature, [("commission", chosen), group]), valid, size, args.required)
        wins["commission: any of 20 shares, chosen before the round"] += picked == "sufficient"
        withhold = rng.random() < 0.5  # decided before the round: a coin is as good as any rule
        parties = [group] if withhold else [("commission", mine), group]
        wins["commission: withholds or reveals, decided before the round"] += (
            outcome(seed_of(signature, parties), valid, size, args.required) == "sufficient"
        )
        # What the deadline forbids: choosing after the round exists between revealing and not.
        late = outcome(seed_of(signature, [group]), valid, size, args.required)
        wins["reveal or withhold after the round exists (forbidden)"] += "sufficient" in (honest, late)
    return [(name, wins[name] / args.trials) for name in STRATEGIES]


STRATEGIES = [
    "one seed (honest)",
    "best of 5 seeds (typed digits, last revealer)",
    "best of 20 seeds (typed digits, last revealer)",
    "commission: any of 20 shares, chosen before the round",
    "commission: withholds or reveals, decided before the round",
    "reveal or withhold after the round exists (forbidden)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--raw", type=int, default=20000)
    parser.add_argument("--valid-share", type=float, default=0.80)
    parser.add_argument("--required", type=int, default=14700)
    parser.add_argument("--seed", type=int, default=2026, help="the population's shuffle (not the draws)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = simulate(args)
    size = sampling_draw.sample_size(args.raw, "3.00", 500)
    print(
        f"raw {args.raw}, {args.valid_share:.0%} valid, required {args.required}, sample {size}; "
        f"{args.trials} trials in {time.perf_counter() - started:.0f} s"
    )
    print("| strategy | P(sufficient) | ±2 s.e. |\n| --- | --- | --- |")
    for name, p in rows:
        print(f"| {name} | {p:.3f} | {2 * (p * (1 - p) / args.trials) ** 0.5:.3f} |")
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:12]
    print(f"(result digest {digest})")


if __name__ == "__main__":
    main()
