from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .. import jurisdiction
from ..audit_labels import ACTIONS, action_name, actor_name
from ..models import AuditEntry
from .base import ReadOnlyAdmin, is_member


class ActionFilter(admin.SimpleListFilter):
    """The actions by their names in the official's language, not by their codes."""

    title = _("action")
    parameter_name = "action__exact"  # the address the plain field filter used

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((code, str(name)) for code, name in ACTIONS.items()), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who did what, when and why. Nobody edits or deletes it, not even the central commission."""

    district_path = "petition__district"
    list_display = ["at", "action_display", "who", "petition", "reason"]
    list_filter = [ActionFilter]
    search_fields = ["action", "reason", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["actor", "petition__deputy", "petition__district"]
    readonly_fields = [
        "at",
        "action_display",
        "who",
        "petition",
        "object_type",
        "object_id",
        "reason",
        "details",
    ]

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, entry: AuditEntry) -> str:
        return action_name(entry.action)

    @admin.display(description=_("who"))
    def who(self, entry: AuditEntry) -> str:
        return str(entry.actor) if entry.actor_id else actor_name(entry.actor_label)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = AuditEntry.objects.select_related("actor", "petition__deputy", "petition__district")
        if not is_member(request):
            return qs.none()
        scope = jurisdiction.district_scope(request.user)
        if scope is None:
            return qs
        # Entries about a petition follow its district; the others are the commission's own.
        return qs.filter(
            Q(petition__district__in=scope.values("pk"))
            | Q(petition__isnull=True, actor__commission=request.user.commission_id)
        )

    def in_scope(self, request: HttpRequest, obj: AuditEntry) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()
