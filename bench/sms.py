"""A text-message backend for bench/wave.py: every message goes to a Redis list per number
(``bench:sms:<phone>``), where the wave's web signers read their code, as a phone would."""

from __future__ import annotations

import os

import redis

from recall.notifications.sms import BaseBackend


class RedisOutbox(BaseBackend):
    def __init__(self) -> None:
        self.redis = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        inbox = f"bench:sms:{phone}"
        self.redis.rpush(inbox, text.encode())
        self.redis.expire(inbox, 3600)
