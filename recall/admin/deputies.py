"""The deputy's answers and the by-elections: written by the services only, read here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import ByElection, DeputyAnswer
from .base import ReadOnlyAdmin


@admin.register(DeputyAnswer)
class DeputyAnswerAdmin(ReadOnlyAdmin):
    district_path = "petition__district"
    list_display = ["petition", "version", "published_at", "languages", "on_behalf", "author"]
    list_filter = ["on_behalf"]
    list_select_related = ["petition__deputy", "petition__district", "author"]

    @admin.display(description=_("languages"))
    def languages(self, obj: DeputyAnswer) -> str:
        return ", ".join(sorted(obj.texts))


@admin.register(ByElection)
class ByElectionAdmin(ReadOnlyAdmin):
    list_display = ["district", "petition", "vacated_on", "due_by"]
    list_select_related = ["district", "petition__deputy", "petition__district"]
