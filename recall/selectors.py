"""Reads for the public site and the public API: no personal data ever leaves through here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from .calendar import add_months, local_date
from .i18n_text import pick
from .models import (
    FAILED_ATTEMPT_STATES,
    OPEN_STATES,
    PUBLIC_STATES,
    SIGNABLE_STATES,
    ByElection,
    CertifiedSummary,
    DailyTally,
    Deputy,
    DeputyAnswer,
    DeputyStatus,
    District,
    IdentityStrength,
    Petition,
    PetitionState,
    PetitionTransition,
    RecallVote,
    SampleRun,
    policy_for,
)
from .states import TRANSITIONS, vote_outcome


def public_petitions() -> QuerySet[Petition]:
    return Petition.objects.filter(state__in=PUBLIC_STATES).select_related("deputy", "district")


# --- One public petition, read on every build of its page and API detail -----------------------
# A count batch drops the shared copies, so in a rush these two reads run on every request. The
# ORM would compile the same SQL each time (for the petition with its deputy and district, three
# times the query's own cost); here it is written once per process and database from the models'
# fields, and the rows go through the backend's and the fields' own converters (SQLite's dates
# are text), so the instances are those public_petitions() gives.


@dataclass(frozen=True)
class _Read:
    sql: str
    # Per model: (model, its fields' attnames, each field's converters with its expression).
    models: tuple[tuple[type, list[str], list[tuple[list, Any]]], ...]


_reads: dict[tuple[str, str], _Read] = {}


def _converters(connection: Any, field: Any, table: str) -> tuple[list, Any]:
    column = field.get_col(table)
    return connection.ops.get_db_converters(column) + field.get_db_converters(connection), column


def _petition_read(connection: Any) -> _Read:
    found = _reads.get(("petition", connection.alias))
    if found is None:
        q = connection.ops.quote_name
        joined = (("p", Petition), ("d", District), ("m", Deputy))
        columns = [f"{alias}.{q(f.column)}" for alias, model in joined for f in model._meta.concrete_fields]
        petition_columns = {
            name: q(Petition._meta.get_field(name).column) for name in ("id", "state", "district", "deputy")
        }
        states = ", ".join(["%s"] * len(PUBLIC_STATES))
        sql = (
            f"SELECT {', '.join(columns)} FROM {q(Petition._meta.db_table)} p"
            f" INNER JOIN {q(District._meta.db_table)} d ON d.{q(District._meta.pk.column)} = p.{petition_columns['district']}"
            f" INNER JOIN {q(Deputy._meta.db_table)} m ON m.{q(Deputy._meta.pk.column)} = p.{petition_columns['deputy']}"
            f" WHERE p.{petition_columns['id']} = %s AND p.{petition_columns['state']} IN ({states})"
        )
        models = tuple(
            (
                model,
                [f.attname for f in model._meta.concrete_fields],
                [_converters(connection, f, alias) for f in model._meta.concrete_fields],
            )
            for alias, model in joined
        )
        found = _reads[("petition", connection.alias)] = _Read(sql, models)
    return found


def _converted(values: Any, converters: list[tuple[list, Any]], connection: Any) -> list:
    out = []
    for value, (functions, expression) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, expression, connection)
        out.append(value)
    return out


def public_petition(pk: int) -> Petition | None:
    """``public_petitions().filter(pk=pk).first()`` (with its deputy and district) in one query
    whose SQL is built once per process."""
    alias = router.db_for_read(Petition)
    connection = connections[alias]
    read = _petition_read(connection)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [pk, *PUBLIC_STATES])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, names, converters in read.models:
        values = _converted(row[start : start + len(names)], converters, connection)
        instances.append(model.from_db(alias, names, values))
        start += len(names)
    petition, district, deputy = instances
    petition._state.fields_cache["district"] = district
    petition._state.fields_cache["deputy"] = deputy
    return petition


def collecting_petitions(*, search: str = "", region: str = "") -> QuerySet[Petition]:
    qs = public_petitions().filter(state__in=SIGNABLE_STATES, window_end__gt=timezone.now())
    if region:
        qs = qs.filter(district__region=region)
    if search:
        for word in search.split():
            # Names are searched in every language: a voter may type the Russian name on a Kazakh page.
            names = Q()
            for column in ("name", "name_kk", "name_ru", "region", "region_kk", "region_ru"):
                names |= Q(**{f"district__{column}__icontains": word})
            qs = qs.filter(Q(deputy__full_name__icontains=word) | names | Q(district__code__iexact=word))
    return qs.order_by("window_end", "pk")


# The public's ways of browsing: each group of states, in the order the filter offers them.
BROWSE_GROUPS: dict[str, tuple[str, ...]] = {
    "collecting": (PetitionState.REGISTERED, PetitionState.COLLECTING, PetitionState.THRESHOLD_REACHED),
    "closed_short": (PetitionState.EXPIRED, PetitionState.INSUFFICIENT),
    "verification": (
        PetitionState.SUBMITTED,
        PetitionState.VERIFYING,
        PetitionState.SUFFICIENT,
        PetitionState.RECALL_VOTE,
    ),
    "recalled": (PetitionState.RECALLED,),
    "retained": (PetitionState.RETAINED,),
    "refused": (PetitionState.REFUSED,),
    "ended": (PetitionState.WITHDRAWN, PetitionState.MANDATE_ENDED),
}


def browse_petitions(*, group: str = "", level: str = "", region: str = "", district: str = "") -> QuerySet[Petition]:
    """Every public petition, newest first, narrowed by state group, level, region and district
    code (unknown values narrow to nothing rather than being ignored)."""
    qs = public_petitions()
    if group:
        qs = qs.filter(state__in=BROWSE_GROUPS.get(group, ()))
    if level:
        qs = qs.filter(district__level=level)
    if region:
        qs = qs.filter(district__region=region)
    if district:
        qs = qs.filter(district__code=district)
    return qs.order_by("-applied_at", "-pk")


def browse_choices() -> dict[str, list]:
    """Regions and districts that have a public petition (one query), for the filters: each a
    (value, label) pair, the label in the page's language, the value the English name or code."""
    rows = (
        public_petitions()
        .values_list(
            "district__region",
            "district__region_kk",
            "district__region_ru",
            "district__code",
            "district__name",
            "district__name_kk",
            "district__name_ru",
        )
        .distinct()
    )
    regions = {en: pick({"en": en, "kk": kk, "ru": ru}).text for en, kk, ru, *_rest in rows}
    districts = {code: pick({"en": en, "kk": kk, "ru": ru}).text for *_region, code, en, kk, ru in rows}
    return {"regions": _by_label(regions), "districts": sorted(districts.items())}


