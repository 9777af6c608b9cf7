from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.http import HttpRequest

from .. import jurisdiction
from ..models import AuditEntry
from .base import ReadOnlyAdmin, is_member


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who did what, when and why. Nobody edits or deletes it, not even the central commission."""

    district_path = "petition__district"
    list_display = ["at", "action", "actor", "actor_label", "petition", "object_type", "object_id", "reason"]
    list_filter = ["action"]
    search_fields = ["action", "reason", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["actor", "petition__deputy", "petition__district"]
    readonly_fields = [
        "at",
        "action",
        "actor",
        "actor_label",
        "petition",
        "object_type",
        "object_id",
        "reason",
        "details",
    ]

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
