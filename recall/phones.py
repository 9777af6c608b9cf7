"""Phone numbers as voters type them: one canonical form for limits and digests, and the masked
form pages show."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import InvalidInput


def normalize_phone(value: str) -> str:
    """A Kazakh mobile number as +7XXXXXXXXXX; accepts 8 7XX..., +7 (7XX) ... and the like."""
    value = value or ""
    # Digits of other scripts would let one number pass for many (and dodge the daily limit).
    foreign = any(ch.isdigit() and not ch.isascii() for ch in value)
    digits = "" if foreign else re.sub(r"[^0-9]", "", value)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] != "7":
        raise InvalidInput(
            _("Enter a Kazakh mobile number, for example +7 701 123 45 67."), field="phone", code="invalid_phone"
        )
    return "+7" + digits


def mask_phone(phone: str) -> str:
    return f"+7 ••• ••• •• {phone[-2:]}" if phone else ""
