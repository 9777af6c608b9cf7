"""The voter register import (recall.services.jobs.register_import): digests and encryption, all or
nothing with line numbers, updates, encodings, and the official's jurisdiction."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from recall import crypto
from recall.errors import ImportRejected, OutsideJurisdiction
from recall.models import AuditEntry, District, RegisterImport, RegisterImportRun, Voter, VoterStatus
from recall.services.jobs import register_import
from recall.services.jobs.register_import import import_register
from tests.factories import VoterFactory, make_iin

HEADER = "iin,full_name,birth_date,address,district,status\n"


def csv_file(*lines: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + "".join(line + "\n" for line in lines)).encode())


def line(n: int, district: str = "K-1", status: str = "active", name: str = "Ахметов Ерлан") -> str:
    number = make_iin(n, dt.date(1980, 5, 17))
    return f'{number},{name},1980-05-17,"Karaganda, Abai 1",{district},{status}'


def test_it_imports_voters_with_digests_and_encrypted_data(karaganda):
    result = import_register(csv_file(line(1), line(2)))
    assert (result.total, result.created, result.updated) == (2, 2, 0)
    voter = Voter.objects.get(iin_digest=crypto.iin_digest(make_iin(1, dt.date(1980, 5, 17))))
    assert voter.personal["address"] == "Karaganda, Abai 1"
    assert voter.name_digest == crypto.name_digest("ахметов  ерлан")
    assert voter.birth_digest == crypto.birth_digest(dt.date(1980, 5, 17))


def test_it_stores_the_names_word_digests_and_updates_them(karaganda):
    number = make_iin(1, dt.date(1980, 5, 17))
    import_register(csv_file(line(1, name="Есенов Арман Даниярович")))
    import_register(csv_file(line(1, name="Мухамеджанова-Ахметова Алия Сериковна")))
    voter = Voter.objects.get(iin_digest=crypto.iin_digest(number))
    words = crypto.register_name_digests("Мухамеджанова-Ахметова Алия Сериковна", number)
    assert (voter.name_surname, voter.name_given) == (list(words.surname), list(words.given))
    assert (voter.name_patronymic, voter.name_patronymic_near) == (list(words.patronymic), list(words.patronymic_near))
    assert len(voter.name_surname) == 2 and len(voter.name_patronymic_near) > 5


def test_the_district_count_comes_from_the_active_voters(karaganda):
    import_register(csv_file(line(1), line(2), line(3, status="deceased")))
    karaganda.refresh_from_db()
    assert karaganda.registered_voters == 2


def test_a_second_import_updates_existing_voters(karaganda, karaganda2):
    import_register(csv_file(line(1), line(2)))
    result = import_register(csv_file(line(1, district="K-2", status="imprisoned"), line(3)))
    assert (result.created, result.updated) == (1, 1)
    assert Voter.objects.get(iin_digest=crypto.iin_digest(make_iin(1, dt.date(1980, 5, 17)))).status == "imprisoned"
    assert District.objects.get(code="K-1").registered_voters == 2


def test_a_malformed_file_is_rejected_with_line_numbers_and_nothing_imported(karaganda):
    bad_checksum = make_iin(3, dt.date(1980, 5, 17))[:11] + str((int(make_iin(3, dt.date(1980, 5, 17))[11]) + 1) % 10)
    rows = [
        line(1),
        f"{bad_checksum},Name,1980-05-17,addr,K-1,active",
        line(4, district="Z-9"),
        f"{make_iin(5)},Name,31.02.1980,addr,K-1,active",
        line(6),
        f"{make_iin(7)},,1980-05-17,addr,K-1,active",
        f"{make_iin(8)},Name,1980-05-17,addr,K-1,sleeping",
        f"{make_iin(9)},Name,1980-05-17,addr,K-1,active,extra",
    ]
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(*rows))
    errors = {e["line"]: e["error"] for e in rejected.value.errors}
    assert sorted(errors) == [3, 4, 5, 7, 8, 9]
    assert "invalid IIN (checksum)" in errors[3]
    assert "unknown district 'Z-9'" in errors[4]
    assert "invalid birth date" in errors[5]
    assert "empty full_name" in errors[7]
    assert "unknown status" in errors[8]
    assert "too many fields" in errors[9]
    assert Voter.objects.count() == 0
    assert not AuditEntry.objects.filter(action="register.imported").exists()


def test_a_line_with_several_problems_reports_every_one(karaganda):
    rows = [line(1) + ",M", f"{make_iin(2)},Name,31.02.1980,addr,Z-9,sleeping,X"]
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(*rows, header=HEADER.rstrip("\n") + ",sex\n"))
    (error,) = rejected.value.errors
    assert error["line"] == 3
    for problem in ("invalid birth date", "unknown district 'Z-9'", "unknown status 'sleeping'", "unknown sex 'X'"):
        assert problem in error["error"], error


def test_a_failed_import_in_the_admin_says_so_in_red_and_lists_every_line(client, bob, karaganda):
    upload = csv_file(line(1), f"{make_iin(2)},Name,31.02.1980,addr,K-1,sleeping")
    upload.name = "register.csv"
    client.force_login(bob)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())
        response = client.post(reverse("admin:recall_registerimport_add"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "was not imported" in page and "added successfully" not in page
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "invalid birth date" in page and "unknown status" in page


def test_the_same_iin_twice_in_a_file_is_rejected(karaganda):
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(line(1), line(2), line(1)))
    assert rejected.value.errors == [{"line": 4, "error": "the same IIN as line 2"}]
    assert Voter.objects.count() == 0


def test_missing_columns_are_reported(karaganda):
    with pytest.raises(ImportRejected, match="missing columns: district"):
        import_register(csv_file(line(1), header="iin,full_name,birth_date,address\n"))


def test_semicolons_dotted_dates_and_a_byte_order_mark_are_accepted(karaganda):
    number = make_iin(1, dt.date(1980, 5, 17))
    data = "\ufeffIIN;Full_Name;Birth_Date;Address;District\n" + f"{number};Имя;17.05.1980;addr;K-1\n"
    assert import_register(io.BytesIO(data.encode())).created == 1
    assert Voter.objects.get().status == VoterStatus.ACTIVE


def test_recently_adult_voters_keep_the_date_they_came_of_age(karaganda):
    young = make_iin(1, dt.date(2007, 3, 1))
    data = csv_file(f"{young},Young,2007-03-01,addr,K-1,active", line(2))
    import_register(data)
    adult = Voter.objects.get(iin_digest=crypto.iin_digest(young)).adult_from
    assert timezone.localtime(adult).date().isoformat() == "2025-03-01"
    assert Voter.objects.exclude(iin_digest=crypto.iin_digest(young)).get().adult_from is None


def test_an_official_imports_only_into_the_jurisdiction(karaganda, almaty, bob):
    with pytest.raises(ImportRejected, match="outside your jurisdiction"):
        import_register(csv_file(line(1), line(2, district="A-1")), actor=bob)
    assert not Voter.objects.exists()
    assert import_register(csv_file(line(1)), actor=bob).created == 1


def test_the_command_imports_and_reports_errors(karaganda, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(line(1), line(2)).getvalue())
    call_command("import_register", str(good), "--no-progress")
    assert "Imported 2 voters: 2 added, 0 updated, 0 unchanged." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(line(3), line(4, district="nowhere")).getvalue())
    with pytest.raises(CommandError, match="Nothing imported: 1 lines have errors"):
        call_command("import_register", str(bad), "--no-progress")
    assert "line 3: unknown district" in capsys.readouterr().err
    assert Voter.objects.count() == 2


def test_an_empty_register_file_is_a_clear_error(karaganda):
    with pytest.raises(ImportRejected, match="missing columns"):
        import_register(io.BytesIO(b""))


def test_windows_1251_files_are_read(karaganda):
    number = make_iin(1, dt.date(1980, 5, 17))
    data = f"iin,full_name,birth_date,address,district\n{number},Ахметов Ерлан,1980-05-17,Абая 1,K-1\n"
    assert import_register(io.BytesIO(data.encode("cp1251"))).created == 1


def test_an_official_cannot_update_voters_of_another_jurisdiction(karaganda, almaty, bob):
    stranger = VoterFactory(district=almaty)
    line = f"{stranger.personal['iin']},Name,{stranger.personal['birth_date']},addr,K-1,deceased\n"
    with pytest.raises(ImportRejected, match="outside your jurisdiction"):
        import_register(io.BytesIO(("iin,full_name,birth_date,address,district,status\n" + line).encode()), actor=bob)
    stranger.refresh_from_db()
    assert (stranger.district, stranger.status) == (almaty, "active")


def test_a_job_uploaded_by_an_official_imports_only_the_jurisdiction(karaganda, almaty, charlie):
    upload = SimpleUploadedFile("register.csv", csv_file(line(1), line(2, district="A-1")).getvalue())
    job = register_import.create_job(file=upload, actor=charlie)
    job = register_import.run_job(job.pk)
    assert job.state == "failed" and "outside your jurisdiction" in job.errors[0]["error"]
    assert not Voter.objects.exists()


def test_an_observer_cannot_upload_a_register(karaganda, olga):
    upload = SimpleUploadedFile("register.csv", csv_file(line(1)).getvalue())
    with pytest.raises(OutsideJurisdiction):
        register_import.create_job(file=upload, actor=olga)
    assert not RegisterImport.objects.exists()


def test_an_over_long_field_is_reported_with_its_line(karaganda):
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(line(1), line(2, name="Ахметов " + "Ерлан" * 50), line(3)))
    assert rejected.value.errors == [{"line": 3, "error": "full_name is too long (258 characters, at most 200)"}]
    assert Voter.objects.count() == 0


def test_a_field_that_swallows_the_file_is_reported_with_its_line(karaganda):
    runaway = f'{make_iin(2)},"Name,1980-05-17,addr,K-1,active\n' + "x" * 20_000 + "\n"
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(line(1), runaway))
    [error] = rejected.value.errors
    assert error["line"] >= 3 and "field larger than field limit" in error["error"]


def test_a_windows_1251_file_is_read_as_a_stream(karaganda):
    data = (HEADER + line(1) + "\n" + line(2) + "\n").encode("cp1251")
    assert import_register(io.BytesIO(data)).created == 2
    assert (
        Voter.objects.get(iin_digest=crypto.iin_digest(make_iin(1, dt.date(1980, 5, 17)))).full_name == "Ахметов Ерлан"
    )


def voter(n: int) -> Voter:
    return Voter.objects.get(iin_digest=crypto.iin_digest(make_iin(n, dt.date(1980, 5, 17))))


def token(n: int) -> str:
    """The stored ciphertext of a voter's data (a new one each time it is encrypted)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal FROM recall_voter WHERE id = %s", [voter(n).pk])
        return cursor.fetchone()[0]


