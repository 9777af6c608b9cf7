from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Signature, SignatureState
from ..services import signing
from .base import ReadOnlyAdmin
from .iin_search import IINSearchMixin, digest_searched


@admin.register(Signature)
class SignatureAdmin(IINSearchMixin, ReadOnlyAdmin):
    """All signatures of the jurisdiction; the IIN is shown masked, the name as entered."""

    district_path = "petition__district"
    list_display = [
        "id",
        "petition",
        "masked_iin",
        "signer",
        "channel",
        "identity_strength",
        "signed_at",
        "state",
        "ground",
    ]
    list_filter = ["state", "channel", "identity_strength", "ground"]
    list_select_related = ["petition__deputy", "petition__district"]
    search_fields = ["receipt"]
    search_help_text = _("A receipt code, or a full IIN.")
    show_full_result_count = False
    raw_id_fields = ["petition"]
    fields = [
        "petition",
        "masked_iin",
        "signer",
        "entered_birth_date",
        "entered_address",
        "channel",
        "identity_strength",
        "client",
        "receipt",
        "sheet_number",
        "sheet_line",
        "collector",
        "signed_at",
        "received_at",
        "state",
        "ground",
        "review_reasons",
        "duplicate_of",
        "verified_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "withdrawn_at",
    ]
    readonly_fields = [*fields, "decide_link"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.fields, "decide_link"]

    @admin.display(description=_("official decision"))
    def decide_link(self, obj: Signature) -> str:
        if obj.state not in (SignatureState.VALID, SignatureState.INVALID, SignatureState.REVIEW):
            return "—"
        url = reverse("admin:recall_signature_decide", args=[obj.pk])
        url += "?next=" + reverse("admin:recall_signature_change", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide or change the decision"))

    @admin.display(description=_("IIN"))
    def masked_iin(self, obj: Signature) -> str:
        return obj.masked_iin

    @admin.display(description=_("name as entered"))
    def signer(self, obj: Signature) -> str:
        return (obj.personal or {}).get("full_name", "")

    @admin.display(description=_("birth date as entered"))
    def entered_birth_date(self, obj: Signature) -> str:
        return (obj.personal or {}).get("birth_date", "")

    @admin.display(description=_("address as entered"))
    def entered_address(self, obj: Signature) -> str:
        return (obj.personal or {}).get("address", "")

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet, search_term: str
    ) -> tuple[models.QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        digest = digest_searched(request, term)
        if digest is not None:
            return (queryset.filter(voter_id=digest) if digest else queryset.none()), False
        return queryset.filter(receipt=signing.normalize_receipt(term)), False
