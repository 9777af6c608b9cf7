"""The Kazakh individual identification number (IIN): format, checksum and encoded data.

Digits 1-6 are the birth date (YYMMDD), digit 7 the century and sex, 8-11 a serial and 12 a
check digit. Since 2013 the digits need not match the person's data, so a mismatch is only a
warning for an official; a malformed number or a failed checksum is rejected outright.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Digit 7: (century, sex). Odd digits are men.
_CENTURY_SEX = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}


class InvalidIIN(ValueError):
    """An IIN that must be rejected. ``code`` is ``malformed`` or ``checksum``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalize(value: str) -> str:
    """Strip the spaces and dashes people type inside an IIN."""
    value = str(value)
    if value.isdigit():  # as a register line or a form usually has it: nothing to strip
        return value
    return "".join(ch for ch in value if ch not in " -\u00a0\t")


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no check digit exists."""
    digits = list(map(int, first_eleven))
    if len(digits) != len(_FIRST_WEIGHTS):
        raise ValueError("an IIN's check digit is computed from 11 digits")
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        # map(mul): a register import checks twelve million of these
        remainder = sum(map(mul, digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def validate(value: str) -> str:
    """Return the normalized IIN or raise InvalidIIN."""
    iin = normalize(value)
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        raise InvalidIIN("malformed", "An IIN is exactly 12 digits.")
    if check_digit(iin[:11]) != int(iin[11]):
        raise InvalidIIN("checksum", "This IIN's check digit is wrong; please check the number.")
    return iin


def mask(value: str) -> str:
    """How an official sees an IIN: only the last four digits (••••••••2728)."""
    return "•" * max(0, len(value) - 4) + value[-4:]


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except InvalidIIN:
        return False
    return True


@dataclass(frozen=True)
class EncodedData:
    """What digits 1-7 claim about the person; either part may be unreadable."""

    birth_date: dt.date | None
    sex: str | None


def encoded_data(iin: str) -> EncodedData:
    century_sex = _CENTURY_SEX.get(iin[6])
    if century_sex is None:
        return EncodedData(None, None)
    century, sex = century_sex
    try:
        born = dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        born = None
    return EncodedData(born, sex)


def data_warnings(iin: str, *, birth_date: dt.date | None, sex: str | None = None) -> list[str]:
    """Mismatches between the IIN's digits and the person's data (warnings, not rejections)."""
    encoded = encoded_data(iin)
    warnings = []
    if encoded.birth_date is None:
        warnings.append("iin_date_unreadable")
    elif birth_date is not None and encoded.birth_date != birth_date:
        warnings.append("iin_birth_date_mismatch")
    if sex is not None and encoded.sex is not None and encoded.sex != sex:
        warnings.append("iin_sex_mismatch")
    return warnings


def make(birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a valid IIN (used by demo data and tests). Tries serials until a check digit exists."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "F")
    for attempt in range(serial, serial + 10_000):
        head = f"{birth_date:%y%m%d}{century_digit}{attempt % 10_000:04d}"
        digit = check_digit(head)
        if digit is not None:
            return f"{head}{digit}"
    raise ValueError("no valid serial found")  # pragma: no cover - 1 in 11 serials fail at most
