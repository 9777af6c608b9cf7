"""Retention and crypto-shredding (recall.services.privacy.retention): the purge date, the dry run,
``--as-of``, what a purge leaves (nothing that names a signer, under any key the service
has), what it keeps (counts, decisions, ledger), key rotation by re-wrapping, and two purges
at once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.utils import timezone

from recall import crypto, names, tasks
from recall.errors import InvalidInput
from recall.models import (
    AuditEntry,
    CodeRequest,
    DailyTally,
    EdsStatement,
    GroupDraft,
    GroupDraftMember,
    InitiativeMember,
    LedgerEntry,
    OutcomeSubscription,
    Petition,
    PetitionDataKey,
    PetitionJob,
    PetitionState,
    PetitionTransition,
    Signature,
    Voter,
)
from recall.services import ledger, lifecycle, signing, verification
from recall.services.jobs import petition_jobs
from recall.services.notices import outcome_notices
from recall.services.privacy import retention
from recall.services.signing import codes, eds
from recall.services.verification import review
from tests.factories import SignatureFactory, make_iin
from tests.helpers import run_together, signer_of

# The withdrawal's day plus 30 days for appeals plus 365 of retention (the policy's defaults).
KEPT_DAYS = 30 + 365

# A signer who is not in the register: nothing anywhere may name them afterwards. Born after every
# voter the factory makes (1960-01-01 plus up to 9,000 days): a register row born the same day
# would hold the same birth digest, and the scan below would find it there.
OUTSIDER = {
    "iin": make_iin(4242, dt.date(1991, 3, 9)),
    "full_name": "Zhanargul Outsiderova",
    "birth_date": "1991-03-09",
    "address": "Temirtau, Lenin avenue 77, flat 12",
    "phone": "+77019998877",
}


@pytest.fixture
def ended(collecting, voters, alice, settings):
    """A petition with web (with phones), partner, EDS and paper signatures, a pending code
    request, EDS statements (one to sign, one to withdraw the EDS signature), decisions, a
    withdrawal and signed checkpoints, then withdrawn by its initiators."""
    settings.RECALL_EDS_BACKEND = "builtin"  # statements are issued; none is verified here
    web = [
        signing.sign_on_web(collecting.pk, signer_of(v, phone=f"+7701555{i:04d}")) for i, v in enumerate(voters[10:16])
    ]
    outsider = signing.sign_on_web(
        collecting.pk,
        signing.check_signer(
            iin=OUTSIDER["iin"],
            full_name=OUTSIDER["full_name"],
            birth_date=dt.date.fromisoformat(OUTSIDER["birth_date"]),
            address=OUTSIDER["address"],
            phone=OUTSIDER["phone"],
        ),
    )
    with_eds = SignatureFactory(
        petition=collecting, voter_row=voters[16], channel="eds", eds_cms="MIIBeds-cms-of-the-signer"
    )
    SignatureFactory(
        petition=collecting,
        voter_row=voters[17],
        channel="paper",
        receipt=None,
        sheet_number=1,
        sheet_line=1,
        collector="Aliya Collectorova",
    )
    codes.start_signing(collecting.pk, signer_of(voters[18], phone="+77015550099"))
    outcome_notices.subscribe(web[2], "ru")  # a signer who asked to hear the outcome
    verification.verify_all()
    eds.issue(collecting)
    eds.start_withdrawal(with_eds.receipt, voters[16].personal["iin"])
    review.decide(web[0].pk, actor=alice, valid=False, ground="pencil", note="Written in pencil.")
    review.withdraw_by_signer(web[1].pk)
    ledger.sign_due_checkpoints()
    lifecycle.withdraw(Petition.objects.get(pk=collecting.pk), actor=alice, reason="The group withdrew.")
    petition = Petition.objects.get(pk=collecting.pk)
    phones = [f"+7701555{i:04d}" for i in range(6)] + [None, None]
    signers = [{**v.personal, **({"phone": p} if p else {})} for v, p in zip(voters[10:18], phones, strict=True)]
    # The one who only asked for a code is a signer's trace too.
    signers += [OUTSIDER, {**voters[18].personal, "phone": "+77015550099"}]
    return petition, signers, outsider


def after_retention() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=KEPT_DAYS)


def test_the_purge_date_is_the_final_state_plus_appeals_plus_retention(ended, policy):
    petition, _signers, _ = ended
    assert retention.purge_date(petition) == after_retention()
    policy.appeal_days, policy.retention_days = 10, 20
    policy.save()
    assert retention.purge_date(petition) == timezone.localdate() + dt.timedelta(days=30)


def test_an_open_petition_has_no_purge_date_and_cannot_be_purged(collecting):
    assert retention.purge_date(collecting) is None
    with pytest.raises(InvalidInput) as error:
        retention.purge(collecting.pk, as_of=timezone.localdate() + dt.timedelta(days=10_000))
    assert error.value.code == "petition_open"


def test_a_petition_is_not_purged_before_its_date(ended):
    petition, _signers, _ = ended
    with pytest.raises(InvalidInput) as error:
        retention.purge(petition.pk, as_of=after_retention() - dt.timedelta(days=1))
    assert error.value.code == "not_due"
    assert retention.due(after_retention() - dt.timedelta(days=1)) == []


def test_the_dry_run_lists_petitions_and_signatures_and_changes_nothing(ended, capsys):
    petition, _signers, _ = ended
    before = list(Signature.objects.order_by("pk").values_list("personal", "voter_id"))
    call_command("purge_personal_data", "--dry-run", "--as-of", after_retention().isoformat())
    out = capsys.readouterr().out
    assert f"petition {petition.pk} (withdrawn by the initiators, purge date {after_retention()}): " in out
    assert "would purge 9 signatures" in out and "1 petitions would purge" in out
    assert list(Signature.objects.order_by("pk").values_list("personal", "voter_id")) == before
    assert not PetitionDataKey.objects.filter(destroyed_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action=retention.ACTION).exists()


def test_as_of_evaluates_the_rule_on_another_day(ended, capsys):
    petition, _signers, _ = ended
    call_command("purge_personal_data", "--as-of", (after_retention() - dt.timedelta(days=1)).isoformat())
    assert "0 petitions purged" in capsys.readouterr().out
    assert retention.destroyed_at(petition) is None
    call_command("purge_personal_data", "--as-of", after_retention().isoformat())
    assert "purged 9 signatures" in capsys.readouterr().out
    assert retention.destroyed_at(petition) is not None


def test_signatures_still_awaiting_verification_keep_the_petitions_data(ended, voters, capsys):
    petition, _signers, _ = ended
    SignatureFactory(petition=petition, voter_row=voters[19])  # stored, not yet reached by the workers
    call_command("purge_personal_data", "--as-of", after_retention().isoformat())
    assert f"petition {petition.pk} kept: Some signatures of this petition still await verification" in (
        capsys.readouterr().out
    )
    assert retention.destroyed_at(petition) is None
    assert Signature.objects.filter(petition=petition, personal__isnull=False).count() == 10


def test_a_bad_as_of_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_personal_data", "--as-of", "02.12.2026")


def _every_row_as_text() -> list[str]:
    """Every row of every table of the database as text, bytea columns decoded as well."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'bytea'"
        )
        binary = cursor.fetchall()
        texts = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            texts += [f"{table}: {row[0]}" for row in cursor.fetchall()]
        for table, column in binary:
            cursor.execute(f'SELECT encode("{column}", \'escape\') FROM "{table}" WHERE "{column}" IS NOT NULL')
            texts += [f"{table}.{column}: {row[0]}" for row in cursor.fetchall()]
    return texts


