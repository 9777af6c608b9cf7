"""URL converters. ``id`` is a database id: at most 18 digits, so a longer number is a 404
rather than an integer overflow in the query."""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
