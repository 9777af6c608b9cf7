"""Where the sample's beacon rounds come from (RECALL_BEACON): drand, or a stand-in.

A source names its chain (``chain``: hash, key, genesis, period; recall.ledger.beacon) and
gives a round's signature once the round exists (``fetch``), None before. Whatever it returns is
verified against the chain's pinned key before it is used: a relay is never trusted.

- ``Drand``: the League of Entropy's quicknet over drand's HTTP API (``GET
  /{chain hash}/public/{round}``), relays tried in turn (RECALL_BEACON_URLS);
- ``StandIn``: a chain of drand's scheme under a key derived from RECALL_BEACON_STAND_IN_SEED,
  whose rounds exist on this service's clock. For development and tests: it is not drand, and
  the verifier refuses its chain unless given its ``/info`` (``--beacon-info``).
"""

from __future__ import annotations

import functools
import logging
from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ...ledger import beacon

logger = logging.getLogger(__name__)

STAND_IN_GENESIS = 1_700_000_000  # 2023-11-14: any fixed time in the past


class BeaconUnavailable(Exception):
    """No relay answered (the draw is tried again later)."""


class Source(Protocol):
    chain: beacon.Chain

    def fetch(self, round_: int) -> bytes | None: ...


class Drand:
    chain = beacon.QUICKNET

    def __init__(self, urls: list[str], timeout: float) -> None:
        self.urls, self.timeout = urls, timeout

    def fetch(self, round_: int) -> bytes | None:
        if timezone.now().timestamp() < self.chain.round_time(round_):
            return None
        errors = []
        for base in self.urls:
            url = f"{base.rstrip('/')}/{self.chain.hash}/public/{round_}"
            try:
                response = requests.get(url, timeout=self.timeout, headers={"Accept": "application/json"})
            except requests.RequestException as error:
                errors.append(f"{url}: {error}")
                continue
            if response.status_code in (404, 425):  # not yet published by this relay
                errors.append(f"{url}: {response.status_code}")
                continue
            try:
                signature = bytes.fromhex(response.json()["signature"])
                beacon.verify(self.chain, round_, signature)  # the relay's word is not taken
            except (ValueError, KeyError, TypeError, beacon.BeaconError) as error:
                logger.error("drand relay %s served a bad round %s: %s", base, round_, error)
                errors.append(f"{url}: {error}")
                continue
            return signature
        raise BeaconUnavailable("; ".join(errors))


class StandIn:
    def __init__(self, seed: str) -> None:
        self.stand_in = beacon.StandInChain.from_seed(seed.encode(), genesis_time=STAND_IN_GENESIS)
        self.chain = self.stand_in.chain

    def fetch(self, round_: int) -> bytes | None:
        if timezone.now().timestamp() < self.chain.round_time(round_):
            return None
        return self.stand_in.sign(round_)


@functools.cache
def _source(kind: str, urls: tuple[str, ...], seed: str, timeout: float) -> Source:
    if kind == "drand":
        return Drand(list(urls), timeout)
    if kind == "stand-in":
        return StandIn(seed)
    raise ImproperlyConfigured(f"RECALL_BEACON is 'drand' or 'stand-in', not {kind!r}.")


def source() -> Source:
    return _source(
        settings.RECALL_BEACON,
        tuple(settings.RECALL_BEACON_URLS),
        settings.RECALL_BEACON_STAND_IN_SEED,
        settings.RECALL_BEACON_TIMEOUT_SECONDS,
    )