_TOKEN = re.compile(r"(?:p\d+:)?gAAAAA[A-Za-z0-9_\-=]+")


def _decrypt_everything(texts: list[str], keys: list[Fernet]) -> list[str]:
    """Every Fernet token found, decrypted with every key given (tokens no key opens are skipped)."""
    opened = []
    for text in texts:
        for token in _TOKEN.findall(text):
            body = crypto.split_token(token)[1]
            for key in keys:
                try:
                    opened.append(key.decrypt(body.encode()).decode(errors="replace"))
                except InvalidToken:
                    continue
    return opened


def _all_keys(settings) -> list[Fernet]:
    """Every master key, and every data key still in the database."""
    masters = [Fernet(k) for k in settings.RECALL_ENCRYPTION_KEYS]
    wrapped = PetitionDataKey.objects.filter(wrapped_key__isnull=False).values_list("wrapped_key", flat=True)
    return masters + [Fernet(MultiFernet(masters).decrypt(bytes(w))) for w in wrapped]


def _traces(person: dict) -> list[str]:
    values = [person["iin"], person["full_name"], person["address"], person["birth_date"]]
    digests = [crypto.iin_digest(person["iin"]), crypto.name_digest(person["full_name"])]
    digests.append(crypto.birth_digest(dt.date.fromisoformat(person["birth_date"])))
    return values + digests + ([person["phone"], crypto.phone_digest(person["phone"])] if "phone" in person else [])


