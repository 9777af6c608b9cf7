"""What the tests share besides fixtures: building a district's register and an application,
what a signer enters on each channel, running code in several threads at once, and waiting."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from recall.models import District, Petition, PetitionState, Voter
from recall.notifications import sms
from recall.services import lifecycle, signing

from .factories import DeputyFactory, VoterFactory, api_key

# The repository's root (manage.py, the Celery app), for the tests that start processes.
ROOT = Path(__file__).resolve().parent.parent


def under_verification(petition):
    """The petition walked to verification through its real steps: the ledger holds the
    ``submitted`` state entry the sample's population is cut at."""
    walk(petition, PetitionState.VERIFYING)
    petition.refresh_from_db()  # callers keep using the object they passed
    return petition


def draw_sample(petition, actor):
    """A petition's sample drawn the only way there is: the commission commits, the beacon round
    is fixed, the commission reveals, and (time moved on to the round) the sample is drawn."""
    import datetime as dt

    import time_machine

    from recall.services.ledger import sampling

    sampling.commit_for_commission(petition, actor=actor)
    fixed = sampling.fix_round(petition, actor=actor)
    sampling.reveal_for_commission(petition, actor=actor)
    with time_machine.travel(fixed.round_time + dt.timedelta(seconds=1), tick=False):
        return sampling.draw_sample(petition, actor=actor)


def populate(district: District, n: int, **kwargs) -> list[Voter]:
    voters = VoterFactory.create_batch(n, district=district, **kwargs)
    district.registered_voters = Voter.objects.filter(district=district, status="active").count()
    district.save(update_fields=["registered_voters"])
    return voters


def application(district: District, members: list[Voter], **kwargs) -> Petition:
    deputy = DeputyFactory(district=district)
    return lifecycle.apply(
        deputy=deputy,
        grounds_category="lost_trust",
        grounds_text="The deputy has not met voters since the election.",
        initiative_iins=[v.personal["iin"] for v in members],
        actor=None,
        **kwargs,
    )


# --- A petition in a given state ----------------------------------------------------------------

# The recall vote's figures that give each outcome (a third took part; more than half for it, or not).
VOTES = {
    "recalled": {"registered_voters": 90, "ballots_cast": 40, "votes_for": 30, "votes_against": 10},
    "retained": {"registered_voters": 90, "ballots_cast": 40, "votes_for": 15, "votes_against": 25},
}


def path_to(source: str, target: str) -> list[tuple[str, str]]:
    """The fewest steps of the lifecycle's table (recall.states.TRANSITIONS) from ``source`` to
    ``target``, as (step, state it reaches)."""
    paths: dict[str, list[tuple[str, str]]] = {source: []}
    frontier = [source]
    while frontier and target not in paths:
        following = []
        for state in frontier:
            for step in lifecycle.TRANSITIONS.values():
                for reached in step.targets if step.allows(state) else ():
                    if reached not in paths:
                        paths[reached] = [*paths[state], (step.name, reached)]
                        following.append(reached)
        frontier = following
    if target not in paths:
        raise ValueError(f"no step leads from {source} to {target}")
    return paths[target]


def walk(petition: Petition, to: str, *, actor: Any | None = None) -> Petition:
    """Take ``petition`` to the state ``to`` through the lifecycle's own steps, the shortest
    way, as the system (``actor`` None) or an official: every step is recorded, audited, put
    in the ledger and announced as in production (the set-up of a test that needs a petition
    in some state, instead of writing the state). The steps an official takes go through their
    services; the system's, through ``lifecycle.move``. Certification reaches ``to`` whatever
    the counts; the recall vote is entered with figures that give ``to``."""
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition.pk)  # as stored now
    for name, reached in path_to(petition.state, to):
        if petition.state == reached:  # registering opened the window at once
            continue
        reason = f"test set-up: {name}"
        if name == "register":
            # Collection starts at once, unless the walk stops at "registered".
            start = None if to != "registered" else timezone.localdate() + dt.timedelta(days=1)
            petition = lifecycle.register(petition, actor=actor, window_start=start)
            continue
        if name == "record_vote":
            lifecycle.record_recall_vote(petition, actor=actor, held_on=timezone.localdate(), **VOTES[reached])
        elif name in ("certify", "open_window", "reach_threshold", "expire"):
            lifecycle.move(petition, name, to=reached, actor=actor if name == "certify" else None, reason=reason)
        else:
            lifecycle.STEP_SERVICES[name](petition, actor=actor, reason=reason)
        petition = Petition.objects.select_related("deputy", "district").get(pk=petition.pk)
    return petition


