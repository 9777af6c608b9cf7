"""The API's JSON parser: DRF's, with nesting refused as a 400 instead of a server error."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """A body nested deeper than Python's recursion limit (about 1,000 levels) makes the
    decoder raise RecursionError; no request of this API nests more than three levels."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.", code="parse_error") from exc