def test_after_a_purge_nothing_names_a_signer_under_any_key(ended, settings):
    petition, signers, outsider = ended
    # What a backup taken before the purge would hold.
    backup = [t for t in _every_row_as_text() if t.startswith(("recall_signature:", "recall_signingchallenge:"))]
    assert _decrypt_everything(backup, _all_keys(settings)), "the backup's tokens open before the purge"

    assert retention.purge(petition.pk, as_of=after_retention()) == 9

    keys = _all_keys(settings)
    # The backup's tokens of this petition open with no key the service still has.
    assert not [o for o in _decrypt_everything(backup, keys) if any(s["iin"] in o for s in signers)]
    # Nothing in the database, in clear or decrypted, names a signer; the register (which
    # holds every voter of the district, encrypted, whoever signed) is the only exception.
    outside_register = [t for t in _every_row_as_text() if not t.startswith("recall_voter:")]
    opened = _decrypt_everything(outside_register, keys)
    for person in signers:
        for trace in _traces(person):
            assert not [t for t in outside_register if trace in t], trace
            assert not [o for o in opened if trace in o], trace
    # The signer missing from the register is named nowhere at all, register included.
    everything = _every_row_as_text()
    for trace in _traces(OUTSIDER):
        assert not [t for t in everything if trace in t]
        assert not [o for o in _decrypt_everything(everything, keys) if trace in o]
    # Paper collectors' names and the EDS material went too.
    assert not [t for t in everything if "Aliya Collectorova" in t or "MIIBeds" in t]


def _digest_columns(model) -> tuple[list[str], list[str]]:
    """Every digest column of ``model``: keyed text digests (…_digest, the signature's voter
    digest among them) and arrays of name-word digests."""
    scalars, arrays = [], []
    for field in model._meta.concrete_fields:
        if isinstance(field, crypto.DigestArrayField):
            arrays.append(field.column)
        elif field.column.endswith("_digest") and not isinstance(field, models.BigIntegerField):
            scalars.append(field.column)  # (the register's source_digest is a bigint of a whole line)
    return scalars, arrays


def _joins(petition_id: int) -> dict[str, int]:
    """How many of the petition's signatures join some register row, for every pairing of a
    signature's digest with a register digest of the same kind, and through the name rule's SQL."""
    signature_scalars, signature_arrays = _digest_columns(Signature)
    voter_scalars, voter_arrays = _digest_columns(Voter)
    conditions = {f"s.{a} = v.{b}": f"s.{a} <> ''" for a in signature_scalars for b in voter_scalars}
    conditions |= {f"s.{a} && v.{b}": "true" for a in signature_arrays for b in voter_arrays}
    conditions[names.MATCH_SQL] = "true"
    found = {}
    with connection.cursor() as cursor:
        for condition, nonempty in conditions.items():
            cursor.execute(
                f"SELECT count(DISTINCT s.id) FROM recall_signature s JOIN recall_voter v ON {condition} "
                f"WHERE s.petition_id = %s AND {nonempty}",
                [petition_id],
            )
            found[condition] = cursor.fetchone()[0]
    return found


def _holding_digests(petition_id: int) -> list[str]:
    """The digest columns that some signature of the petition still fills."""
    scalars, arrays = _digest_columns(Signature)
    tests = [(c, f"coalesce({c}, '') <> ''") for c in scalars] + [(c, f"cardinality({c}) > 0") for c in arrays]
    held = []
    with connection.cursor() as cursor:
        for column, condition in tests:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM recall_signature WHERE petition_id = %s AND {condition})", [petition_id]
            )
            if cursor.fetchone()[0]:
                held.append(column)
    return held


