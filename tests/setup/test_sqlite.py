"""The embedded default's SQLite: lower-case Cyrillic found like on PostgreSQL, and a mistake in
SQL reported as the server error it is, never as an outage."""

import sqlite3

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.test import Client

from config import errors, sqlite


@pytest.fixture
def memory():
    connection = sqlite3.connect(":memory:")
    connection.create_function("like", 2, sqlite.like, deterministic=True)
    connection.create_function("like", 3, sqlite.like, deterministic=True)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "value, pattern, found",
    [
        ("Есенов Арман", "%есенов%", True),
        ("ҚАРАҒАНДЫ облысы", "%қарағанды%", True),
        ("Есенов", "%ЕСЕНОВА%", False),
        ("Karaganda", "karag_nda", True),
        ("100% valid", r"100\%%", True),
        ("100 valid", r"100\%%", False),
    ],
)
def test_like_ignores_case_in_every_script(memory, value, pattern, found):
    (result,) = memory.execute(r"SELECT ? LIKE ? ESCAPE '\'", [value, pattern]).fetchone()
    assert bool(result) is found


def test_sqlites_own_like_did_not(memory):
    plain = sqlite3.connect(":memory:")
    assert plain.execute("SELECT 'Есенов' LIKE '%есенов%'").fetchone() == (0,)
    assert memory.execute("SELECT 'Есенов' LIKE '%есенов%'").fetchone() == (1,)


def _wrapped(cause: BaseException, kind=OperationalError) -> BaseException:
    error = kind(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error, down",
    [
        (_wrapped(sqlite3.OperationalError("no such function: position")), False),
        (_wrapped(sqlite3.OperationalError('near "index": syntax error')), False),
        (_wrapped(sqlite3.OperationalError("database is locked")), True),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), True),
        (OperationalError("connection to server at 127.0.0.1 failed"), True),
        (InterfaceError("connection already closed"), True),
        (ProgrammingError("function position(bytea) does not exist"), False),
        (ValueError("anything else"), False),
    ],
)
def test_only_an_unreachable_database_is_an_outage(error, down):
    assert errors.database_down(error) is down


def test_a_programming_error_is_a_server_error_not_a_503(monkeypatch, db):
    from recall.web import views

    def broken(request):
        raise _wrapped(sqlite3.OperationalError("no such function: position"))

    monkeypatch.setattr(views.public_cache, "shared", lambda request, build, **kw: broken(request))
    response = Client(raise_request_exception=False).get("/en/")
    assert response.status_code == 500 and "Retry-After" not in response
