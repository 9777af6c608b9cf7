"""The fixed-window counters (recall.ratelimit). High limits are counted locally and added to
the shared counter in steps of one per cent of the limit, and at every request near the limit:
a limit holds to within one step per process. Time is frozen inside one window."""

import time_machine
from django.core.cache import cache

from recall import ratelimit
from tests.helpers import inside_one_window

RATE = "500/minute"  # a step of 5


def hits(n: int, ident: str = "partner-1") -> list[bool]:
    return [ratelimit.hit("test", ident, RATE)[0] for _ in range(n)]


def as_another_process(monkeypatch) -> None:
    monkeypatch.setattr(ratelimit, "_windows", {})


def test_a_high_limit_is_held_exactly_in_one_process(db):
    with time_machine.travel(inside_one_window(60), tick=False):
        allowed = hits(520)
    assert allowed == [True] * 500 + [False] * 20


def test_most_requests_under_a_high_limit_cost_no_round_trip(db, monkeypatch):
    sent = []
    count = cache.count
    monkeypatch.setattr(
        cache, "count", lambda key, timeout, amount=1: sent.append(amount) or count(key, timeout, amount)
    )
    moment = inside_one_window(60)
    with time_machine.travel(moment, tick=False):
        hits(100)
        shared = cache.get(f"recall:rate:test:partner-1:{int(moment.timestamp() // 60)}")
    assert sent == [5] * 20  # twenty round trips of five requests each, not a hundred
    assert shared == 100


def test_processes_share_the_limit_to_within_one_step_each(db, monkeypatch):
    with time_machine.travel(inside_one_window(60), tick=False):
        first = hits(300)
        as_another_process(monkeypatch)
        second = hits(300)
    assert all(first)
    allowed = sum(first) + sum(second)
    assert 500 <= allowed <= 500 + 5  # the first process's unsent count is at most one step
    assert second[-1] is False


def test_low_limits_are_counted_at_every_request(db, monkeypatch):
    with time_machine.travel(inside_one_window(3600), tick=False):
        first = [ratelimit.hit("form", "192.0.2.1", "3/hour")[0] for _ in range(2)]
        as_another_process(monkeypatch)
        second = [ratelimit.hit("form", "192.0.2.1", "3/hour")[0] for _ in range(2)]
    assert first + second == [True, True, True, False]


def test_a_new_window_starts_a_new_count(db):
    moment = inside_one_window(60)
    with time_machine.travel(moment, tick=False):
        assert hits(501)[-1] is False
    with time_machine.travel(moment.timestamp() + 60, tick=False):
        assert hits(1) == [True]