def stage_tables() -> list[str]:
    return [t for t in connection.introspection.table_names() if t.startswith("recall_register_stage")]


def test_a_re_import_rebuilds_only_the_lines_that_changed(karaganda, karaganda2):
    import_register(csv_file(line(1), line(2), line(3)))
    before = {n: (token(n), voter(n).updated_at) for n in (1, 2, 3)}
    result = import_register(csv_file(line(1), line(2, district="K-2"), line(3), line(4)))
    assert (result.total, result.created, result.updated, result.unchanged) == (4, 1, 1, 2)
    for n in (1, 3):  # not encrypted again, not written
        assert (token(n), voter(n).updated_at) == before[n]
    assert voter(2).district == karaganda2 and token(2) != before[2][0]
    assert District.objects.get(code="K-2").registered_voters == 1
    entry = AuditEntry.objects.filter(action="register.imported").latest("pk")
    assert (entry.details["created"], entry.details["updated"], entry.details["unchanged"]) == (1, 1, 2)


def test_the_same_file_twice_changes_nothing_the_second_time(karaganda):
    import_register(csv_file(line(1), line(2)))
    result = import_register(csv_file(line(1), line(2)))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_a_voter_built_before_the_line_digests_is_rebuilt(karaganda):
    import_register(csv_file(line(1)))
    Voter.objects.update(source_digest=None)
    assert import_register(csv_file(line(1))).updated == 1


