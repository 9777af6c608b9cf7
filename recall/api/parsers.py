"""The API's JSON parser: DRF's, with nesting refused as a 400 instead of a server error, and
text that no field takes (recall.text) refused wherever it is in the body."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .. import text


class BoundedJSONParser(JSONParser):
    """A body nested deeper than Python's recursion limit (about 1,000 levels) makes the
    decoder raise RecursionError; no request of this API nests more than three levels."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.", code="parse_error") from exc
        # A JSON escape (\ud800) is the only way a lone surrogate reaches the service: refused
        # here, once for every field of every operation.
        if text.any_refused(data):
            raise ParseError(text.MESSAGE, code="parse_error")
        return data
