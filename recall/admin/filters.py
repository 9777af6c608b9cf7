"""List filters typed in rather than picked from a list: a petition's number, a date range."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..calendar import local_midnight


class InputsFilter(admin.ListFilter):
    """A filter of one or more inputs (``inputs``: parameter name, label, input type)."""

    template = "admin/recall/inputs_filter.html"
    inputs: tuple[tuple[str, Any, str], ...] = ()

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        for name, _label, _type in self.inputs:
            if name in params:
                value = params.pop(name)[-1].strip()
                if value:
                    self.used_parameters[name] = value

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return [name for name, _label, _type in self.inputs]

    def choices(self, changelist: Any) -> list[dict[str, Any]]:
        own = self.expected_parameters()
        keep = parse_qsl(changelist.get_query_string(remove=[*own, "p"]).lstrip("?"))
        return [
            {
                "keep": keep,
                "inputs": [
                    {
                        "name": name,
                        "id": f"filter-{name}",
                        "label": label,
                        "type": kind,
                        "value": self.used_parameters.get(name, ""),
                    }
                    for name, label, kind in self.inputs
                ],
                "clear": changelist.get_query_string(remove=own) if self.used_parameters else "",
            }
        ]


class PetitionNumberFilter(InputsFilter):
    title = _("petition")
    inputs = (("petition", _("Petition No."), "number"),)

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.used_parameters.get("petition")
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(_("A petition number is a whole number."))
        return queryset.filter(petition_id=int(value))


class DateRangeFilter(InputsFilter):
    """From and to, both days included, in the service's time zone."""

    title = _("date range")
    field = "at"
    inputs = (("from", _("From"), "date"), ("to", _("To"), "date"))

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        try:
            start = self._day("from")
            end = self._day("to")
        except ValueError as error:
            raise IncorrectLookupParameters(_("Enter dates as YYYY-MM-DD.")) from error
        if start is not None:
            queryset = queryset.filter(**{f"{self.field}__gte": local_midnight(start)})
        if end is not None:
            queryset = queryset.filter(**{f"{self.field}__lt": local_midnight(end + dt.timedelta(days=1))})
        return queryset

    def _day(self, name: str) -> dt.date | None:
        value = self.used_parameters.get(name)
        return dt.date.fromisoformat(value) if value else None