def _by_label(choices: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(choices.items(), key=lambda item: (item[1].casefold(), item[0]))


def regions_with_collections() -> list[tuple[str, str]]:
    """(value, label) pairs of the regions with an open collection, for the home page's filter."""
    rows = collecting_petitions().values_list("district__region", "district__region_kk", "district__region_ru")
    return _by_label({en: pick({"en": en, "kk": kk, "ru": ru}).text for en, kk, ru in set(rows)})


@dataclass(frozen=True)
class DayCount:
    date: dt.date
    valid: int
    total: int


def _daily_read(connection: Any) -> _Read:
    found = _reads.get(("daily", connection.alias))
    if found is None:
        q = connection.ops.quote_name
        day, valid, petition = (DailyTally._meta.get_field(name) for name in ("day", "valid", "petition"))
        sql = (
            f"SELECT {q(day.column)}, {q(valid.column)} FROM {q(DailyTally._meta.db_table)}"
            f" WHERE {q(petition.column)} = %s ORDER BY {q(day.column)}"
        )
        table = DailyTally._meta.db_table
        models = ((DailyTally, ["day", "valid"], [_converters(connection, f, table) for f in (day, valid)]),)
        found = _reads[("daily", connection.alias)] = _Read(sql, models)
    return found


def daily_valid(petition: Petition) -> list[DayCount]:
    """Valid signatures by day of signing, with the running total (read on every build of the
    petition's page and API detail: SQL built once per process, as public_petition)."""
    connection = connections[router.db_for_read(DailyTally)]
    read = _daily_read(connection)
    converters = read.models[0][2]
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [petition.pk])
        rows = cursor.fetchall()
    total = 0
    series = []
    for row in rows:
        day, valid = _converted(row, converters, connection)
        total += valid
        series.append(DayCount(day, valid, total))
    return series


# Days of signing the projection's rate is taken over (the rate of the last seven days).
FORECAST_DAYS = 7


@dataclass(frozen=True)
class Forecast:
    """Where the valid signatures go at the rate of the last seven days."""

    rate: float  # valid signatures per day over the last FORECAST_DAYS days (today included)
    reached: bool  # the requirement is met already
    reach_on: dt.date | None  # the day the requirement is met at that rate (None: not at all, or reached)
    in_time: bool  # met no later than the window's last day
    window_last_day: dt.date
    # The chart's dashed line: (today, valid now) to (end, valid then at that rate).
    line_end: tuple[dt.date, int]


