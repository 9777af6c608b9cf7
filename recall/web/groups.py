"""The initiative group's pages: apply, confirm with a code, invite, join, submit, and the
group's dashboard. No passwords: a confirmed one-time code puts the member in the session.
Logic lives in recall.services.groups.initiative; these views only route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..errors import DomainError, InvalidInput
from ..iin import mask as mask_iin
from ..models import GroupCodePurpose, GroupDraftMember, PetitionState, SeedCommitment, SeedRound, SheetBatch
from ..services.groups import initiative, sheets
from ..services.ledger import sampling
from . import ratelimit
from .forms import CodeForm
from .group_forms import ApplyForm, IdentityForm, SheetsForm

MEMBER_SESSION_KEY = "recall_group_member"
INVITATION_SESSION_KEY = "recall_group_invitation"
# A refusal of a dashboard button, shown once on the dashboard it returns to.
ERROR_SESSION_KEY = "recall_group_error"


def _show(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "recall/too_many.html", status=429)


def _member(request: HttpRequest) -> GroupDraftMember | None:
    pk = request.session.get(MEMBER_SESSION_KEY)
    if not pk:
        return None
    return GroupDraftMember.objects.select_related("draft__deputy__district", "draft__petition").filter(pk=pk).first()


def _to_code(
    request: HttpRequest, form: forms.Form, start: Callable[[dict], initiative.Started]
) -> HttpResponse | None:
    """A form that ends in a one-time code (applying, joining, signing in): on a valid POST,
    ``start`` has the code sent and the visitor goes to the code page. None: show the form
    again, with the service's refusal beside its field."""
    if request.method != "POST":
        return None
    if ratelimit.exceeded(request, "group"):
        return _too_many(request)
    if form.is_valid():
        try:
            started = start(form.cleaned_data)
        except DomainError as error:
            _show(form, error)
        else:
            return redirect("recall:group_code", token=started.token)
    return None


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view runs for a member signed in with a code (``view(request, member, ...)``);
    anyone else is sent to the group's sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        member = _member(request)
        if member is None:
            return redirect("recall:group_enter")
        return view(request, member, *args, **kwargs)

    return wrapper


def dashboard_button(act: Callable[[HttpRequest, GroupDraftMember], None]) -> Callable[..., HttpResponse]:
    """A button of the group's dashboard: a POST by a signed-in member; ``act`` calls the
    service, and its refusal (a domain error) is shown on the dashboard it returns to."""

    @require_POST
    @member_required
    @wraps(act)
    def view(request: HttpRequest, member: GroupDraftMember) -> HttpResponse:
        try:
            act(request, member)
        except DomainError as error:
            request.session[ERROR_SESSION_KEY] = str(error.message)
        return redirect("recall:group_dashboard")

    return view


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    # "Start a recall of your deputy" on a district's page names the deputy.
    chosen = request.GET.get("deputy", "")
    form = ApplyForm(request.POST or None, initial={"deputy": int(chosen)} if chosen.isdigit() else None)

    def start(data: dict) -> initiative.Started:
        return initiative.start_application(
            deputy_id=data["deputy"].pk,
            grounds_category=data["grounds_category"],
            grounds={lang: data[f"grounds_{lang}"] for lang in initiative.LANGUAGES},
            iin=data["iin"],
            phone=data["phone"],
            contact_email=data["contact_email"],
        )

    return _to_code(request, form, start) or render(request, "recall/group/apply.html", {"form": form})


CONFIRMERS = {
    GroupCodePurpose.START: initiative.confirm_application,
    GroupCodePurpose.JOIN: initiative.confirm_joining,
    GroupCodePurpose.ENTER: initiative.confirm_entering,
}


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest, token: str) -> HttpResponse:
    record = initiative.code_by_token(token)
    if record is None:
        raise Http404
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "confirm"):
            return _too_many(request)
        if form.is_valid():
            try:
                member = CONFIRMERS[record.purpose](token, form.cleaned_data["code"])
            except DomainError as error:
                _show(form, error)
            else:
                request.session.cycle_key()
                request.session[MEMBER_SESSION_KEY] = member.pk
                return redirect("recall:group_dashboard")
    return render(request, "recall/group/code.html", {"form": form, "record": record})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = initiative.open_invitation(token)
    except DomainError as error:
        return render(request, "recall/group/invitation_gone.html", {"message": error.message}, status=410)
    form = IdentityForm(request.POST or None)
    started = _to_code(
        request, form, lambda data: initiative.start_joining(token, iin=data["iin"], phone=data["phone"])
    )
    return started or render(request, "recall/group/join.html", {"form": form, "draft": invitation.draft})


