"""The tests' own tools, where a mistake would hide failures: ``run_together`` must fail a test
whose thread crashed or hung, never let it pass or hang it; ``walk`` must reach a state only
through the lifecycle's steps."""

import threading

import pytest

from recall.models import AuditEntry, ByElection, PetitionState, PetitionTransition
from tests.helpers import inside_one_window, path_to, run_together, walk


def test_run_together_returns_every_threads_answer():
    counter = iter(range(100))
    lock = threading.Lock()

    def answer():
        with lock:
            return next(counter)

    assert sorted(run_together(answer, 4)) == [0, 1, 2, 3]


def test_run_together_fails_when_a_thread_raises():
    calls = []

    def crash():
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom")
        return "ok"

    with pytest.raises(AssertionError, match="1 of 3 threads raised") as failure:
        run_together(crash, 3)
    assert isinstance(failure.value.__cause__, ValueError)


def test_run_together_fails_instead_of_hanging_when_a_thread_does_not_finish():
    release = threading.Event()

    def hang():
        release.wait(30)

    try:
        with pytest.raises(AssertionError, match="did not finish within"):
            run_together(hang, 2, timeout=0.5)
    finally:
        release.set()


def test_a_frozen_moment_is_well_inside_a_rate_limit_window():
    moment = inside_one_window(60).timestamp()
    assert moment % 60 == 30


@pytest.mark.parametrize("state", [s for s in PetitionState if s != PetitionState.APPLIED])
def test_walk_reaches_every_state_through_the_lifecycles_steps(applied, state):
    petition = walk(applied, state)
    assert petition.state == state
    steps = list(PetitionTransition.objects.filter(petition=petition).order_by("at", "pk"))
    assert [t.to_state for t in steps][-1] == state
    assert len(steps) >= len(path_to(PetitionState.APPLIED, state)) - 1  # registering may open the window too
    assert AuditEntry.objects.filter(petition_id=petition.pk, action="petition.state_changed").count() == len(steps)
    assert ByElection.objects.filter(petition=petition).exists() == (state == PetitionState.RECALLED)
