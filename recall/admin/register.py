from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import iin as iin_module
from ..crypto import iin_digest
from ..models import JobState, RegisterImport, Voter
from ..services import job_progress, queue
from .base import ReadOnlyAdmin, ScopedAdmin


def mask(value: str) -> str:
    return "•" * max(0, len(value) - 4) + value[-4:]


@admin.register(Voter)
class VoterAdmin(ReadOnlyAdmin):
    """The register is changed only by imports; officials look voters up by IIN."""

    list_display = ["masked_iin", "full_name", "district", "status", "updated_at"]
    list_filter = ["status", ("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district"]
    search_fields = ["iin_digest"]
    search_help_text = _(
        "Enter a full IIN: the register stores names and IINs encrypted, so only an exact IIN is found."
    )
    show_full_result_count = False
    fields = ["masked_iin", "full_name", "birth_date", "address", "district", "status", "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("IIN"))
    def masked_iin(self, obj: Voter) -> str:
        return mask(obj.personal.get("iin", ""))

    @admin.display(description=_("birth date"))
    def birth_date(self, obj: Voter) -> str:
        return obj.personal.get("birth_date", "")

    @admin.display(description=_("address"))
    def address(self, obj: Voter) -> str:
        return obj.personal.get("address", "")

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet, search_term: str
    ) -> tuple[models.QuerySet, bool]:
        term = iin_module.normalize(search_term)
        if not term:
            return queryset, False
        if not iin_module.is_valid(term):
            messages.warning(request, _("That is not a valid IIN."))
            return queryset.none(), False
        return queryset.filter(iin_digest=iin_digest(term)), False


class RegisterImportForm(forms.ModelForm):
    class Meta:
        model = RegisterImport
        fields = ["file"]
        help_texts = {
            "file": _(
                "CSV with a header row: iin, full_name, birth_date, address, district, status. "
                "If any line is wrong nothing is imported and the lines are listed."
            )
        }


@admin.register(RegisterImport)
class RegisterImportAdmin(ScopedAdmin):
    form = RegisterImportForm
    list_display = ["__str__", "created_at", "uploaded_by", "state", "progress", "created_count", "updated_count"]
    list_filter = ["state"]
    readonly_fields = [
        "source_name",
        "uploaded_by",
        "created_at",
        "state",
        "progress",
        "started_at",
        "finished_at",
        "created_count",
        "updated_count",
        "error_list",
    ]
    change_form_template = "admin/recall/job_change_form.html"

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = super(ScopedAdmin, self).get_queryset(request)
        if request.user.sees_everything:
            return qs
        return qs.filter(uploaded_by__commission=request.user.commission_id)

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("progress"))
    def progress(self, obj: RegisterImport) -> str:
        return job_progress_html(obj)

    @admin.display(description=_("errors"))
    def error_list(self, obj: RegisterImport) -> str:
        return job_errors_html(obj)

    def save_model(self, request: HttpRequest, obj: RegisterImport, form: forms.ModelForm, change: bool) -> None:
        obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        queue.after_commit("import_register_file", obj.pk)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> Any:
        obj = context.get("original")
        context["job_running"] = obj is not None and obj.state in (JobState.PENDING, JobState.RUNNING)
        return super().render_change_form(request, context, *args, **kwargs)


def job_progress_html(job: Any) -> str:
    done, total = job.processed_rows, job.total_rows
    if job.state == JobState.RUNNING:
        done, total = job_progress.get(job) or (0, 0)
    percent = 100 if job.state == JobState.DONE else (done * 100 // total if total else 0)
    return format_html('<progress max="100" value="{}"></progress> {}% ({} / {})', percent, percent, done, total or "?")


def job_errors_html(job: Any) -> str:
    if not job.errors:
        return "—"
    rows = format_html_join("", "<li>{}: {}</li>", ((_("line %s") % e["line"], e["error"]) for e in job.errors))
    return format_html("<ul>{}</ul>", rows)
