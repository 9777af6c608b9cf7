from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import JobState, PaperImport
from ..services import queue
from ..services.paper_import import ACCEPTING
from .base import ScopedAdmin
from .register import job_errors_html, job_progress_html


class PaperImportForm(forms.ModelForm):
    class Meta:
        model = PaperImport
        fields = ["petition", "file"]
        help_texts = {
            "file": _(
                "CSV with a header row: sheet, line, iin, full_name, birth_date, address, signed_on, collector. "
                "If any line is unusable nothing is imported and the lines are listed."
            )
        }


@admin.register(PaperImport)
class PaperImportAdmin(ScopedAdmin):
    """Paper signature sheets, imported in the background and verified like web signatures."""

    district_path = "petition__district"
    form = PaperImportForm
    list_display = [
        "__str__",
        "petition",
        "created_at",
        "uploaded_by",
        "state",
        "progress",
        "imported_count",
        "duplicate_count",
    ]
    list_filter = ["state"]
    list_select_related = ["petition__deputy", "petition__district", "uploaded_by"]
    readonly_fields = [
        "petition",
        "source_name",
        "uploaded_by",
        "created_at",
        "state",
        "progress",
        "started_at",
        "finished_at",
        "imported_count",
        "duplicate_count",
        "error_list",
    ]
    change_form_template = "admin/recall/job_change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["petition", "file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "petition":
            field.queryset = field.queryset.filter(state__in=ACCEPTING)
        return field

    @admin.display(description=_("progress"))
    def progress(self, obj: PaperImport) -> str:
        return job_progress_html(obj)

    @admin.display(description=_("errors"))
    def error_list(self, obj: PaperImport) -> str:
        return job_errors_html(obj)

    def save_model(self, request: HttpRequest, obj: PaperImport, form: forms.ModelForm, change: bool) -> None:
        obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        queue.after_commit("import_paper_sheet", obj.pk)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> Any:
        obj = context.get("original")
        context["job_running"] = obj is not None and obj.state in (JobState.PENDING, JobState.RUNNING)
        return super().render_change_form(request, context, *args, **kwargs)
