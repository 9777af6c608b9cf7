"""Where the EDS backends keep what they learnt: answers with an expiry, and which servers are
down (a circuit breaker per host, shared by every process through the store). No pyhanko here:
the NCANode backend uses it too (``recall.eds.revocation`` builds on it for OCSP and CRLs)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

logger = logging.getLogger("recall.eds.revocation")


class Store(Protocol):
    def get(self, key: str) -> object | None: ...

    def set(self, key: str, value: object, timeout: float) -> None: ...


class MemoryStore:
    """A Store in a dict, with expiry (tests, and a process without a cache)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[float, object]] = {}

    def get(self, key: str) -> object | None:
        found = self.values.get(key)
        if found is None or found[0] <= _now().timestamp():
            return None
        return found[1]

    def set(self, key: str, value: object, timeout: float) -> None:
        self.values[key] = (_now().timestamp() + timeout, value)


@dataclass
class Probe:
    """What one validation met: responders that were down (or skipped as down)."""

    unreachable: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Policy:
    timeout: float = 2.0
    max_age: float = 3600.0
    down_seconds: float = 30.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def _down_key(url: str) -> str:
    return f"eds:down:{_host(url)}"


def is_down(store: Store, url: str) -> bool:
    return bool(store.get(_down_key(url)))


def mark_down(store: Store, url: str, policy: Policy, error: BaseException) -> None:
    if not is_down(store, url):
        logger.warning(
            "revocation responder %s unavailable, skipped for %.0f s: %r", _host(url), policy.down_seconds, error
        )
    store.set(_down_key(url), True, policy.down_seconds)