@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    form = IdentityForm(request.POST or None)
    started = _to_code(request, form, lambda data: initiative.start_entering(iin=data["iin"], phone=data["phone"]))
    return started or render(request, "recall/group/enter.html", {"form": form})


@member_required
def dashboard(request: HttpRequest, member: GroupDraftMember) -> HttpResponse:
    draft = member.draft
    petition = draft.petition
    invitation_url = ""
    token = request.session.pop(INVITATION_SESSION_KEY, "")
    if token:
        invitation_url = request.build_absolute_uri(reverse("recall:group_join", args=[token]))
    context = {
        "member": member,
        "draft": draft,
        "petition": petition,
        # The members by the last digits of their IINs: no name from the register reaches the
        # page (whoever typed an IIN would read its owner's legal name here).
        "members": [
            (mask_iin(initiative.member_iin(m)), m.is_leader)
            for m in draft.members.select_related("voter").order_by("-is_leader", "joined_at")
        ],
        "minimum": initiative.minimum(draft),
        # Members who confirmed a code; their right to vote is the commission's to check.
        "joined": initiative.member_count(draft),
        "missing": max(0, initiative.minimum(draft) - initiative.member_count(draft)),
        "invitation_url": invitation_url,
        "error": request.session.pop(ERROR_SESSION_KEY, ""),
    }
    if petition is not None:
        context.update(initiative.progress(petition))
        context["batches"] = SheetBatch.objects.filter(petition=petition)
        context["sheets_form"] = SheetsForm()
        context["can_issue"] = petition.state in sheets.ISSUING_STATES
        context["seed"] = _seed_state(petition)
    return render(request, "recall/group/dashboard.html", context)


def _seed_state(petition: Any) -> dict[str, Any] | None:
    """The group's share of the sample's seed: commit while the commitments are open, reveal
    after the beacon round is fixed and before it exists (recall.services.ledger.sampling)."""
    if petition.state != PetitionState.VERIFYING or petition.sample_runs.exists():
        return None
    mine = SeedCommitment.objects.filter(petition=petition, name=sampling.GROUP).first()
    fixed = SeedRound.objects.filter(petition=petition).first()
    closes = sampling.reveals_close(fixed) if fixed else None
    return {
        "party": sampling.GROUP,
        "commitment": mine,
        "round": fixed,
        "reveals_close": closes,
        "can_commit": mine is None and fixed is None,
        "can_reveal": mine is not None and not mine.reveal and fixed is not None and timezone.now() < closes,
    }


@require_POST
@member_required
def seed(request: HttpRequest, member: GroupDraftMember, action: str) -> HttpResponse:
    """The group commits to its share of the seed (only the commitment reaches the server: the
    page draws the share in the browser), or reveals it."""
    petition = member.draft.petition
    if petition is None or action not in ("commit", "reveal"):
        raise Http404
    value = request.POST.get("value", "")
    try:
        if action == "commit":
            sampling.commit(petition, party=sampling.GROUP, commitment=value)
        else:
            sampling.reveal(petition, party=sampling.GROUP, reveal=value)
    except DomainError as error:
        request.session[ERROR_SESSION_KEY] = str(error.message)
    return redirect(reverse("recall:group_dashboard") + "#seed-h")


@dashboard_button
def invite(request: HttpRequest, member: GroupDraftMember) -> None:
    invitation = initiative.invite(member.draft)
    # The link is shown once, on the dashboard; it is not kept anywhere readable.
    request.session[INVITATION_SESSION_KEY] = invitation.token


@dashboard_button
def submit(request: HttpRequest, member: GroupDraftMember) -> None:
    initiative.submit(member)


@dashboard_button
def issue_sheets(request: HttpRequest, member: GroupDraftMember) -> None:
    form = SheetsForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    sheets.issue_batch(member, collector=form.cleaned_data["collector"], count=form.cleaned_data["count"])


def sheets_pdf(request: HttpRequest, batch: int, language: str) -> HttpResponse:
    member = _member(request)
    if member is None or member.draft.petition_id is None or language not in sheets.SHEET_LANGUAGES:
        raise Http404
    found = SheetBatch.objects.filter(pk=batch, petition_id=member.draft.petition_id).first()
    if found is None:
        raise Http404
    response = HttpResponse(sheets.batch_pdf(found, language=language), content_type="application/pdf")
    name = f"sheets-{found.petition_id}-{found.first_number}-{found.last_number}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(MEMBER_SESSION_KEY, None)
    return redirect("recall:home")
