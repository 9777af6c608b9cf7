"""The sign endpoint's fast reader (recall.api.inputs) answers every input exactly as the
serializer that documents the request in the schema would."""

import datetime as dt

import pytest
from rest_framework.exceptions import ValidationError

from recall.api.inputs import read_signature
from recall.api.serializers import SignatureInputSerializer

GOOD = {"iin": "791028302728", "full_name": "Ахметов Ерлан", "birth_date": "1979-10-28", "address": "Караганда"}
CASES = [
    {},
    {"iin": None},
    {"iin": "791028302727"},
    {"iin": "7910 2830 2728"},
    {"iin": 791028302728},
    {"iin": ""},
    {"full_name": ""},
    {"full_name": "   "},
    {"full_name": "a\x00b"},
    {"full_name": "x" * 201},
    {"full_name": ["Ахметов"]},
    {"full_name": True},
    {"address": 12},
    {"address": "x" * 301},
    {"birth_date": "1979-13-40"},
    {"birth_date": "28.10.1979"},
    {"birth_date": "2999-01-01"},
    {"birth_date": "1850-01-01"},
    {"birth_date": 19791028},
    {"signed_at": None},
    {"signed_at": "2026-11-25T10:15:00+05:00"},
    {"signed_at": "2026-11-25T10:15:00"},
    {"signed_at": "0001-01-01T00:00:00+14:00"},
    {"signed_at": "1899-12-31T23:00:00Z"},
    {"signed_at": "yesterday"},
    {"unknown": "ignored"},
]


def outcome_of_serializer(data):
    serializer = SignatureInputSerializer(data=data)
    if serializer.is_valid():
        values = serializer.validated_data
        return "valid", values["signer"], values.get("signed_at")
    return "invalid", {field: errors[0].code for field, errors in serializer.errors.items()}


def outcome_of_reader(data):
    try:
        values = read_signature(data)
    except ValidationError as error:
        return "invalid", {field: errors[0].code for field, errors in error.detail.items()}
    return "valid", values.signer, values.signed_at


@pytest.mark.parametrize("change", CASES, ids=[str(c)[:40] for c in CASES])
def test_the_reader_and_the_schema_serializer_agree(change, db):
    data = {**GOOD, **change}
    assert outcome_of_reader(data) == outcome_of_serializer(data)


@pytest.mark.parametrize("missing", ["iin", "full_name", "birth_date", "address"])
def test_a_missing_field_is_named_by_both(missing, db):
    data = {k: v for k, v in GOOD.items() if k != missing}
    assert outcome_of_reader(data) == outcome_of_serializer(data) == ("invalid", {missing: "required"})


@pytest.mark.parametrize("body", [[], "text", 12, None])
def test_a_body_that_is_not_an_object_is_refused_by_both(body, db):
    assert outcome_of_reader(body)[0] == outcome_of_serializer(body)[0] == "invalid"


def test_a_good_submission_gives_the_checked_signer(db):
    status, signer, signed_at = outcome_of_reader({**GOOD, "signed_at": "2026-11-25T10:15:00+05:00"})
    assert status == "valid" and signer.iin == "791028302728" and signer.birth_date == dt.date(1979, 10, 28)
    assert signed_at == dt.datetime(2026, 11, 25, 5, 15, tzinfo=dt.UTC)
