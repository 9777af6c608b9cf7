from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import COUNTING_STATES, PaperImport
from ..services.verification import paper_import
from .jobs import JOB_FIELDS, JobAdmin, UploadForm


class PaperImportForm(UploadForm):
    max_mb_setting = "RECALL_UPLOAD_MAX_MB"

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
class PaperImportAdmin(JobAdmin):
    """Paper signature sheets, imported in the background and verified like web signatures."""

    district_path = "petition__district"
    form = PaperImportForm
    upload_fields = ["petition", "file"]
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
    readonly_fields = ["petition", *JOB_FIELDS, "imported_count", "duplicate_count", "error_list"]

    def create_job(self, request: HttpRequest, data: dict[str, Any]) -> PaperImport:
        return paper_import.create_job(petition=data["petition"], file=data["file"], actor=request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "petition":
            field.queryset = field.queryset.filter(state__in=COUNTING_STATES)
        return field