def forecast(petition: Petition, days: list[tuple[dt.date, int]], today: dt.date | None = None) -> Forecast | None:
    """The projection for a petition still collecting; ``days`` are (day, valid that day).

    The rate counts the last seven days of signing whatever their number, so a quiet day lowers
    it; it is a projection of the pace, not a prediction of turnout."""
    if petition.state not in SIGNABLE_STATES or not petition.required_signatures or petition.window_end is None:
        return None
    today = today or timezone.localdate()
    last_day = timezone.localtime(petition.window_end).date()
    since = today - dt.timedelta(days=FORECAST_DAYS - 1)
    recent = sum(valid for day, valid in days if since <= day <= today)
    rate = recent / FORECAST_DAYS
    valid = petition.valid_count
    missing = petition.required_signatures - valid
    if missing <= 0:
        return Forecast(rate, True, None, True, last_day, (today, valid))
    if rate <= 0:
        return Forecast(rate, False, None, False, last_day, (max(today, last_day), valid))
    needed_days = -(-missing // rate)  # ceiling
    reach_on = today + dt.timedelta(days=int(needed_days))
    in_time = reach_on <= last_day
    end = reach_on if in_time else max(today, last_day)
    return Forecast(rate, False, reach_on, in_time, last_day, (end, valid + round(rate * (end - today).days)))


@dataclass(frozen=True)
class VoteResult:
    """The recall vote as the public sees it, with the rule of Art. 113-16 applied."""

    held_on: dt.date
    registered_voters: int
    ballots_cast: int
    votes_for: int
    votes_against: int
    turnout_percent: float
    turnout_met: bool  # at least a third of registered voters took part
    recalled: bool  # and more than half of those who took part voted for the recall


def vote_result(petition: Petition) -> VoteResult | None:
    vote = RecallVote.objects.filter(petition=petition).first()
    if vote is None:
        return None
    outcome = vote_outcome(
        registered_voters=vote.registered_voters, ballots_cast=vote.ballots_cast, votes_for=vote.votes_for
    )
    return VoteResult(
        held_on=vote.held_on,
        registered_voters=vote.registered_voters,
        ballots_cast=vote.ballots_cast,
        votes_for=vote.votes_for,
        votes_against=vote.votes_against,
        turnout_percent=round(vote.ballots_cast * 100 / vote.registered_voters, 1) if vote.registered_voters else 0.0,
        turnout_met=vote.ballots_cast * 3 >= vote.registered_voters,
        recalled=outcome == PetitionState.RECALLED,
    )


def collection_closed_at(petition: Petition, history: list[PetitionTransition]) -> dt.datetime | None:
    """When signing stopped: the window's end, or the step out of collecting if that came first
    (a petition submitted early, withdrawn, refused later). None while signing goes on or when it
    never started."""
    if petition.window_end is None:
        return None
    if petition.state in SIGNABLE_STATES:  # the beat closes a passed window within minutes
        return petition.window_end if petition.window_end <= timezone.now() else None
    collected = False
    for step in history:
        if step.to_state in SIGNABLE_STATES:
            collected = True
        elif collected:
            return min(step.at, petition.window_end)
    return petition.window_end if collected else None


def public_history(petition: Petition) -> list[PetitionTransition]:
    return list(petition.transitions.order_by("at", "id").only("to_state", "at"))


def latest_projection(petition: Petition) -> SampleRun | None:
    """The last closed random sample's projection, if the petition was verified by sampling."""
    return (
        SampleRun.objects.filter(petition=petition, closed_at__isnull=False)
        .order_by("-closed_at")
        .only(
            "projected_valid",
            "sample_size",
            "population_size",
            "seed",
            "outcome",
            "closed_at",
            "valid_in_sample",
            "duplicates_in_sample",
        )
        .first()
    )


def next_steps(petition: Petition) -> list:
    """What may happen next, from the lifecycle's transition table."""
    return [step for step in TRANSITIONS.values() if step.allows(petition.state)]


def days_left(petition: Petition, now: dt.datetime | None = None) -> int | None:
    if petition.window_end is None:
        return None
    remaining = petition.window_end - (now or timezone.now())
    return max(0, remaining.days + (1 if remaining.seconds else 0))


# --- The deputy's answer, the by-election, the next attempt --------------------------------------


@dataclass(frozen=True)
class AnswerShown:
    version: int
    published_at: dt.datetime
    on_behalf: bool
    language: str  # the language shown
    text: str
    in_page_language: bool
    texts: dict[str, str]


def public_answers(petition: Petition, language: str) -> list[AnswerShown]:
    """Every version of the deputy's answer, newest first, each in the page's language or the
    fallback (recall.i18n_text.pick)."""
    shown = []
    for answer in DeputyAnswer.objects.filter(petition_id=petition.pk).order_by("-version"):
        chosen = pick(answer.texts, language)
        if chosen.text:
            shown.append(
                AnswerShown(
                    version=answer.version,
                    published_at=answer.published_at,
                    on_behalf=answer.on_behalf,
                    language=chosen.language,
                    text=chosen.text,
                    in_page_language=not chosen.fallback,
                    texts=answer.texts,
                )
            )
    return shown


def by_election(petition: Petition) -> ByElection | None:
    return ByElection.objects.filter(petition_id=petition.pk).first()


def district_by_elections(district_id: int) -> list[ByElection]:
    return list(ByElection.objects.filter(district_id=district_id).select_related("petition").order_by("-due_by"))


@dataclass(frozen=True)
class NextAttempt:
    on: dt.date | None  # None: not within this term (the moratorium before its end comes first)
    cooldown_months: int


def next_attempt(petition: Petition) -> NextAttempt | None:
    """After a failed attempt (retained, expired, insufficient): the first day voters may start
    another recall of the same deputy, by the policy's cooldown and the end-of-term moratorium
    (the rule recall.services.groups.initiative.check_deputy applies)."""
    if petition.state not in FAILED_ATTEMPT_STATES:
        return None
    ended = petition.transitions.filter(to_state=petition.state).order_by("-at").only("at").first()
    if ended is None:
        return None
    policy = policy_for(petition.district.level)
    deputy = petition.deputy
    on = max(
        add_months(local_date(ended.at), policy.cooldown_months),
        add_months(deputy.term_start, policy.no_recall_after_start_months),
    )
    latest = add_months(deputy.term_end, -policy.no_recall_before_end_months)
    return NextAttempt(on=on if on < latest else None, cooldown_months=policy.cooldown_months)


# --- Districts and deputies ---------------------------------------------------------------------


def districts() -> QuerySet[District]:
    """Every single-member district with its by-elections, in code order (the API's list)."""
    return District.objects.prefetch_related("by_elections__district").order_by("code")


def deputies() -> QuerySet[Deputy]:
    """Every deputy with their district, by name (the API's list)."""
    return Deputy.objects.select_related("district").order_by("full_name", "pk")


def district_by_code(code: str) -> District | None:
    return District.objects.filter(code=code).first()


def serving_deputy(district: District) -> Deputy | None:
    """The deputy serving the district now (none after a recall, until the by-election)."""
    return district.deputies.filter(status=DeputyStatus.SERVING).first()


def district_petitions(district: District) -> QuerySet[Petition]:
    """The district's public petitions, newest application first."""
    return public_petitions().filter(district=district).order_by("-applied_at")


def certified_summary_of(petition_id: int, *, with_pdf: bool = True) -> CertifiedSummary | None:
    """The petition's latest certified summary (the public page shows its facts; the download
    serves its PDF)."""
    rows = CertifiedSummary.objects.filter(petition_id=petition_id)
    if not with_pdf:
        rows = rows.only("checkpoint_size", "issued_at", "signed", "timestamped")
    return rows.first()


def open_petition_of(deputy: Deputy | None) -> Petition | None:
    """The recall of ``deputy`` under way, if any (a district's page leads to it rather than to
    a second application)."""
    if deputy is None:
        return None
    return public_petitions().filter(deputy=deputy, state__in=OPEN_STATES).first()


def region_names() -> list[str]:
    """The regions' names as the listings' filter takes them."""
    return list(District.objects.values_list("region", flat=True).distinct())


def district_codes() -> list[str]:
    return list(District.objects.values_list("code", flat=True))


def accepted_channels(petition: Petition) -> list[str]:
    """The channels the petition's level accepts (its policy, strongest proof first): what the
    sign page offers and the petition page lists."""
    return policy_for(petition.district.level).accepted_channels()


def valid_by_identity(petition: Petition) -> dict[str, int]:
    """The petition's valid signatures by what their channel proved of the signer
    (IdentityStrength, every one named, zero included): the counters the workers keep on the
    petition row with valid_count (recall.services.verification.counts.IDENTITY_COLUMNS)."""
    return {strength: getattr(petition, f"valid_{strength}_count") for strength in IdentityStrength.values}