def test_nothing_of_an_import_is_left_behind(karaganda):
    import_register(csv_file(line(1)))
    with pytest.raises(ImportRejected):
        import_register(csv_file(line(2), line(2)))
    with pytest.raises(ImportRejected):
        import_register(csv_file(line(3), line(4, district="nowhere")))
    assert not RegisterImportRun.objects.exists() and stage_tables() == []


def test_an_interrupted_import_goes_on_from_its_last_commit(karaganda, karaganda2, monkeypatch, settings):
    """The progress is committed every RECALL_IMPORT_COMMIT_LINES lines with what was staged; an
    import stopped after a commit (here by its progress callback; a killed process in
    tests/workers) checks only the lines after it the next time, and writes nothing before."""
    monkeypatch.setattr(register_import, "CHUNK", 2)
    settings.RECALL_IMPORT_COMMIT_LINES = 4
    import_register(csv_file(line(99)))  # a register that is not empty: two passes
    data = csv_file(*(line(n, district="K-2" if n % 2 else "K-1") for n in range(1, 13)))

    def stop(done: int, total: int) -> None:
        if done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_register(data, progress=stop)
    run = RegisterImportRun.objects.get()
    assert run.checked_lines in (5, 7) and run.staged_keys == run.checked_lines - 1
    assert Voter.objects.count() == 1  # nothing written yet
    seen: list[int] = []
    result = import_register(data, progress=lambda done, total: seen.append(done))
    assert seen[0] == run.checked_lines - 1 and seen[-1] == 2 * 12
    assert (result.total, result.created, result.unchanged) == (12, 12, 0)
    assert District.objects.get(code="K-2").registered_voters == 6
    assert not RegisterImportRun.objects.exists() and stage_tables() == []