# --- What a signer enters ----------------------------------------------------------------------


def body_of(voter: Voter, **changes: Any) -> dict[str, Any]:
    """A partner's JSON body for ``voter`` (the API)."""
    return {**{k: voter.personal[k] for k in ("iin", "full_name", "birth_date", "address")}, **changes}


def sign_url(petition: Petition) -> str:
    return f"/api/v1/petitions/{petition.pk}/signatures/"


def partner_client(scopes: tuple[str, ...] = ("read", "sign", "webhooks")) -> APIClient:
    """An API client of a new accredited partner (its key is ``client.key``)."""
    key, raw = api_key(scopes=scopes)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    client.key = key
    return client


def signer_of(voter: Voter, phone: str = "+77011234567", **changes: Any) -> signing.Signer:
    """What ``voter`` typed, checked by the service (the services' tests)."""
    data = {
        "iin": voter.personal["iin"],
        "full_name": voter.personal["full_name"],
        "birth_date": dt.date.fromisoformat(voter.personal["birth_date"]),
        "address": voter.personal["address"],
        "phone": phone,
    }
    data.update(changes)
    return signing.check_signer(**data)


def form_of(voter: Voter, **changes: Any) -> dict[str, str]:
    """The voters' sign form filled in for ``voter`` (the web pages)."""
    data = {
        "iin": voter.personal["iin"],
        "full_name": voter.personal["full_name"],
        "birth_date": voter.personal["birth_date"],
        "address": voter.personal["address"],
        "phone": "+7 701 123 45 67",
        "consent": "on",
    }
    data.update(changes)
    return data


def code_from_outbox() -> str:
    """The one-time code of the last text message."""
    return re.search(r"\d{6}", sms.outbox[-1].text).group()


PAPER_HEADER = "sheet,line,iin,full_name,birth_date,address,signed_on,collector\n"


def paper_row(sheet, line, voter=None, *, iin=None, name=None, birth=None, address="addr", on=None, collector="Aliya"):
    """One line of a paper-sheet file: ``voter``'s data unless given otherwise."""
    p = voter.personal if voter else {}
    on = timezone.localdate().isoformat() if on is None else on
    return (
        f"{sheet},{line},{iin if iin is not None else p.get('iin', '')},{name if name is not None else p.get('full_name', '')},"
        f"{birth if birth is not None else p.get('birth_date', '')},{address},{on},{collector}"
    )


# --- Time ------------------------------------------------------------------------------------------


def inside_one_window(seconds: int) -> dt.datetime:
    """A moment in the middle of the next fixed rate-limit window of ``seconds`` (recall.ratelimit
    counts per window): a test frozen there counts all its requests in one window."""
    start = (time.time() // seconds + 1) * seconds
    return dt.datetime.fromtimestamp(start + seconds / 2, tz=dt.UTC)


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


# --- Concurrency ---------------------------------------------------------------------------------


def run_together(target: Callable[[], Any], threads: int, *, timeout: float = 60) -> list[Any]:
    """Run ``target`` in ``threads`` threads released at the same moment; return every answer.

    Each thread closes its database connection when it ends. A thread that raises, or that has
    not finished within ``timeout`` seconds, fails the test: it must neither hang the test nor
    let it pass with fewer answers.
    """
    barrier = threading.Barrier(threads, timeout=timeout)
    lock = threading.Lock()
    answers: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            answer = target()
            with lock:
                answers.append(answer)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            with lock:
                errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(worker.is_alive() for worker in workers)
    assert not stuck, f"{stuck} of {threads} threads did not finish within {timeout} s"
    if errors:
        raise AssertionError(f"{len(errors)} of {threads} threads raised: {errors!r}") from errors[0]
    assert len(answers) == threads
    return answers


def mails_in(directory: Path) -> list[dict[str, str]]:
    """The e-mails a worker wrote with Django's file-based backend (EMAIL_FILE_PATH): each one's
    headers and body, however many messages a file holds."""
    separator = "-" * 79
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for raw in path.read_text().split(separator):
            head, _blank, body = raw.strip().partition("\n\n")
            if not head:
                continue
            headers = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line and line[0] != " ")
            messages.append({**headers, "Body": body})
    return messages


def deputy_account(deputy, *, proposer, confirmer, email: str = "deputy@mazhilis.kz"):
    """The deputy's account with ``email`` in effect: proposed by one official, confirmed by
    another of the central commission (recall.services.groups.deputies); the invitation sent."""
    from recall.services.groups import deputies

    proposed = deputies.create_account(deputy, actor=proposer, email=email)
    return deputies.confirm_address(proposed.change, actor=confirmer)
