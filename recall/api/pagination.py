"""Page-number pagination that refuses what its schema does not allow.

DRF's default quietly replaces a page size out of range with the default and accepts
``page=last``; a client then cannot tell its mistake from the data. Here ``page`` is a whole
number from 1 and ``page_size`` one from 1 to 200, else 400 ``invalid``; a page past the last
one is 404 ``not_found``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 200
MAX_PAGE = 10**9


def _whole(request: Request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        message = f"A whole number from {low} to {high}."
        raise ValidationError({name: [ErrorDetail(message, code="invalid")]})
    return int(raw)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        size = _whole(request, self.page_size_query_param, 1, MAX_PAGE_SIZE)
        return size if size is not None else self.page_size

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        _whole(request, self.page_query_param, 1, MAX_PAGE)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the last one is 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
