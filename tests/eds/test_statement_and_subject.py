"""The statement format (recall.eds.statement) and NCA subjects (recall.eds.subject, profile)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.x509.oid import NameOID

from recall.eds import EdsError, StatementError, build_statement, new_challenge, parse_statement, parse_subject, profile

from .ca import nca_subject

CHALLENGE = "0123456789abcdefghijABCDEFGHIJ-_klmnopqrstu"
DATE = dt.date(2026, 11, 25)


def statement(**overrides) -> bytes:
    values = {
        "petition_id": 12,
        "deputy": "Иванов Иван Иванович",
        "district": "Мажилис, округ № 9",
        "grounds": "Пропуски заседаний",
        "date": DATE,
        "language": "kk",
        "challenge": CHALLENGE,
    }
    return build_statement(**{**values, **overrides})


# --- the statement ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_statement_reads_back_in_every_language(language):
    data = statement(language=language)
    values = parse_statement(data)
    assert values["petition_id"] == "12"
    assert values["challenge"] == CHALLENGE
    assert values["date"] == DATE
    assert values["language"] == language
    assert values["deputy"] == "Иванов Иван Иванович"
    assert data.decode("utf-8").startswith("KZ-RECALL-STATEMENT/1\n")


def test_the_text_is_readable_with_the_callers_labels():
    labels = {"title": "Мен депутатты кері шақыруды қолдаймын", "deputy": "Депутат (аты-жөні)"}
    text = statement(labels=labels).decode("utf-8")
    assert "Мен депутатты кері шақыруды қолдаймын\n" in text
    assert "Депутат (аты-жөні): Иванов Иван Иванович\n" in text
    assert "Сайлау округі: Мажилис, округ № 9\n" in text  # the default Kazakh label
    assert parse_statement(statement(labels=labels))["labels"]["deputy"] == "Депутат (аты-жөні)"


def test_the_same_inputs_give_the_same_bytes_however_they_were_typed():
    decomposed = unicodedata.normalize("NFD", "Әлихан  Бөкейхан\n")
    assert statement(deputy=decomposed) == statement(deputy="Әлихан Бөкейхан")
    assert statement(grounds="a\u00adb\u200e c") == statement(grounds="ab c")  # invisible characters dropped


def test_long_grounds_are_shortened():
    grounds = parse_statement(statement(grounds="x" * 2000))["grounds"]
    assert len(grounds) == 500 and grounds.endswith("…")


def test_a_value_may_contain_a_colon():
    assert parse_statement(statement(grounds="Причина: отсутствие"))["grounds"] == "Причина: отсутствие"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.replace(b"KZ-RECALL-STATEMENT/1", b"KZ-RECALL-STATEMENT/2"),
        lambda d: d + b"extra line\n",
        lambda d: d.rstrip(b"\n"),
        lambda d: d.replace("Иванов Иван".encode(), "Иванов  Иван".encode()),  # not canonical
        lambda d: d.replace(b"2026-11-25", b"2026-13-25"),
        lambda d: d.replace(CHALLENGE.encode(), b"short"),
        lambda d: b"\xff" + d,
    ],
)
def test_anything_but_an_issued_statement_is_refused(tamper):
    with pytest.raises(StatementError):
        parse_statement(tamper(statement()))


@pytest.mark.parametrize(
    "bad",
    [
        {"challenge": "too-short"},
        {"deputy": "   "},
        {"language": "Kazakh"},
        {"petition_id": "12; DROP"},
        {"date": dt.datetime(2026, 11, 25, 10, 0)},
        {"labels": {"deputy": "Депутат: имя"}},
    ],
)
def test_inputs_that_cannot_make_a_statement(bad):
    with pytest.raises(StatementError):
        statement(**bad)


def test_challenges_are_32_random_bytes_in_base64url():
    challenges = {new_challenge() for _ in range(50)}
    assert len(challenges) == 50
    assert all(len(c) == 43 and "=" not in c for c in challenges)
    assert parse_statement(statement(challenge=next(iter(challenges))))["challenge"] in challenges


# --- the subject --------------------------------------------------------------------------------


def name(*attributes: tuple[x509.ObjectIdentifier, str]) -> ax509.Name:
    return ax509.Name.load(x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes]).public_bytes())


def test_an_nca_subject():
    subject = parse_subject(ax509.Name.load(nca_subject("900101300017", "ТЕСТОВ", "ТЕСТ", "ТЕСТОВИЧ").public_bytes()))
    assert (subject.iin, subject.surname, subject.given_name, subject.patronymic) == (
        "900101300017",
        "ТЕСТОВ",
        "ТЕСТ",
        "ТЕСТОВИЧ",
    )
    assert subject.full_name == "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"
    assert not subject.is_organisation


def test_double_surnames_given_names_and_no_patronymic():
    subject = parse_subject(
        name(
            (NameOID.COMMON_NAME, "СЕЙТКАЛИЕВА-ОМАРОВА АЙГЕРИМ ЖАНАР"),
            (NameOID.SURNAME, "СЕЙТКАЛИЕВА-ОМАРОВА"),
            (NameOID.SERIAL_NUMBER, "IIN850615400026"),
        )
    )
    assert (subject.given_name, subject.patronymic) == ("АЙГЕРИМ ЖАНАР", "")
    assert subject.full_name == "СЕЙТКАЛИЕВА-ОМАРОВА АЙГЕРИМ ЖАНАР"


def test_a_common_name_that_repeats_the_patronymic():
    subject = parse_subject(
        name(
            (NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"),
            (NameOID.SURNAME, "ТЕСТОВ"),
            (NameOID.GIVEN_NAME, "ТЕСТОВИЧ"),
        )
    )
    assert subject.full_name == "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"


@pytest.mark.parametrize(
    "attributes",
    [
        [(NameOID.SERIAL_NUMBER, "BIN123456789021"), (NameOID.COMMON_NAME, "ТОО РОГА")],
        [(NameOID.SERIAL_NUMBER, "IIN900101300017"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN123456789021")],
        [(NameOID.SERIAL_NUMBER, "IIN900101300017"), (NameOID.ORGANIZATION_NAME, 'АО "ТЕСТ"')],
    ],
)
def test_organisations_are_told_apart(attributes):
    assert parse_subject(name(*attributes)).is_organisation


def test_the_profile_refuses_a_certificate_without_an_iin(ca):
    from cryptography.hazmat.primitives import serialization

    issued = ca.issue()
    cert = ax509.Certificate.load(issued.cert.public_bytes(serialization.Encoding.DER))
    cert["tbs_certificate"]["subject"] = name((NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"))
    with pytest.raises(EdsError) as caught:
        profile.check_individual(ax509.Certificate.load(cert.dump(force=True)))
    assert caught.value.code == "not_individual"
