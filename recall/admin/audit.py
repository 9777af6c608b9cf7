"""The audit log in the admin: each entry a sentence in the official's language, filtered by
petition, actor, action and date range, and exported as CSV (what the list shows, no more)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from .. import jurisdiction
from ..audit_labels import ACTIONS, action_name, actor_name, entry_actor, official_name, sentence
from ..models import AuditEntry
from ..services.jobs.csv_files import CsvLines
from .base import ReadOnlyAdmin, is_member
from .filters import DateRangeFilter, PetitionNumberFilter


class ActionFilter(admin.SimpleListFilter):
    """The actions by their names in the official's language, not by their codes."""

    title = gettext_lazy("action")
    parameter_name = "action__exact"  # the address the plain field filter used

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((code, str(name)) for code, name in ACTIONS.items()), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    """Who acted: the officials and the parts of the system found in the entries one may see."""

    title = gettext_lazy("who")
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        entries = model_admin.get_queryset(request)

        officials = User.objects.filter(pk__in=entries.filter(actor__isnull=False).values("actor_id"))
        labels = (
            entries.filter(actor__isnull=True)
            .exclude(actor_label="")
            .order_by()
            .values_list("actor_label", flat=True)
            .distinct()
        )
        people = sorted(((f"u{u.pk}", official_name(u)) for u in officials), key=lambda c: c[1])
        return people + sorted(((f"s{label}", actor_name(label)) for label in labels), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value.startswith("u") and value[1:].isdigit():
            return queryset.filter(actor_id=int(value[1:]))
        if value.startswith("s"):
            return queryset.filter(actor__isnull=True, actor_label=value[1:])
        raise IncorrectLookupParameters(_("Unknown actor."))


class LateFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "late"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("decided late"))]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(details__late=True) if self.value() == "yes" else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who did what, when and why. Nobody edits or deletes it, not even the central commission."""

    district_path = "petition__district"
    list_display = ["at", "what", "action_display", "petition_no", "reason"]
    list_display_links = ["at"]
    list_filter = [PetitionNumberFilter, ActorFilter, ActionFilter, DateRangeFilter, LateFilter]
    search_fields = ["action", "reason", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["actor", "petition__deputy", "petition__district"]
    change_list_template = "admin/recall/auditentry/change_list.html"
    readonly_fields = [
        "at",
        "what",
        "action_display",
        "who",
        "petition",
        "object_type",
        "object_id",
        "reason",
        "details",
    ]
    # Only these: the raw fields would show the actor as a link to an account page an official
    # may not open, and the action as its code.
    fields = readonly_fields

    @admin.display(description=gettext_lazy("what happened"))
    def what(self, entry: AuditEntry) -> str:
        text = sentence(entry)
        if (entry.details or {}).get("late"):
            return format_html('<span class="audit-late">{}</span>', text)
        return text

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_display(self, entry: AuditEntry) -> str:
        return action_name(entry.action)

    @admin.display(description=gettext_lazy("petition"), ordering="petition_id")
    def petition_no(self, entry: AuditEntry) -> str:
        return f"№ {entry.petition_id}" if entry.petition_id else "—"

    @admin.display(description=gettext_lazy("who"))
    def who(self, entry: AuditEntry) -> str:
        return entry_actor(entry)

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

    # --- CSV for observers ----------------------------------------------------------------

    def get_urls(self) -> list:
        return [
            path("export/", self.admin_site.admin_view(self.export_csv), name="recall_auditentry_export"),
            *super().get_urls(),
        ]

    def export_csv(self, request: HttpRequest) -> HttpResponse:
        """The filtered list as CSV, streamed: time, who, what, action, petition, reason, late.
        The same columns the list shows (the entries' details, which may name records, stay out)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        try:
            entries = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("The filter is not valid."))
        language = translation.get_language()
        response = StreamingHttpResponse(self._rows(entries, language), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response

    def _rows(self, entries: models.QuerySet, language: str) -> Iterator[str]:
        lines = CsvLines()
        # Streamed after the view returns: the language is set again for each chunk's strings.
        with translation.override(language):
            yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
            yield lines.line(
                [_("at"), _("who"), _("what happened"), _("action"), _("petition"), _("reason"), _("late")]
            )
        for entry in entries.iterator(chunk_size=2000):
            with translation.override(language):
                details = entry.details or {}
                yield lines.line(
                    [
                        formats.date_format(timezone.localtime(entry.at), "SHORT_DATETIME_FORMAT"),
                        entry_actor(entry),
                        sentence(entry),
                        action_name(entry.action),
                        entry.petition_id or "",
                        entry.reason,
                        _("yes") if details.get("late") else "",
                    ]
                )
