"""What needs an official's attention now, for the commission's jurisdiction only: the admin's
first page. A handful of set-based queries (one per section), never a query per petition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import jurisdiction
from .models import PaperImport, Petition, PetitionJob, PetitionJobState, PetitionState, RegisterImport, SampleRun
from .models.register import JobState
from .services.lifecycle import deadlines

# "Near": within this share of the requirement, or this many days of the window's end.
NEAR_THRESHOLD = 0.8
NEAR_END_DAYS = 7
SECTION_LIMIT = 20  # the page is a summary; each section links to its full list


@dataclass(frozen=True)
class Section:
    """One table of the dashboard: its caption, its columns, its rows, and the template of a
    row's cells (templates/admin/recall/dashboard/, given the row as ``row``)."""

    caption: Promise
    columns: tuple[Promise, ...]
    rows: list[Any]
    row_template: str


PETITION_COLUMNS = (_("petition"), _("district"))


def _rows(name: str) -> str:
    return f"admin/recall/dashboard/{name}.html"


@dataclass
class Dashboard:
    today: dt.date
    awaiting_registration: list[Petition] = field(default_factory=list)
    awaiting_review: list[Petition] = field(default_factory=list)
    near_threshold_or_end: list[Petition] = field(default_factory=list)
    awaiting_verification: list[Petition] = field(default_factory=list)
    samples_awaiting_findings: list[SampleRun] = field(default_factory=list)
    # Certified sufficient: the next step is the recall vote, its date and then its result.
    awaiting_vote: list[Petition] = field(default_factory=list)
    jobs: list[tuple[Any, str]] = field(default_factory=list)  # (job, its admin page)
    # Petitions past a running deadline (recall.services.lifecycle.deadlines), all of them, not a section's 20.
    overdue_count: int = 0

    @property
    def sections(self) -> list[Section]:
        """The tables that have rows, in the page's order."""
        every = [
            Section(
                _("Applications awaiting registration"),
                (*PETITION_COLUMNS, _("application received"), _("registration due")),
                self.awaiting_registration,
                _rows("awaiting_registration"),
            ),
            Section(
                _("Signatures awaiting review"),
                (*PETITION_COLUMNS, _("awaiting review")),
                self.awaiting_review,
                _rows("awaiting_review"),
            ),
            Section(
                _("Petitions awaiting verification"),
                (*PETITION_COLUMNS, _("state"), _("verification due")),
                self.awaiting_verification,
                _rows("awaiting_verification"),
            ),
            Section(
                _("Petitions near their threshold or the end of their window"),
                (*PETITION_COLUMNS, _("valid"), _("required signatures"), _("collection ends")),
                self.near_threshold_or_end,
                _rows("near_threshold_or_end"),
            ),
            Section(
                _("Samples awaiting findings"),
                (_("random sample"), _("sample size"), _("drawn at")),
                self.samples_awaiting_findings,
                _rows("samples_awaiting_findings"),
            ),
            Section(
                _("Recall votes to enter"),
                (*PETITION_COLUMNS, _("state"), _("next step")),
                self.awaiting_vote,
                _rows("awaiting_vote"),
            ),
            Section(_("Running and failed jobs"), (_("file"), _("state"), _("uploaded at")), self.jobs, _rows("jobs")),
        ]
        return [section for section in every if section.rows]

    @property
    def is_empty(self) -> bool:
        return not self.sections


def _petitions(user: Any) -> QuerySet[Petition]:
    return jurisdiction.scope(Petition.objects.select_related("deputy", "district"), user, "district")


def for_user(user: Any, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    petitions = _petitions(user)
    board = Dashboard(today=today)
    board.awaiting_registration = list(
        petitions.filter(state=PetitionState.APPLIED).order_by(F("registration_due").asc(nulls_last=True))[
            :SECTION_LIMIT
        ]
    )
    board.overdue_count = petitions.filter(deadlines.overdue_q(today)).count()
    board.awaiting_review = list(petitions.filter(review_count__gt=0).order_by("-review_count")[:SECTION_LIMIT])
    board.near_threshold_or_end = list(
        petitions.filter(state=PetitionState.COLLECTING)
        .filter(
            Q(valid_count__gte=F("required_signatures") * NEAR_THRESHOLD, required_signatures__gt=0)
            | Q(window_end__lte=now + dt.timedelta(days=NEAR_END_DAYS))
        )
        .order_by("window_end")[:SECTION_LIMIT]
    )
    board.awaiting_verification = list(
        petitions.filter(state__in=[PetitionState.SUBMITTED, PetitionState.VERIFYING]).order_by(
            F("verification_due").asc(nulls_last=True)
        )[:SECTION_LIMIT]
    )
    for p in (*board.awaiting_registration, *board.awaiting_verification):
        due = deadlines.running(p)
        p.due, p.overdue = (due[1], due[1] < today) if due else (None, False)
    board.samples_awaiting_findings = list(
        jurisdiction.scope(
            SampleRun.objects.select_related("petition__deputy", "petition__district"), user, "petition__district"
        )
        .filter(closed_at__isnull=True)
        .order_by("started_at")[:SECTION_LIMIT]
    )
    board.awaiting_vote = list(
        petitions.filter(state__in=[PetitionState.SUFFICIENT, PetitionState.RECALL_VOTE]).order_by("updated_at")[
            :SECTION_LIMIT
        ]
    )
    unfinished = [JobState.PENDING, JobState.RUNNING, JobState.FAILED]
    paper = jurisdiction.scope(PaperImport.objects.select_related("petition__deputy"), user, "petition__district")
    register = RegisterImport.objects.all()
    if not jurisdiction.sees_everything(user):
        # A register import has no district: it belongs to the uploader's commission.
        register = register.filter(uploaded_by__commission=user.commission_id)
    recent = now - dt.timedelta(days=7)  # failed jobs stay listed for a week
    jobs = [
        *paper.filter(Q(state__in=unfinished[:2]) | Q(state=JobState.FAILED, created_at__gte=recent))[:SECTION_LIMIT],
        *register.filter(Q(state__in=unfinished[:2]) | Q(state=JobState.FAILED, created_at__gte=recent))[
            :SECTION_LIMIT
        ],
    ]
    petition_jobs = jurisdiction.scope(PetitionJob.objects.select_related("petition"), user, "petition__district")
    jobs += petition_jobs.filter(
        Q(state__in=[PetitionJobState.PENDING, PetitionJobState.RUNNING])
        | Q(state=PetitionJobState.FAILED, created_at__gte=recent)
    )[:SECTION_LIMIT]
    board.jobs = [
        (job, reverse(f"admin:{job._meta.app_label}_{job._meta.model_name}_change", args=[job.pk]))
        for job in sorted(jobs, key=lambda job: job.created_at, reverse=True)
    ]
    return board


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and due < today
