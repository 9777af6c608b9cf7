"""The sign path (recall.services.signing.signatures): the signer's data checked, one guarded INSERT,
repeats, partners' submissions and receipts."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recall import crypto
from recall.errors import AlreadySigned, InvalidInput, NotFound, PetitionNotCollecting
from recall.models import PetitionDataKey, PetitionState, Signature
from recall.services import signing, verification
from tests.factories import ApiClientFactory, make_iin
from tests.helpers import signer_of, walk


def test_check_signer_names_the_bad_field():
    cases = [
        ({"iin": "791028302727"}, "iin", "invalid_iin"),
        ({"iin": "12345"}, "iin", "invalid_iin"),
        ({"birth_date": dt.date.today() + dt.timedelta(days=1)}, "birth_date", "invalid_birth_date"),
        ({"full_name": "  "}, "full_name", "required"),
        ({"address": ""}, "address", "required"),
    ]
    base = {"iin": "791028302728", "full_name": "A B", "birth_date": dt.date(1979, 10, 28), "address": "x"}
    for change, field, code in cases:
        with pytest.raises(InvalidInput) as error:
            signing.check_signer(**{**base, **change})
        assert (error.value.field, error.value.code) == (field, code)


def test_storing_a_web_signature_is_one_insert_and_never_touches_the_petition(
    collecting, voters, django_capture_on_commit_callbacks
):
    signer = signer_of(voters[10])
    # The petition's data key is read once and then kept by the process a minute (recall.crypto).
    PetitionDataKey.objects.create(petition=collecting, wrapped_key=crypto.wrap_new_key())
    crypto.data_key(collecting.pk)
    with CaptureQueriesContext(connection) as queries:
        signing.sign_on_web(collecting.pk, signer)
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # One statement: the INSERT, guarded by the petition's state and window in the same SQL.
    assert len(statements) == 1 and statements[0].startswith('INSERT INTO "recall_signature"')
    assert "UPDATE" not in statements[0]


def test_the_guarded_insert_is_prepared_once_per_connection(collecting, voters):
    # Parsing and planning the INSERT with its three subqueries was two thirds of the
    # database's work per signature (bench/sign_load.py); prepared, it is planned once.
    def runs_of_prepared_insert() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
                "WHERE statement LIKE 'INSERT INTO \"recall_signature\"%%'"
            )
            return cursor.fetchone()[0]

    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is not None
    before = runs_of_prepared_insert()
    for voter in voters[10:13]:
        signing.sign_on_web(collecting.pk, signer_of(voter))
    assert runs_of_prepared_insert() == before + 3
    assert Signature.objects.filter(petition=collecting).count() == 3


def test_a_logged_insert_is_never_prepared_so_the_log_shows_it(collecting, voters):
    # psycopg prepares a statement by itself after a few uses on a connection, and a prepared
    # one leaves Django's query log without its text.
    with CaptureQueriesContext(connection) as queries:
        for voter in voters[10:18]:
            signing.sign_on_web(collecting.pk, signer_of(voter))
    inserts = [q["sql"] for q in queries if "recall_signature" in (q["sql"] or "") or q["sql"] is None]
    assert len(inserts) == 8 and all(sql and sql.startswith('INSERT INTO "recall_signature"') for sql in inserts)


def test_a_stored_signature_keeps_the_data_encrypted_and_the_iin_digested(collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT voter_digest, personal FROM recall_signature WHERE id = %s", [signature.pk])
        digest, personal = cursor.fetchone()
    assert voters[10].personal["iin"] not in digest + personal
    assert voters[10].personal["full_name"] not in personal
    assert Signature.objects.get(pk=signature.pk).personal["iin"] == voters[10].personal["iin"]


def test_signing_twice_on_the_web_is_refused_by_the_constraint(collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with pytest.raises(AlreadySigned):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    assert Signature.objects.count() == 1


def test_a_petition_closed_meanwhile_takes_no_signature(collecting, voters):
    with pytest.raises(NotFound):
        signing.sign_on_web(999_999, signer_of(voters[10]))
    assert not Signature.objects.exists()


def test_a_closed_petition_takes_no_signature(collecting, voters):
    with time_machine.travel(collecting.window_end + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(PetitionNotCollecting):
            signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    collecting = walk(collecting, PetitionState.WITHDRAWN)
    with pytest.raises(PetitionNotCollecting):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))


def test_a_partner_learns_only_of_its_own_repeats(collecting, voters):
    mine, other = ApiClientFactory(), ApiClientFactory()
    first = signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=mine.pk)
    with pytest.raises(AlreadySigned, match=signing.format_receipt(first.receipt)):
        signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=mine.pk)
    repeat = signing.sign_for_partner(collecting.pk, signer_of(voters[10]), client_id=other.pk)
    assert repeat.duplicate_of_id == first.pk and repeat.receipt != first.receipt
    verification.verify_all()
    assert Signature.objects.get(pk=repeat.pk).ground == "duplicate"


def _statements(run) -> list[str]:
    """The SQL a call sends, without savepoints' names and the values SQLite's log writes in."""
    with CaptureQueriesContext(connection) as queries:
        run()
    return [re.sub(r"\"s\d+_x\d+\"|'[^']*'|X'[0-9A-F]*'|\b\d+\b|NULL", "?", q["sql"]) for q in queries.captured_queries]


def test_a_repeat_sends_the_same_statements_as_a_first(collecting, voters):
    """What a stopwatch sees: a repeat is stored with the same one statement as a first, on the
    web and from a partner, so neither takes longer (bench/timing.py measures it)."""
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    signing.sign_on_web(collecting.pk, signer_of(voters[11]))
    partner = ApiClientFactory()
    web_first = _statements(lambda: signing.sign_on_web(collecting.pk, signer_of(voters[12]), repeat_as_duplicate=True))
    web_repeat = _statements(
        lambda: signing.sign_on_web(collecting.pk, signer_of(voters[10]), repeat_as_duplicate=True)
    )
    partner_first = _statements(
        lambda: signing.sign_for_partner(collecting.pk, signer_of(voters[13]), client_id=partner.pk)
    )
    partner_repeat = _statements(
        lambda: signing.sign_for_partner(collecting.pk, signer_of(voters[11]), client_id=partner.pk)
    )
    assert web_first == web_repeat and partner_first == partner_repeat
    assert [sql.split()[0] for sql in web_first + partner_first].count("INSERT") == 2
    repeats = Signature.objects.filter(duplicate_of__isnull=False).order_by("pk")
    assert [s.channel for s in repeats] == ["web", "partner"]
    assert not Signature.objects.filter(pk__in=[s.duplicate_of_id for s in repeats], duplicate_of__isnull=False)


def test_a_partner_cannot_date_a_signature_in_the_future(collecting, voters):
    with pytest.raises(InvalidInput) as error:
        signing.sign_for_partner(
            collecting.pk,
            signer_of(voters[10]),
            client_id=ApiClientFactory().pk,
            signed_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )
    assert error.value.code == "invalid_signed_at"


def test_receipts_are_typed_forgivingly():
    assert signing.normalize_receipt("7kq2-m9xd 3fra") == "7KQ2M9XD3FRA"
    assert signing.normalize_receipt("OIL") == "011"


def test_unknown_iins_still_get_stored_for_the_commission(collecting):
    stranger = signing.check_signer(
        iin=make_iin(4242), full_name="Stranger", birth_date=dt.date(1980, 1, 1), address="x", phone="+77011234567"
    )
    signing.sign_on_web(collecting.pk, stranger)
    verification.verify_all()
    assert Signature.objects.get().ground == "not_in_register"


def test_web_and_partner_signatures_store_the_typed_names_word_digests(collecting, voters):
    web = signing.sign_on_web(collecting.pk, signer_of(voters[10], full_name="Number 10 Voter"))
    partner = signing.sign_for_partner(collecting.pk, signer_of(voters[11]), client_id=ApiClientFactory().pk)
    for signature, voter, typed in ((web, voters[10], "Number 10 Voter"), (partner, voters[11], None)):
        stored = Signature.objects.get(pk=signature.pk)
        words = crypto.typed_name_digests(typed or voter.personal["full_name"], voter.personal["iin"])
        assert (stored.name_tokens, stored.name_near) == (list(words.tokens), list(words.near))
        assert len(stored.name_tokens) == 2
    verification.verify_all()
    assert set(Signature.objects.values_list("state", flat=True)) == {"valid"}  # word order does not count
