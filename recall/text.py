"""Characters no text field takes: NUL (PostgreSQL text cannot hold it), lone surrogates (no
UTF-8 encoding exists for them: a page, a CSV or a query holding one fails when it is written
out) and Unicode's 66 non-characters (never text). The API's JSON parser refuses them anywhere
in a body, forms refuse them in config.middleware, the OpenAPI schema states it as a pattern,
and text decrypted from storage is made printable whatever it holds."""

from __future__ import annotations

import re

# As regular-expression escapes: the same text serves Python's `re` and the schema's patterns.
_ASTRAL = "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
REFUSED_CLASS = r"\x00\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + _ASTRAL
REFUSED = re.compile(f"[{REFUSED_CLASS}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MESSAGE = "Text may not contain NUL characters, lone surrogates or Unicode non-characters."


def refused(text: str) -> bool:
    return REFUSED.search(text) is not None


def any_refused(value: object) -> bool:
    """Whether a parsed JSON document holds refused text in any key or string value."""
    if isinstance(value, str):
        return refused(value)
    if isinstance(value, dict):
        return any(refused(k) or any_refused(v) for k, v in value.items())
    if isinstance(value, list):
        return any(any_refused(v) for v in value)
    return False


def printable(value: object) -> object:
    """A decoded document with every lone surrogate replaced by U+FFFD, so whatever was stored
    before this rule existed still renders in a page and a CSV."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value
