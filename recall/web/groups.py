"""The initiative group's pages: apply, confirm with a code, invite, join, submit, and the
group's dashboard. No passwords: a confirmed one-time code puts the member in the session.
Logic lives in recall.services.groups.initiative; these views only route."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ..errors import DomainError
from ..models import GroupCodePurpose, GroupDraftMember, SheetBatch
from ..services.groups import initiative, sheets
from . import ratelimit
from .forms import CodeForm
from .group_forms import ApplyForm, IdentityForm, SheetsForm

MEMBER_SESSION_KEY = "recall_group_member"
INVITATION_SESSION_KEY = "recall_group_invitation"


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


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    # "Start a recall of your deputy" on a district's page names the deputy.
    chosen = request.GET.get("deputy", "")
    form = ApplyForm(request.POST or None, initial={"deputy": int(chosen)} if chosen.isdigit() else None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "group"):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                started = initiative.start_application(
                    deputy_id=data["deputy"].pk,
                    grounds_category=data["grounds_category"],
                    grounds={lang: data[f"grounds_{lang}"] for lang in initiative.LANGUAGES},
                    iin=data["iin"],
                    phone=data["phone"],
                    contact_email=data["contact_email"],
                )
            except DomainError as error:
                _show(form, error)
            else:
                return redirect("recall:group_code", token=started.token)
    return render(request, "recall/group/apply.html", {"form": form})


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
    if request.method == "POST":
        if ratelimit.exceeded(request, "group"):
            return _too_many(request)
        if form.is_valid():
            try:
                started = initiative.start_joining(
                    token, iin=form.cleaned_data["iin"], phone=form.cleaned_data["phone"]
                )
            except DomainError as error:
                _show(form, error)
            else:
                return redirect("recall:group_code", token=started.token)
    return render(request, "recall/group/join.html", {"form": form, "draft": invitation.draft})


@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    form = IdentityForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "group"):
            return _too_many(request)
        if form.is_valid():
            try:
                started = initiative.start_entering(iin=form.cleaned_data["iin"], phone=form.cleaned_data["phone"])
            except DomainError as error:
                _show(form, error)
            else:
                return redirect("recall:group_code", token=started.token)
    return render(request, "recall/group/enter.html", {"form": form})


def dashboard(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return redirect("recall:group_enter")
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
        # Names of the group's members only: nobody else's personal data reaches this page.
        "members": [
            m.voter.full_name for m in draft.members.select_related("voter").order_by("-is_leader", "joined_at")
        ],
        "minimum": initiative.minimum(draft),
        "eligible": initiative.eligible_members(draft),
        "missing": max(0, initiative.minimum(draft) - initiative.eligible_members(draft)),
        "invitation_url": invitation_url,
        "error": request.session.pop("recall_group_error", ""),
    }
    if petition is not None:
        context.update(initiative.progress(petition))
        context["batches"] = SheetBatch.objects.filter(petition=petition)
        context["sheets_form"] = SheetsForm()
        context["can_issue"] = petition.state in sheets.ISSUING_STATES
    return render(request, "recall/group/dashboard.html", context)


@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return redirect("recall:group_enter")
    try:
        invitation = initiative.invite(member.draft)
    except DomainError as error:
        request.session["recall_group_error"] = str(error.message)
    else:
        # The link is shown once, on the dashboard; it is not kept anywhere readable.
        request.session[INVITATION_SESSION_KEY] = invitation.token
    return redirect("recall:group_dashboard")


@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return redirect("recall:group_enter")
    try:
        initiative.submit(member)
    except DomainError as error:
        request.session["recall_group_error"] = str(error.message)
    return redirect("recall:group_dashboard")


@require_POST
def issue_sheets(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return redirect("recall:group_enter")
    form = SheetsForm(request.POST)
    if not form.is_valid():
        request.session["recall_group_error"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return redirect("recall:group_dashboard")
    try:
        sheets.issue_batch(member, collector=form.cleaned_data["collector"], count=form.cleaned_data["count"])
    except DomainError as error:
        request.session["recall_group_error"] = str(error.message)
    return redirect("recall:group_dashboard")


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
