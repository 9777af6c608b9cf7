"""Background jobs on a petition (PDF exports, bulk invalidations): progress while they run,
a cancel button, the PDF to download once done (recall.services.jobs.petition_jobs)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..audit_labels import official_name
from ..errors import DomainError
from ..models import PetitionJob, PetitionJobKind, PetitionJobState
from ..services.jobs import petition_jobs
from .base import ReadOnlyAdmin


@admin.register(PetitionJob)
class PetitionJobAdmin(ReadOnlyAdmin):
    district_path = "petition__district"
    list_display = ["id", "kind", "petition", "requested_by_name", "created_at", "state", "progress"]
    list_filter = ["kind", "state"]
    list_select_related = ["petition__deputy", "petition__district", "requested_by"]
    readonly_fields = [
        "kind",
        "petition",
        "requested_by_name",
        "created_at",
        "state",
        "progress",
        "started_at",
        "finished_at",
        "outcome",
        "cancel_requested_at",
        "cancelled_by_name",
    ]
    fields = readonly_fields
    change_form_template = "admin/recall/petitionjob/change_form.html"

    # Names, not links: an official may not open another official's account page.
    @admin.display(description=_("requested by"))
    def requested_by_name(self, job: PetitionJob) -> str:
        return official_name(job.requested_by)

    @admin.display(description=_("cancelled by"))
    def cancelled_by_name(self, job: PetitionJob) -> str:
        return official_name(job.cancelled_by) if job.cancelled_by_id else "—"

    @admin.display(description=_("progress"))
    def progress(self, job: PetitionJob) -> str:
        done, total = petition_jobs.progress_of(job)
        percent = 100 if job.state == PetitionJobState.DONE else (done * 100 // total if total else 0)
        return format_html(
            '<progress max="100" value="{}" aria-label="{}"></progress> {}% ({} / {})',
            percent,
            _("progress"),
            percent,
            done,
            total or "?",
        )

    @admin.display(description=_("outcome"))
    def outcome(self, job: PetitionJob) -> str:
        if job.state == PetitionJobState.FAILED:
            return job.error or "—"
        if job.state != PetitionJobState.DONE:
            return "—"
        if job.kind == PetitionJobKind.BULK_INVALIDATION:
            return _("%(n)s signatures were invalidated.") % {"n": job.result.get("invalidated", 0)}
        if job.file:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("admin:recall_petitionjob_download", args=[job.pk]),
                _("Download the PDF"),
            )
        return _("The file was deleted a day after the export.")

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<id:pk>/cancel/", wrap(self.cancel_view), name="recall_petitionjob_cancel"),
            path("<id:pk>/download/", wrap(self.download_view), name="recall_petitionjob_download"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, pk: int) -> PetitionJob | None:
        return self.get_queryset(request).filter(pk=pk).first()

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        if job is not None and request.method == "POST":
            try:
                job = petition_jobs.cancel(job.pk, actor=request.user)
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                if job.state == PetitionJobState.CANCELLED:
                    messages.success(request, _("The job was cancelled."))
                else:
                    messages.success(request, _("The job will stop at its next step; nothing it did is kept."))
        return HttpResponseRedirect(reverse("admin:recall_petitionjob_change", args=[pk]))

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        if job is None or not job.file:
            return HttpResponseRedirect(reverse("admin:recall_petitionjob_changelist"))
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=f"petition-{job.petition_id}-signatures.pdf",
            content_type="application/pdf",
        )

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> Any:
        job = context.get("original")
        running = job is not None and not job.is_final
        context["job_running"] = running
        context["can_cancel"] = (
            running
            and job.cancel_requested_at is None
            and (request.user.can_act or job.requested_by_id == request.user.pk)
        )
        return super().render_change_form(request, context, *args, **kwargs)
