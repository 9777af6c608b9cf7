"""The one writer of ``Signature.state``: every change goes along a move of
``recall.states.SIGNATURE_MOVES`` (from which states, to which, by whom).

- ``move``: one conditional UPDATE of the signatures given, changing only the rows still in a
  state the move leaves (the officials' decisions, bulk invalidation, the signer's withdrawal;
  ``recall.services.verification.review``);
- ``set_state_sql`` and ``leaves_sql``: the state assignment and the condition of the
  verification batch's set-based UPDATE (``recall.services.verification.batches``), generated
  from the same table, so the batch can only write what the table allows.

A signature is stored in state ``received`` (the column's default, by every INSERT of the sign
path and the paper import); from then on nothing else writes the column, which
``tests/services/test_signature_moves.py`` checks over the whole code base.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.db.models import QuerySet

from ...models import Signature, SignatureState
from ...states import SIGNATURE_MOVES, By, SignatureMove


def _step(name: str, to: str, by: By | None) -> SignatureMove:
    step = SIGNATURE_MOVES[name]
    if to not in step.targets:
        raise ValueError(f"the move {name!r} cannot lead to {to!r}")
    if by is not None and by not in step.by:
        raise ValueError(f"the move {name!r} is not made by {by}")
    return step


def move(
    ids: Collection[int] | QuerySet,
    name: str,
    *,
    to: str,
    by: By | None,
    seen: str | None = None,
    **columns: Any,
) -> int:
    """Make the move ``name`` to ``to`` for the signatures ``ids``, with the other ``columns``
    (ground, who decided, when): one ``UPDATE ... WHERE state IN (the move's sources)``, or
    ``WHERE state = seen``, the state the caller read under its row lock. ``by`` None is the
    system. Returns the number of rows changed: a row that is not in such a state is left
    alone (the callers lock and check their rows first, so none is). A move ``by`` may not
    make, or a ``seen`` state it does not leave, is a programming error (ValueError)."""
    step = _step(name, to, by)
    if seen is not None and not step.allows(seen):
        raise ValueError(f"the move {name!r} does not leave {seen!r}")
    sources = (seen,) if seen is not None else step.sources
    return Signature.objects.filter(pk__in=ids, state__in=sources).update(state=to, **columns)


def _literal(state: str) -> str:
    # Values of SignatureState only: fixed identifiers, never input.
    return "'" + SignatureState(state).value + "'"


def set_state_sql(name: str, cases: Sequence[tuple[str, str]], otherwise: str) -> str:
    """The assignment ``state = CASE WHEN <condition> THEN <state> ... ELSE <otherwise> END`` of
    a set-based move: each state must be one the move leads to."""
    for _condition, to in (*cases, ("", otherwise)):
        _step(name, to, None)
    whens = " ".join(f"WHEN {condition} THEN {_literal(to)}" for condition, to in cases)
    return f"state = CASE {whens} ELSE {_literal(otherwise)} END"


def leaves_sql(name: str, column: str = "state") -> str:
    """The condition a row must meet for the move: its state is one the move leaves (a plain
    equality for one state, so a partial index on that state serves it)."""
    sources = SIGNATURE_MOVES[name].sources
    if len(sources) == 1:
        return f"{column} = {_literal(sources[0])}"
    return f"{column} IN ({', '.join(_literal(s) for s in sources)})"