def test_no_purged_signature_joins_the_register_under_any_digest(ended):
    petition, _signers, _ = ended
    before = _joins(petition.pk)
    # Before the purge the signers join their register rows by every kind of digest.
    for condition in (
        "s.voter_digest = v.iin_digest",
        "s.name_digest = v.name_digest",
        "s.name_tokens && v.name_surname",
    ):
        assert before[condition] >= 7, condition
    assert before[names.MATCH_SQL] >= 7
    scalars, arrays = _digest_columns(Signature)
    assert _holding_digests(petition.pk) == scalars + arrays

    retention.purge(petition.pk, as_of=after_retention())

    assert {condition: n for condition, n in _joins(petition.pk).items() if n} == {}
    # Nor could a register imported later join them: no digest is left to join on.
    assert _holding_digests(petition.pk) == []


def test_a_purge_keeps_counts_decisions_series_and_ledger(ended):
    petition, _signers, _ = ended
    states = list(Signature.objects.order_by("pk").values_list("state", "ground", "channel", "receipt", "signed_at"))
    tallies = list(DailyTally.objects.filter(petition=petition).values_list("day", "valid"))
    entries = list(LedgerEntry.objects.filter(petition=petition).order_by("index").values_list("data", "leaf_hash"))
    counts = Petition.objects.values_list("received_count", "valid_count", "invalid_count", "withdrawn_count")

    before = counts.get(pk=petition.pk)
    retention.purge(petition.pk, as_of=after_retention())

    assert counts.get(pk=petition.pk) == before
    assert (
        list(Signature.objects.order_by("pk").values_list("state", "ground", "channel", "receipt", "signed_at"))
        == states
    )
    assert list(DailyTally.objects.filter(petition=petition).values_list("day", "valid")) == tallies
    after = list(LedgerEntry.objects.filter(petition=petition).order_by("index").values_list("data", "leaf_hash"))
    assert [(bytes(d), bytes(h)) for d, h in after] == [(bytes(d), bytes(h)) for d, h in entries]
    assert Signature.objects.filter(petition=petition, personal__isnull=False).count() == 0
    assert not CodeRequest.objects.filter(petition=petition).exists()
    assert not InitiativeMember.objects.filter(petition=petition).exists()
    assert not OutcomeSubscription.objects.filter(petition=petition).exists()
    # A withdrawal statement names the signature it withdraws; every statement goes.
    assert not EdsStatement.objects.filter(petition=petition).exists()
    entry = AuditEntry.objects.get(action=retention.ACTION)
    assert (entry.petition_id, entry.actor_label, entry.details["signatures"]) == (petition.pk, "system", 9)
    assert entry.details["eds_statements"] == 2


def test_a_petition_already_purged_is_skipped(ended):
    petition, _signers, _ = ended
    assert retention.purge_due(as_of=after_retention()).purged == {petition.pk: 9}
    assert retention.purge(petition.pk, as_of=after_retention()) is None
    assert retention.purge_due(as_of=after_retention()).due == []
    assert AuditEntry.objects.filter(action=retention.ACTION).count() == 1


def test_a_purged_petitions_tokens_cannot_be_decrypted_by_the_service(ended):
    petition, _signers, outsider = ended
    token = Signature.objects.filter(pk=outsider.pk).values_list("personal", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal FROM recall_signature WHERE id = %s", [outsider.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(f"p{petition.pk}:")
    retention.purge(petition.pk, as_of=after_retention())
    assert token.get() is None
    with pytest.raises(crypto.DataKeyDestroyed):
        crypto.decrypt(stored)
    with pytest.raises(crypto.DataKeyDestroyed):
        crypto.encrypt({"a": 1}, petition_id=petition.pk)


def test_rows_written_under_the_master_key_still_decrypt_and_rotation_moves_them(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10])
    legacy = crypto.encrypt({"iin": "legacy", "full_name": "Old Row"})
    with connection.cursor() as cursor:  # as written before data keys existed
        cursor.execute("UPDATE recall_signature SET personal = %s WHERE id = %s", [legacy, signature.pk])
    assert Signature.objects.get(pk=signature.pk).personal["full_name"] == "Old Row"
    call_command("rotate_keys")
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal FROM recall_signature WHERE id = %s", [signature.pk])
        assert cursor.fetchone()[0].startswith(f"p{collecting.pk}:")
    assert Signature.objects.get(pk=signature.pk).personal["full_name"] == "Old Row"


