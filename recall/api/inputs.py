"""Reading a partner's signature submission: the sign endpoint's hot path.

``SignatureInputSerializer`` documents the request in the OpenAPI schema; this module reads
it with the same rules but without building a DRF serializer, whose per-request copy of its
fields cost more than the database round trip of the INSERT. The field rules (types,
lengths, patterns) are the serializer's own constants, the signer's data is checked by the
signing service's one rule (recall.services.signing.signatures.check_signer), and a test feeds both
readers the same inputs and requires the same answers (tests/api/test_inputs.py); Schemathesis
holds both to the schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import ISO_8601, serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.utils import humanize_datetime

from ..errors import InvalidInput
from ..services import signing
from .serializers import TEXT, TWELVE_DIGITS

FIELD = serializers.Field.default_error_messages
TEXT_MESSAGES = serializers.CharField.default_error_messages
DATE_MESSAGES = serializers.DateField.default_error_messages
DATETIME_MESSAGES = serializers.DateTimeField.default_error_messages
DATE_FORMAT = humanize_datetime.date_formats([ISO_8601])
DATETIME_FORMAT = humanize_datetime.datetime_formats([ISO_8601])


@dataclass(frozen=True)
class SignatureInput:
    signer: signing.Signer
    signed_at: dt.datetime | None


class _Invalid(Exception):
    def __init__(self, message: str, code: str) -> None:
        self.detail = ErrorDetail(str(message), code=code)


def _present(data: dict, name: str) -> Any:
    if name not in data:
        raise _Invalid(FIELD["required"], "required")
    value = data[name]
    if value is None:
        raise _Invalid(FIELD["null"], "null")
    return value


def _text(value: Any, *, validator: Any, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise _Invalid(TEXT_MESSAGES["invalid"], "invalid")
    if value == "":
        raise _Invalid(TEXT_MESSAGES["blank"], "blank")
    if max_length is not None and len(value) > max_length:
        raise _Invalid(str(TEXT_MESSAGES["max_length"]).format(max_length=max_length), "max_length")
    try:
        validator(value)
    except DjangoValidationError as error:
        raise _Invalid(error.messages[0], error.code) from error
    return value


def _date(value: Any) -> dt.date:
    invalid = _Invalid(str(DATE_MESSAGES["invalid"]).format(format=DATE_FORMAT), "invalid")
    if not isinstance(value, str):
        raise invalid
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise invalid
    return parsed


def _datetime(value: Any) -> dt.datetime:
    """As BoundedDateTimeField: ISO 8601, naive times in the service's zone, years 1900-2999."""
    invalid = _Invalid(str(DATETIME_MESSAGES["invalid"]).format(format=DATETIME_FORMAT), "invalid")
    if not isinstance(value, str):
        raise invalid
    try:
        parsed = parse_datetime(value)
        if parsed is not None:  # in the service's time zone, as DRF's enforce_timezone does
            zone = timezone.get_current_timezone()
            parsed = parsed.astimezone(zone) if timezone.is_aware(parsed) else timezone.make_aware(parsed, zone)
    except OverflowError as error:
        raise _Invalid(DATETIME_MESSAGES["overflow"], "overflow") from error
    except ValueError:
        parsed = None
    if parsed is None or not 1900 <= parsed.year < 3000:
        raise invalid
    return parsed


_READERS = {
    "iin": lambda v: _text(v, validator=TWELVE_DIGITS),
    "full_name": lambda v: _text(v, validator=TEXT, max_length=signing.MAX_NAME),
    "birth_date": _date,
    "address": lambda v: _text(v, validator=TEXT, max_length=signing.MAX_ADDRESS),
}


def read_signature(data: Any) -> SignatureInput:
    """The submission's values, or a 400 ValidationError naming every field that is wrong."""
    if not isinstance(data, dict):
        message = str(serializers.Serializer.default_error_messages["invalid"]).format(datatype=type(data).__name__)
        raise ValidationError({"non_field_errors": [ErrorDetail(message, code="invalid")]})
    values: dict[str, Any] = {}
    errors: dict[str, list[ErrorDetail]] = {}
    for name, read in _READERS.items():
        try:
            values[name] = read(_present(data, name))
        except _Invalid as invalid:
            errors[name] = [invalid.detail]
    signed_at = None
    if "signed_at" in data:
        try:
            signed_at = _datetime(_present(data, "signed_at"))
        except _Invalid as invalid:
            errors["signed_at"] = [invalid.detail]
    if errors:
        raise ValidationError(errors)
    try:
        signer = signing.check_signer(**values)
    except InvalidInput as error:
        raise ValidationError(
            {error.field or "non_field_errors": [ErrorDetail(str(error.message), code=error.code)]}
        ) from error
    return SignatureInput(signer, signed_at)
