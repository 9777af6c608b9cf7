from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Deputy, DeputyStatus, District, PublicHoliday, RecallPolicy
from .base import AuditedChanges, ScopedAdmin, is_central, is_member


@admin.register(District)
class DistrictAdmin(AuditedChanges, ScopedAdmin):
    district_path = ""
    central_only_changes = True
    list_display = ["code", "name", "region", "level", "body", "registered_voters", "deputy"]
    list_filter = ["level", "region"]
    search_fields = ["code", "name", "region", "body"]
    readonly_fields = ["registered_voters", "register_updated_at"]

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
    search_fields = ["full_name", "party", "district__code", "district__name"]
    list_select_related = ["district"]

    @admin.display(description=_("party"))
    def party_or_self(self, obj: Deputy) -> str:
        return obj.party or str(_("self-nominated"))


class CentralReferenceData:
    """Rules every official reads and the central commission alone edits (never deletes)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_member(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_central(request) and request.user.can_act

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
    ]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and RecallPolicy.objects.count() < 4


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
