from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .. import iin as iin_module
from ..models import RegisterImport, Voter
from ..services.jobs import register_import
from .base import ReadOnlyAdmin, is_member
from .iin_search import IINSearchMixin, digest_searched
from .jobs import JOB_FIELDS, JobAdmin, UploadForm


@admin.register(Voter)
class VoterAdmin(IINSearchMixin, ReadOnlyAdmin):
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
        return iin_module.mask(obj.personal.get("iin", ""))

    @admin.display(description=_("full name"))
    def full_name(self, obj: Voter) -> str:
        return obj.full_name

    @admin.display(description=_("birth date"))
    def birth_date(self, obj: Voter) -> str:
        return obj.personal.get("birth_date", "")

    @admin.display(description=_("address"))
    def address(self, obj: Voter) -> str:
        return obj.personal.get("address", "")

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet, search_term: str
    ) -> tuple[models.QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        digest = digest_searched(request, search_term)
        if not digest:
            if digest is None:
                messages.warning(request, _("That is not a valid IIN."))
            return queryset.none(), False
        return queryset.filter(iin_digest=digest), False


class RegisterImportForm(UploadForm):
    max_mb_setting = "RECALL_REGISTER_UPLOAD_MAX_MB"

    class Meta:
        model = RegisterImport
        fields = ["file"]
        help_texts = {
            "file": _(
                "CSV with a header row: iin, full_name, birth_date, address, district, status, sex. "
                "If any line is wrong nothing is imported and the lines are listed."
            )
        }


@admin.register(RegisterImport)
class RegisterImportAdmin(JobAdmin):
    form = RegisterImportForm

    def create_job(self, request: HttpRequest, data: dict[str, Any]) -> RegisterImport:
        return register_import.create_job(file=data["file"], actor=request.user)

    list_display = [
        "__str__",
        "created_at",
        "uploaded_by",
        "state",
        "progress",
        "created_count",
        "updated_count",
        "unchanged_count",
    ]
    list_filter = ["state"]
    readonly_fields = [*JOB_FIELDS, "created_count", "updated_count", "unchanged_count", "error_list"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        # A register import has no district of its own: it belongs to the uploader's commission.
        qs = RegisterImport.objects.select_related("uploaded_by")
        if not is_member(request):
            return qs.none()
        if request.user.sees_everything:
            return qs
        return qs.filter(uploaded_by__commission=request.user.commission_id)

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()
