"""What the two background-import pages share (the voter register, paper sheets): an upload
form, then a read-only page with the progress, the outcome and every bad line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..models import JobState
from ..services.jobs import job_progress
from .base import ScopedAdmin


class UploadForm(forms.ModelForm):
    """An upload form whose file may be at most ``max_mb_setting`` megabytes: a register or a
    sheet file is streamed by the import, but a file that size is not what a commission sends."""

    max_mb_setting = "RECALL_UPLOAD_MAX_MB"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = getattr(settings, self.max_mb_setting)
        if upload is not None and upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(max)s MB is accepted."),
                code="too_large",
                params={"size": f"{upload.size / 1024 / 1024:.1f}", "max": limit},
            )
        return upload


# The fields every job's page shows, before and after its own counts.
JOB_FIELDS = ["source_name", "uploaded_by", "created_at", "state", "progress", "started_at", "finished_at"]


class JobAdmin(ScopedAdmin):
    # Fields of the upload form.
    upload_fields: list[str] = ["file"]
    change_form_template = "admin/recall/job_change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.upload_fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("progress"))
    def progress(self, obj: Any) -> str:
        return job_progress_html(obj)

    @admin.display(description=_("errors"))
    def error_list(self, obj: Any) -> str:
        return job_errors_html(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        created = self.create_job(request, form.cleaned_data)
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})

    def create_job(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        """The service that stores the upload and queues its job."""
        raise NotImplementedError

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        """To the job's page, with the banner of its outcome: an import that ran at once and
        failed is an error, not Django's green "added successfully"."""
        obj.refresh_from_db()
        if obj.state == JobState.FAILED:
            messages.error(
                request, _("The file was not imported: nothing was changed. Every wrong line is listed below.")
            )
        elif obj.state == JobState.DONE:
            messages.success(request, _("The file was imported."))
        else:
            messages.info(request, _("The file is being imported in the background; this page shows its progress."))
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

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
