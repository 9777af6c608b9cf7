from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ..audit_labels import actor_name
from ..errors import DomainError
from ..models import (
    COUNTING_STATES,
    FINAL_STATES,
    PUBLIC_STATES,
    InitiativeMember,
    Petition,
    PetitionState,
    PetitionTransition,
    RecallVote,
    VoterStatus,
    policy_for,
)
from ..services import lifecycle
from ..services.lifecycle import deadlines
from ..services.privacy import retention
from .base import ReadOnlyAdmin, ScopedAdmin
from .petition_tools import PetitionToolsMixin

# The steps an official takes here come from the lifecycle's transition table: the buttons on a
# petition, the bulk actions and their confirmation forms cannot drift from what it allows.
STEPS: dict[str, lifecycle.Transition] = {
    name: step for name, step in lifecycle.TRANSITIONS.items() if lifecycle.By.OFFICIAL in step.by and step.offered
}


# The petition page's sections (the grounds are lifecycle.EDITABLE_WHILE_APPLIED: editable until the
# application is registered, the group's e-mail always).
HEAD_FIELDS = ["deputy", "district", "state", "deadline"]
REQUIREMENT_FIELDS = [
    "applied_at",
    "registration_due",
    "registered_at",
    "registered_voters",
    "threshold_percent",
    "required_signatures",
    "window_start",
    "window_end",
    "verification_due",
    "certified_at",
]
SIGNATURE_FIELDS = [
    "received_count",
    "valid_count",
    "invalid_count",
    "review_count",
    "withdrawn_count",
    "counts_reconciled_at",
]


class StepForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    window_start = forms.DateField(
        label=_("Collection starts on"),
        required=False,
        help_text=_("Leave empty to open the window now."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, step: lifecycle.Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = step.reason_required
        if "window_start" not in step.asks:
            del self.fields["window_start"]


class PetitionAddForm(forms.ModelForm):
    initiative_iins = forms.CharField(
        label=_("Initiative group: IINs of the members"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One IIN per line, the group's leader first. Members must be voters of the district."),
    )

    class Meta:
        model = Petition
        fields = ["deputy", *lifecycle.EDITABLE_WHILE_APPLIED]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("deputy") and data.get("initiative_iins"):
            try:
                lifecycle.check_application(deputy=data["deputy"], initiative_iins=data["initiative_iins"].splitlines())
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, str(error.message))
        return data


def transition_actor(transition: PetitionTransition) -> str:
    """The official, or the part of the system, in the official's language."""
    return str(transition.actor) if transition.actor_id else actor_name(transition.actor_label)


class TransitionInline(admin.TabularInline):
    model = PetitionTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "who", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history of states")

    @admin.display(description=_("who"))
    def who(self, transition: PetitionTransition) -> str:
        return transition_actor(transition)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InitiativeInline(admin.TabularInline):
    model = InitiativeMember
    extra = 0
    can_delete = False
    fields = ["member", "is_leader", "standing"]
    readonly_fields = fields

    @admin.display(description=_("member"))
    def member(self, obj: InitiativeMember) -> str:
        return str(obj)

    @admin.display(description=_("in the voter register"))
    def standing(self, obj: InitiativeMember) -> str:
        """What registration checks (the commission sees it; the group never does)."""
        voter = obj.voter
        if voter is None:
            return str(_("not in the voter register"))
        if voter.district_id != obj.petition.district_id:
            return str(_("registered in another district"))
        if voter.status != VoterStatus.ACTIVE:
            return str(_("no right to vote"))
        return str(_("may be a member"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeadlineFilter(admin.SimpleListFilter):
    """Petitions past, or close to, the commission's running deadline (recall.services.lifecycle.deadlines)."""

    title = _("deadline")
    parameter_name = "deadline"
    SOON_DAYS = 3

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("soon", _("due within 3 days"))]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(deadlines.overdue_q(today))
        if self.value() == "soon":
            return queryset.filter(deadlines.due_soon_q(today, today + dt.timedelta(days=self.SOON_DAYS)))
        return queryset


def deadline_cell(petition: Petition) -> str:
    """The running deadline's due date; past it, in red and with the word (not colour alone)."""
    current = deadlines.running(petition)
    if current is None:
        return "—"
    deadline, due = current
    shown = formats.date_format(due, "SHORT_DATE_FORMAT")
    if due < timezone.localdate():
        return format_html(
            '<span class="deadline-overdue" title="{}">{} <strong>{}</strong></span>',
            deadline.kind.label,
            shown,
            _("overdue"),
        )
    return format_html('<span title="{}">{}</span>', deadline.kind.label, shown)


def _step_action(name: str, step: lifecycle.Transition) -> Callable:
    def action(modeladmin: PetitionAdmin, request: HttpRequest, queryset: models.QuerySet) -> HttpResponse | None:
        return modeladmin.confirm_step(request, name, list(queryset))

    action.__name__ = f"step_{name}"
    return admin.action(description=step.label)(action)


@admin.register(Petition)
class PetitionAdmin(PetitionToolsMixin, ScopedAdmin):
    list_display = [
        "id",
        "deputy",
        "district_code",
        "state_and_deadline",
        "required_signatures",
        "received_count",
        "valid_count",
        "invalid_count",
        "awaiting",
        "progress",
        "window_end",
    ]
    list_display_links = ["id", "deputy"]
    list_filter = [
        "state",
        DeadlineFilter,
        "district__level",
        "district__region",
        ("district", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["deputy__full_name", "district__code", "district__name"]
    list_select_related = ["deputy", "district"]
    date_hierarchy = "applied_at"
    actions = [_step_action(name, step) for name, step in STEPS.items()]
    inlines = [InitiativeInline, TransitionInline]
    # Everything but the grounds (and the group's e-mail) is written by the lifecycle and the
    # workers: shown, never edited here.
    readonly_fields = [*HEAD_FIELDS, *REQUIREMENT_FIELDS, *SIGNATURE_FIELDS, "personal_data"]
    fieldsets = [
        (None, {"fields": HEAD_FIELDS}),
        (_("Grounds"), {"fields": list(lifecycle.EDITABLE_WHILE_APPLIED)}),
        (_("Requirement and window"), {"fields": REQUIREMENT_FIELDS}),
        (_("Signatures"), {"fields": SIGNATURE_FIELDS}),
        (_("Personal data"), {"fields": ["personal_data"]}),
    ]
    change_form_template = "admin/recall/petition/change_form.html"

    @admin.display(description=_("district"), ordering="district__code")
    def district_code(self, obj: Petition) -> str:
        return obj.district.code

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return retention.with_purge_facts(super().get_queryset(request))

    @admin.display(description=_("personal data"))
    def personal_data(self, obj: Petition) -> str:
        """Kept, with the purge date once the petition is final; or when it was destroyed."""
        destroyed = obj.data_key_destroyed_at if hasattr(obj, "data_key_destroyed_at") else retention.destroyed_at(obj)
        if destroyed is not None:
            return _("destroyed on %(date)s") % {"date": formats.date_format(timezone.localtime(destroyed))}
        day = retention.purge_date(obj, at=getattr(obj, "final_state_at", None)) if obj.state in FINAL_STATES else None
        if day is None:
            return _("kept: not yet final")
        return _("to be destroyed on %(date)s") % {"date": formats.date_format(day)}

    @admin.display(description=_("purge date"))
    def purge_on(self, obj: Petition) -> str:
        """The list's short form of ``personal_data``: the day, with the full text as a tooltip."""
        destroyed = getattr(obj, "data_key_destroyed_at", None)
        day = destroyed and timezone.localtime(destroyed).date()
        if day is None and obj.state in FINAL_STATES:
            day = retention.purge_date(obj, at=getattr(obj, "final_state_at", None))
        if day is None:
            return format_html('<span title="{}">—</span>', _("kept: not yet final"))
        return format_html(
            '<span title="{}">{}{}</span>',
            self.personal_data(obj),
            "✓ " if destroyed else "",
            formats.date_format(day, "SHORT_DATE_FORMAT"),
        )

    @admin.display(description=_("commission's deadline"))
    def deadline(self, obj: Petition) -> str:
        return deadline_cell(obj)

    @admin.display(description=_("state"), ordering="state")
    def state_and_deadline(self, obj: Petition) -> str:
        """The state, and under it the due date of the deadline it waits on, or, once the
        petition is final, when its personal data is (or was) destroyed. No extra columns: the
        list fits a 1280-pixel laptop."""
        if deadlines.running(obj) is not None:
            return format_html("{}<br>{}: {}", obj.get_state_display(), _("due"), deadline_cell(obj))
        if obj.state in FINAL_STATES:
            return format_html("{}<br>{}: {}", obj.get_state_display(), _("data"), self.purge_on(obj))
        return obj.get_state_display()

    @admin.display(description=_("awaiting"))
    def awaiting(self, obj: Petition) -> int:
        return obj.awaiting_count

    @admin.display(description=_("progress"))
    def progress(self, obj: Petition) -> str:
        return format_html(
            '<progress max="100" value="{}" title="{}%"></progress> {}%',
            obj.progress_percent,
            obj.progress_percent,
            obj.progress_percent,
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> type:
        if obj is None:
            kwargs["form"] = PetitionAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None:
            return [
                (
                    None,
                    {"fields": [*PetitionAddForm.Meta.fields, "initiative_iins"]},
                )
            ]
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        fields = list(self.readonly_fields)
        if obj.state != PetitionState.APPLIED:
            fields += ["grounds_category", "grounds_text", "grounds_text_kk", "grounds_text_ru", "grounds_text_en"]
        return fields

    def get_inlines(self, request: HttpRequest, obj: Any) -> list:
        return self.inlines if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Petition, form: forms.ModelForm, change: bool) -> None:
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if changes:
                lifecycle.update_details(obj, actor=request.user, **changes)
            return
        created = lifecycle.apply(
            deputy=form.cleaned_data["deputy"],
            grounds_category=form.cleaned_data["grounds_category"],
            grounds_text=form.cleaned_data["grounds_text"],
            grounds_translations={
                lang: form.cleaned_data.get(f"grounds_text_{lang}", "") for lang in lifecycle.GROUNDS_LANGUAGES
            },
            contact_email=form.cleaned_data.get("contact_email", ""),
            initiative_iins=form.cleaned_data["initiative_iins"].splitlines(),
            actor=request.user,
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})

    # --- Transitions ------------------------------------------------------------------------

    def get_urls(self) -> list:
        urls = super().get_urls()
        custom = [
            path(
                "<id:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="recall_petition_step",
            ),
            *self.tool_urls(),
        ]
        return custom + urls

    def step_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        petition = self.get_queryset(request).filter(pk=pk).first()
        if petition is None or name not in STEPS:
            messages.error(request, _("No such petition or step."))
            return HttpResponseRedirect(reverse("admin:recall_petition_changelist"))
        response = self.confirm_step(request, name, [petition], single=True)
        return response or HttpResponseRedirect(reverse("admin:recall_petition_change", args=[petition.pk]))

    def confirm_step(
        self, request: HttpRequest, name: str, petitions: list[Petition], single: bool = False
    ) -> HttpResponse | None:
        step = STEPS[name]
        if not request.user.can_act:
            messages.error(request, _("Your account may look at records but not change them."))
            return None
        confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
        form = StepForm(request.POST if confirmed else None, step=step)
        if confirmed and form.is_valid():
            done = 0
            for petition in petitions:
                kwargs: dict[str, Any] = {"actor": request.user, "reason": form.cleaned_data.get("reason", "")}
                kwargs.update({field: form.cleaned_data.get(field) for field in step.asks})
                try:
                    lifecycle.STEP_SERVICES[name](petition, **kwargs)
                    done += 1
                except DomainError as error:
                    messages.error(request, f"{petition}: {error.message}")
            if done:
                messages.success(
                    request, _("%(label)s: done for %(n)s petition(s).") % {"label": step.label, "n": done}
                )
            if single:
                return HttpResponseRedirect(reverse("admin:recall_petition_change", args=[petitions[0].pk]))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": step.label,
            "step": step,
            "step_name": name,
            # A step that ends a petition's way (refusal, withdrawal, a mandate ended) is red;
            # the others are the ordinary next step.
            "grave": step.reason_required,
            "petitions": petitions,
            "with_details": [(p, self.step_details(p)) for p in petitions],
            "not_applicable": [p for p in petitions if not step.allows(p.state)],
            "form": form,
            "single": single,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/recall/petition/confirm_step.html", context)

    @staticmethod
    def step_details(petition: Petition) -> list[tuple[Any, Any]]:
        """What the official confirms a step on: the application as filed, and where it stands."""
        petition = Petition.objects.select_related("deputy", "district").get(pk=petition.pk)
        rows: list[tuple[Any, Any]] = [
            (_("deputy"), petition.deputy),
            (_("district"), petition.district),
            (_("state"), petition.get_state_display()),
            (_("grounds"), petition.get_grounds_category_display()),
            (_("statement of grounds"), Truncator(str(petition.grounds)).chars(400)),
            (_("application received"), petition.applied_at),
        ]
        if petition.state == PetitionState.APPLIED:
            minimum = policy_for(petition.district.level).initiative_group_min
            rows += [
                (_("registration due"), petition.registration_due or "—"),
                (
                    _("initiative group"),
                    _("%(members)s members (at least %(minimum)s required)")
                    % {"members": petition.initiative_group.count(), "minimum": minimum},
                ),
            ]
        else:
            rows += [
                (_("valid"), petition.valid_count),
                (_("required signatures"), petition.required_signatures or "—"),
                (_("collection ends"), petition.window_end or "—"),
            ]
        return rows

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        petition = self.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
        if petition is not None:
            run = petition.sample_runs.first()
            tools = [
                (reverse("admin:recall_petition_export_csv", args=[petition.pk]), _("Signatures (CSV)")),
                (reverse("admin:recall_petition_export_pdf", args=[petition.pk]), _("Signatures (PDF)")),
                (reverse("admin:recall_petition_summary_pdf", args=[petition.pk]), _("Certified summary (PDF)")),
            ]
            if request.user.can_act:
                extra_context["steps"] = [
                    (step.name, step.label)
                    for step in lifecycle.available(petition.state, offered_only=True)
                    if step.name in STEPS
                ]
                if lifecycle.TRANSITIONS["record_vote"].allows(petition.state):
                    tools.insert(
                        0,
                        (
                            reverse("admin:recall_recallvote_add") + f"?petition={petition.pk}",
                            lifecycle.TRANSITIONS["record_vote"].label,
                        ),
                    )
                if petition.state in PUBLIC_STATES:
                    tools.append(
                        (reverse("admin:recall_petition_answer", args=[petition.pk]), _("Enter the deputy's answer"))
                    )
                if petition.state in COUNTING_STATES:
                    tools.insert(
                        0,
                        (reverse("admin:recall_petition_invalidate", args=[petition.pk]), _("Invalidate by criteria")),
                    )
                # One draw per petition (a result cannot be improved by drawing again).
                if petition.state == PetitionState.VERIFYING and run is None:
                    tools.insert(
                        0, (reverse("admin:recall_petition_sample", args=[petition.pk]), _("Draw a random sample"))
                    )
            extra_context["tools"] = tools
            extra_context["sample_run"] = run
        return super().change_view(request, object_id, form_url, extra_context)


class RecallVoteForm(forms.ModelForm):
    class Meta:
        model = RecallVote
        fields = ["petition", "held_on", "registered_voters", "ballots_cast", "votes_for", "votes_against"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}


@admin.register(RecallVote)
class RecallVoteAdmin(ScopedAdmin):
    district_path = "petition__district"
    form = RecallVoteForm
    list_display = ["petition", "held_on", "registered_voters", "ballots_cast", "votes_for", "votes_against", "outcome"]
    list_select_related = ["petition__deputy", "petition__district"]

    @admin.display(description=_("outcome"))
    def outcome(self, obj: RecallVote) -> str:
        return obj.petition.get_state_display()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A vote result, once entered, is a record: it is not edited afterwards.
        return list(RecallVoteForm.Meta.fields) if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "petition":
            field.queryset = field.queryset.filter(state=PetitionState.RECALL_VOTE)
        return field

    def save_model(self, request: HttpRequest, obj: RecallVote, form: forms.ModelForm, change: bool) -> None:
        vote = lifecycle.record_recall_vote(
            form.cleaned_data["petition"],
            actor=request.user,
            **{
                k: form.cleaned_data[k]
                for k in ["held_on", "registered_voters", "ballots_cast", "votes_for", "votes_against"]
            },
        )
        obj.pk = vote.pk


@admin.register(PetitionTransition)
class PetitionTransitionAdmin(ReadOnlyAdmin):
    district_path = "petition__district"
    list_display = ["at", "petition", "from_state", "to_state", "who", "reason"]
    list_filter = ["to_state"]
    list_select_related = ["petition__deputy", "petition__district", "actor"]

    @admin.display(description=_("who"))
    def who(self, transition: PetitionTransition) -> str:
        return transition_actor(transition)