def test_rotation_rewraps_the_data_keys_without_touching_signatures(collecting, voters, settings, capsys):
    for voter in voters[10:13]:
        signing.sign_on_web(collecting.pk, signer_of(voter))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, personal FROM recall_signature ORDER BY id")
        rows = cursor.fetchall()
    wrapped = bytes(PetitionDataKey.objects.get(petition=collecting).wrapped_key)
    old = settings.RECALL_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.RECALL_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    out = capsys.readouterr().out
    assert "data keys: 1 re-wrapped" in out and "recall_signature.personal: 0 rows re-encrypted" in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, personal FROM recall_signature ORDER BY id")
        assert cursor.fetchall() == rows
    rewrapped = bytes(PetitionDataKey.objects.get(petition=collecting).wrapped_key)
    assert rewrapped != wrapped
    assert Fernet(new).decrypt(rewrapped) == Fernet(old).decrypt(wrapped)
    settings.RECALL_ENCRYPTION_KEYS = [new]  # the old master key is gone
    assert [s.personal["iin"] for s in Signature.objects.order_by("pk")] == [v.personal["iin"] for v in voters[10:13]]


@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_purge_once(ended):
    petition, _signers, _ = ended
    answers = run_together(lambda: retention.purge(petition.pk, as_of=after_retention()), 2)
    assert sorted(answers, key=lambda a: a is None) == [9, None]
    assert AuditEntry.objects.filter(action=retention.ACTION).count() == 1


def test_the_nightly_job_calls_the_same_service(ended):
    petition, _signers, _ = ended
    assert tasks.purge_personal_data() == {}  # the petition ended today: kept
    PetitionTransition.objects.filter(petition=petition).update(at=timezone.now() - dt.timedelta(days=KEPT_DAYS + 1))
    assert tasks.purge_personal_data() == {petition.pk: 9}
    assert AuditEntry.objects.get(action=retention.ACTION).actor_label == "beat"
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_the_independent_verifier_still_verifies_a_purged_petition(ended, live_server, capsys):
    from tests.ledger.test_real_service import verify_ledger

    petition, signers, outsider = ended
    retention.purge(petition.pk, as_of=after_retention())
    status = verify_ledger.main([live_server.url, str(petition.pk), "--vkey", ledger.signer().vkey])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "counts over the first" in out and out.rstrip().endswith("every check passed")
    # A signer's receipt still finds its entries: the ledger holds commitments, not people.
    status = verify_ledger.main([live_server.url, str(petition.pk), "--receipt", outsider.receipt])
    assert status == 0, capsys.readouterr().out


def test_the_purge_deletes_the_petitions_export_files_at_once(
    ended, alice, settings, django_capture_on_commit_callbacks
):
    petition, _signers, _outsider = ended
    with django_capture_on_commit_callbacks(execute=True):
        job = petition_jobs.request_signatures_pdf(petition, actor=alice)
    job.refresh_from_db()
    assert job.file and Path(job.file.path).is_file()
    files_before = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert files_before

    retention.purge(petition.pk, as_of=after_retention())

    # Not a day later, with the daily job: at once, and nothing the petition's jobs made is left on disk.
    assert not Path(job.file.path).exists()
    assert PetitionJob.objects.get(pk=job.pk).file == ""
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


def test_an_application_never_submitted_expires_with_its_phones_and_expired_sessions_are_cleared(
    collecting, voters, settings
):
    settings.RECALL_GROUP_DRAFT_DAYS = 30
    old = GroupDraft.objects.create(deputy=collecting.deputy, grounds_category="lost_trust", grounds={"kk": "x"})
    GroupDraft.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    GroupDraftMember.objects.create(draft=old, voter=voters[0], is_leader=True, contact={"phone": "+77011234567"})
    fresh = GroupDraft.objects.create(deputy=collecting.deputy, grounds_category="lost_trust", grounds={"kk": "y"})
    GroupDraftMember.objects.create(draft=fresh, voter=voters[1], is_leader=True, contact={"phone": "+77017654321"})
    store = SessionStore()
    store["recall_receipt"] = "ABCD-EFGH-JKLM"
    store.set_expiry(-1)
    store.save()

    result = tasks.purge_expired()

    assert result["group_drafts"] == 1
    assert list(GroupDraft.objects.all()) == [fresh]
    assert list(GroupDraftMember.objects.values_list("draft_id", flat=True)) == [fresh.pk]
    assert not Session.objects.filter(session_key=store.session_key).exists()