def test_restart_forgets_the_interrupted_import(karaganda, monkeypatch, settings):
    monkeypatch.setattr(register_import, "CHUNK", 2)
    settings.RECALL_IMPORT_COMMIT_LINES = 2
    data = csv_file(*(line(n) for n in range(1, 9)))

    def stop(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_register(data, progress=stop)
    seen: list[int] = []
    assert import_register(data, progress=lambda done, total: seen.append(done), restart=True).created == 8
    assert seen[0] == 0


def test_a_quoted_line_end_keeps_its_record_whole_across_chunks(karaganda, monkeypatch):
    monkeypatch.setattr(register_import, "CHUNK", 2)
    rows = [
        f'{make_iin(n, dt.date(1980, 5, 17))},Ахметов Ерлан,1980-05-17,"Karaganda,\nAbai {n}",K-1,active'
        for n in range(1, 6)
    ]
    rows.append(line(6, district="nowhere"))
    with pytest.raises(ImportRejected) as rejected:
        import_register(csv_file(*rows))
    assert rejected.value.errors == [{"line": 12, "error": "unknown district 'nowhere' (or outside your jurisdiction)"}]
    assert import_register(csv_file(*rows[:5])).created == 5
    assert voter(3).personal["address"] == "Karaganda,\nAbai 3"


def test_blank_lines_are_no_voters(karaganda):
    assert import_register(csv_file(line(1), "", line(2), "")).total == 2


def _voter_table_definitions() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'recall_voter'::regclass "
            "UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'recall_voter' ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_the_first_import_loads_before_indexing_and_puts_every_constraint_back(karaganda):
    """Into an empty register the rows go in before the unique and foreign-key constraints and
    the secondary indexes, which are then made again exactly as they were."""
    before = _voter_table_definitions()
    assert any("UNIQUE (iin_digest)" in d for _n, d in before) and any("FOREIGN KEY" in d for _n, d in before)
    assert import_register(csv_file(line(1), line(2))).created == 2
    assert _voter_table_definitions() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterFactory(iin=make_iin(1, dt.date(1980, 5, 17)))
    assert import_register(csv_file(line(2, status="deceased"), line(3))).updated == 1  # the usual way now
    assert _voter_table_definitions() == before


def _recount() -> dict[str, int]:
    return {d.code: Voter.objects.filter(district=d, status=VoterStatus.ACTIVE).count() for d in District.objects.all()}


def test_a_re_import_adjusts_the_district_counts_by_what_changed(karaganda, karaganda2):
    import_register(csv_file(*(line(n) for n in range(1, 7)), line(7, district="K-2")))
    changes = [
        line(1, district="K-2"),  # moved
        line(2, status="deceased"),  # died
        line(3),
        line(4),
        line(5),
        line(6),
        line(7, district="K-2", status="removed"),
        line(8, district="K-2"),  # new
    ]
    import_register(csv_file(*changes))
    counts = dict(District.objects.values_list("code", "registered_voters"))
    assert counts == _recount() and (counts["K-1"], counts["K-2"]) == (4, 2)


def test_a_district_no_import_counted_is_recounted_whole(karaganda, karaganda2):
    import_register(csv_file(line(1)))
    VoterFactory.create_batch(3, district=karaganda2)  # voters not from an import
    District.objects.filter(code="K-2").update(registered_voters=0, register_updated_at=None)
    import_register(csv_file(line(1), line(2, district="K-2")))
    assert dict(District.objects.values_list("code", "registered_voters")) == _recount() == {"K-1": 1, "K-2": 4}
