from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..errors import DomainError, IllegalTransition
from ..models import (
    CHANNEL_ORDER,
    Deputy,
    DeputyAddressChange,
    DeputyStatus,
    District,
    Mandate,
    Petition,
    PublicHoliday,
    RecallPolicy,
)
from ..services.groups import deputies
from ..services.public import public_cache
from .base import AuditedChanges, CentralCommissionOnly, ReadOnlyAdmin, ScopedAdmin


@admin.register(District)
class DistrictAdmin(AuditedChanges, ScopedAdmin):
    district_path = ""
    central_only_changes = True
    list_display = ["code", "name", "name_kk", "name_ru", "region", "level", "body", "registered_voters", "deputy"]
    list_filter = ["level", "region"]
    search_fields = ["code", "name", "name_kk", "name_ru", "region", "region_kk", "region_ru", "body"]
    readonly_fields = ["registered_voters", "register_updated_at"]
    # Each name in the three languages: the voters' pages show the page's (recall.i18n_text).
    fieldsets = [
        (None, {"fields": ["code", "level", "registered_voters", "register_updated_at"]}),
        (_("In English"), {"fields": ["name", "region", "body"]}),
        (_("In Kazakh"), {"fields": ["name_kk", "region_kk", "body_kk"]}),
        (_("In Russian"), {"fields": ["name_ru", "region_ru", "body_ru"]}),
    ]

    def save_model(self, request: HttpRequest, obj: District, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        public_cache.changed(content=True)  # the names are on every cached page

    @admin.display(description=_("serving deputy"))
    def deputy(self, obj: District) -> str:
        serving = [d for d in obj.deputies.all() if d.status == DeputyStatus.SERVING]
        return serving[0].full_name if serving else "—"

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("deputies")


@admin.register(Deputy)
class DeputyAdmin(AuditedChanges, ScopedAdmin):
    central_only_changes = True
    list_display = ["full_name", "party_or_self", "mandate", "level", "district", "term_start", "term_end", "status"]
    list_filter = ["mandate", "level", "status", "district__region"]
    search_fields = ["full_name", "party", "party_kk", "party_ru", "district__code", "district__name"]
    list_select_related = ["district"]
    change_form_template = "admin/recall/deputy/change_form.html"

    def save_model(self, request: HttpRequest, obj: Deputy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        public_cache.changed(content=True)

    @admin.display(description=_("party"))
    def party_or_self(self, obj: Deputy) -> str:
        return obj.party or str(_("self-nominated"))

    def get_urls(self) -> list:
        account = path("<id:pk>/account/", self.admin_site.admin_view(self.account_view), name="recall_deputy_account")
        return [account, *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        deputy = self.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
        extra_context = extra_context or {}
        if deputy is not None and deputy.mandate == Mandate.SINGLE and request.user.can_act:
            extra_context["account"] = User.objects.filter(deputy=deputy).first()
            extra_context["account_url"] = reverse("admin:recall_deputy_account", args=[deputy.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def account_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The deputy's account: an official proposes its address (creating the account the first
        time), a second official of the central commission confirms it, and only then is the
        deputy e-mailed a link to set the password (recall.services.groups.deputies)."""
        deputy = self.get_queryset(request).filter(pk=pk).first()
        if deputy is None or not request.user.can_act:
            return HttpResponseRedirect(reverse("admin:recall_deputy_changelist"))
        form = DeputyAccountForm(request.POST or None)
        invitation = None
        pending = deputies.pending_change(deputy)
        account = User.objects.filter(deputy=deputy).first()
        problem = ""
        try:
            if request.method == "POST" and "reset" in request.POST:
                form = DeputyAccountForm()
                invitation = deputies.reset_access(deputy, actor=request.user)
                messages.success(
                    request,
                    _("A new link is e-mailed to the deputy; the old password and authenticator no longer work."),
                )
            elif request.method == "POST" and ("confirm" in request.POST or "cancel" in request.POST):
                form = DeputyAccountForm()
                if pending is None or str(pending.pk) != request.POST.get("change"):
                    raise IllegalTransition(_("This address is no longer awaiting confirmation."), code="not_pending")
                if "confirm" in request.POST:
                    invitation = deputies.confirm_address(pending, actor=request.user)
                    messages.success(request, _("The address is confirmed; the deputy is told of the change."))
                else:
                    deputies.cancel_address(pending, actor=request.user)
                    messages.success(request, _("The proposed address is cancelled."))
            elif request.method == "POST" and form.is_valid():
                email = form.cleaned_data["email"]
                if account is None:
                    deputies.create_account(deputy, actor=request.user, email=email)
                else:
                    deputies.propose_address(deputy, actor=request.user, email=email)
                messages.success(
                    request,
                    _(
                        "The address is proposed. It takes effect, and the link is e-mailed, once an official of "
                        "the central commission confirms it."
                    ),
                )
                form = DeputyAccountForm()
        except DomainError as error:
            problem = str(error.message)
        pending = deputies.pending_change(deputy)
        context = {
            **self.admin_site.each_context(request),
            "title": _("The deputy's account"),
            "deputy": deputy,
            "account": User.objects.filter(deputy=deputy).first(),
            "pending": pending,
            "may_confirm": pending is not None
            and deputies.may_confirm(request.user)
            and pending.proposed_by_id != request.user.pk,
            "form": form,
            "problem": problem,
            "invitation": invitation,
            "opts": Deputy._meta,
        }
        return TemplateResponse(request, "admin/recall/deputy/account.html", context)


class DeputyAccountForm(forms.Form):
    email = forms.EmailField(label=_("The deputy's e-mail address"))


@admin.register(DeputyAddressChange)
class DeputyAddressChangeAdmin(ReadOnlyAdmin):
    """Every proposed address, confirmed or not: the central commission's list of what awaits
    its confirmation (on the deputy's account page)."""

    district_path = "deputy__district"
    list_display = ["deputy", "email", "state", "proposed_by", "proposed_at", "decided_by", "decided_at", "account"]
    list_filter = ["state"]
    list_select_related = ["deputy", "proposed_by", "decided_by"]

    @admin.display(description=_("account"))
    def account(self, obj: DeputyAddressChange) -> str:
        url = reverse("admin:recall_deputy_account", args=[obj.deputy_id])
        return format_html('<a href="{}">{}</a>', url, _("The deputy's account"))


class CentralReferenceData(CentralCommissionOnly):
    """Rules every official reads and the central commission alone edits (never deletes)."""

    readable_by_members = True


@admin.register(RecallPolicy)
class RecallPolicyAdmin(CentralReferenceData, AuditedChanges, admin.ModelAdmin):
    """Every official reads the rules; the central commission edits them."""

    list_display = [
        "level",
        "threshold_percent",
        "collection_days",
        "initiative_group_min",
        "registration_days",
        "verification_days",
        "deadline_day_count",
        "is_assumption",
        "appeal_days",
        "retention_days",
        "retention_is_assumption",
    ]
    fieldsets = [
        (None, {"fields": ["level", "threshold_percent", "collection_days", "initiative_group_min"]}),
        (
            _("Commission deadlines"),
            {"fields": ["registration_days", "verification_days", "deadline_day_count", "reminder_working_days"]},
        ),
        (
            _("When a recall may start"),
            {"fields": ["no_recall_after_start_months", "no_recall_before_end_months", "cooldown_months"]},
        ),
        (
            _("After the vote"),
            {"fields": ["by_election_days"]},
        ),
        (
            _("Signature channels"),
            {
                "description": _(
                    "Which ways of signing the commission accepts for this level, and which ones an official "
                    "confirms signature by signature. A signature through a channel not accepted is refused "
                    "before anything is stored; a confirmed channel's signatures wait in the review queue where "
                    "the machine would have counted them."
                ),
                "fields": [(f"accept_{c}", f"confirm_{c}") for c in CHANNEL_ORDER],
            },
        ),
        (
            _("Random-sample verification"),
            {
                "fields": [
                    "sample_percent",
                    "sample_minimum",
                    "sample_sufficient_percent",
                    "sample_insufficient_percent",
                ]
            },
        ),
        (_("Source"), {"fields": ["legal_reference", "is_assumption", "updated_at"]}),
        (
            _("Retention of personal data"),
            {"fields": ["appeal_days", "retention_days", "retention_legal_reference", "retention_is_assumption"]},
        ),
    ]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and RecallPolicy.objects.count() < 4

    def save_model(self, request: HttpRequest, obj: RecallPolicy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The petition pages and the API detail show the accepted channels as content: their
        # kept copies of this level's petitions go.
        ids = Petition.objects.filter(district__level=obj.level).values_list("pk", flat=True)
        public_cache.changed(*ids, content=True)


@admin.register(PublicHoliday)
class PublicHolidayAdmin(CentralReferenceData, AuditedChanges, admin.ModelAdmin):
    """The days off the commissions' deadlines skip: every official sees them, the central
    commission adds a day a decree moved or marks a day as a working one."""

    list_display = ["day", "name", "is_day_off", "source"]
    list_filter = ["is_day_off", "source"]
    date_hierarchy = "day"
    search_fields = ["name"]
    fields = ["day", "name", "is_day_off", "source"]
    readonly_fields = ["source"]
