"""OpenAPI for drf-spectacular: the Api-Key security scheme, and the answers every operation
may give whatever its view (so the schema tells the whole truth to clients and fuzzers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from ..text import REFUSED_CLASS

ERROR_REF = {"$ref": "#/components/schemas/Error"}
NO_NUL = r"^[^\x00]*$"
# A request body's free text: none of the characters the JSON parser refuses (recall.text).
NO_REFUSED_TEXT = f"^[^{REFUSED_CLASS}]*$"

# Answers any operation may give, beside those its view declares.
COMMON = {
    "414": "The URL is too long (`uri_too_long`).",
    "429": "`throttled`: too many requests; see `retry_after`.",
    "503": "The service is briefly unavailable (`service_unavailable`); retry after `Retry-After` seconds.",
}
LISTS = {
    "400": "A filter or pagination value it cannot use (`invalid`, with `fields`).",
    "404": "A page past the last one (`not_found`).",
}
WITH_BODY = {
    "400": "Invalid input: `code` names the problem, `fields` the fields.",
    "413": "The request body is too large (`too_large`).",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Accredited partners only: `Authorization: Api-Key <key>`. Public endpoints need no key.",
        }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def add_common_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: complete every operation's answers. A list's filters may be
    sent empty (``?level=``), which means no filter."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] not in ("page", "page_size"):
                    parameter["allowEmptyValue"] = True
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
                    schema["pattern"] = NO_NUL  # refused by config.middleware.RejectNullCharacters
            responses = operation.setdefault("responses", {})
            extra = dict(COMMON)
            if method == "get" and "{" not in path:
                extra.update(LISTS)
            if method in ("post", "put", "patch"):
                extra.update(WITH_BODY)
            for status, description in extra.items():
                responses.setdefault(status, _error(description))
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: what clients send
            for field in component.get("properties", {}).values():
                _state_refused_text(field)
    return result


def _state_refused_text(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"enum", "pattern", "format"} & schema.keys():
        schema["pattern"] = NO_REFUSED_TEXT
    elif schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _state_refused_text(schema["items"])
