"""Paper signature sheets (recall.services.verification.paper_import): import, bad lines, repeats, the same
verification as the web, and the uploader's jurisdiction."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from recall import crypto
from recall.errors import OutsideJurisdiction
from recall.models import JobState, PaperImport, PetitionState, Signature
from recall.services import signing, verification
from recall.services.verification import paper_import
from tests.factories import make_iin
from tests.helpers import PAPER_HEADER, paper_row, signer_of, walk


def job_for(petition, *lines, user=None):
    content = (PAPER_HEADER + "\n".join(lines) + "\n").encode()
    return PaperImport.objects.create(
        petition=petition, file=SimpleUploadedFile("sheets.csv", content), uploaded_by=user
    )


def test_sheets_are_imported_and_verified_like_web_signatures(collecting, voters, almaty):
    bad_checksum = voters[12].personal["iin"][:11] + str((int(voters[12].personal["iin"][11]) + 1) % 10)
    job = job_for(
        collecting,
        paper_row(1, 1, voters[10]),
        paper_row(1, 2, voters[11], name="Someone Else"),
        paper_row(1, 3, voters[12], iin=bad_checksum),
        paper_row(1, 4, voters[13], address=""),
        paper_row(2, 1, iin=make_iin(8888), name="Stranger", birth="1980-01-01"),
    )
    job = paper_import.run_job(job.pk)
    assert (job.state, job.imported_count, job.duplicate_count) == (JobState.DONE, 5, 0)
    verification.verify_all()
    found = dict(Signature.objects.values_list("sheet_line", "ground").filter(sheet_number=1))
    assert found == {1: "", 2: "", 3: "iin_checksum", 4: "incomplete"}
    assert Signature.objects.get(sheet_number=1, sheet_line=2).state == "review"
    assert Signature.objects.get(sheet_number=2).ground == "not_in_register"
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.invalid_count, collecting.review_count) == (1, 3, 1)


def test_a_file_with_bad_lines_imports_nothing_and_lists_them(collecting, voters):
    job = job_for(
        collecting,
        paper_row(1, 1, voters[10]),
        paper_row("x", 2, voters[11]),
        paper_row(1, 1, voters[12]),
        paper_row(1, 4, voters[13], on="31.02.2026"),
        paper_row(1, 5, voters[14], on=""),
    )
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED
    assert [e["line"] for e in job.errors] == [3, 4, 5, 6]
    assert "appears twice" in job.errors[1]["error"]
    assert not Signature.objects.exists()


def test_a_voter_who_signed_elsewhere_is_stored_as_a_repeat(collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    job = paper_import.run_job(
        job_for(collecting, paper_row(1, 1, voters[10]), paper_row(1, 2, voters[11]), paper_row(1, 3, voters[11])).pk
    )
    assert (job.imported_count, job.duplicate_count) == (3, 2)
    verification.verify_all()
    assert Signature.objects.filter(ground="duplicate").count() == 2


def test_sheet_lines_already_imported_are_bad_lines(collecting, voters):
    paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[10])).pk)
    job = paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[11])).pk)
    assert job.state == JobState.FAILED and "appears twice" in job.errors[0]["error"]


def test_a_paper_signature_dated_outside_the_window_is_invalid(collecting, voters):
    before = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[10], on=before)).pk)
    verification.verify_all()
    assert Signature.objects.get().ground == "outside_window"


def test_a_paper_signature_of_the_first_day_counts(collecting, voters):
    signed_at = paper_import.paper_signed_at(timezone.localdate(), collecting)
    assert collecting.window_start <= signed_at < collecting.window_end


def test_a_run_job_is_claimed_once(collecting, voters):
    job = job_for(collecting, paper_row(1, 1, voters[10]))
    assert paper_import.run_job(job.pk).state == JobState.DONE
    assert paper_import.run_job(job.pk) is None
    assert Signature.objects.count() == 1


def test_a_closed_petition_takes_no_sheets(collecting, voters):
    collecting = walk(collecting, PetitionState.EXPIRED)
    job = paper_import.run_job(job_for(collecting, paper_row(1, 1, voters[10])).pk)
    assert job.state == JobState.FAILED and "accepted while" in job.errors[0]["error"]


def test_missing_columns_fail_the_job(collecting):
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("x.csv", b"sheet,line,iin\n1,1,1\n"))
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "missing columns" in job.errors[0]["error"]


def test_paper_lines_without_an_iin_are_incomplete_not_repeats(collecting, voters):
    content = "sheet,line,iin,full_name,birth_date,address,signed_on\n" + "".join(
        f"1,{n},,Someone {n},1980-01-01,addr,{dt.date.today().isoformat()}\n" for n in (1, 2, 3)
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    paper_import.run_job(job.pk)
    verification.verify_all()
    assert set(Signature.objects.values_list("ground", flat=True)) == {"incomplete"}


def test_an_uploaded_file_is_deleted_once_imported(collecting, voters, tmp_path):
    content = "sheet,line,iin,full_name,birth_date,address,signed_on\n" + (
        f"1,1,{voters[10].personal['iin']},x,1980-01-01,addr,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    stored = tmp_path / job.file.name
    assert stored.exists()
    job = paper_import.run_job(job.pk)
    assert not stored.exists() and job.file.name == "" and job.source_name.endswith(".csv")


def test_paper_sheet_numbers_beyond_reason_are_bad_lines(collecting, voters):
    content = (
        "sheet,line,iin,full_name,birth_date,address,signed_on\n"
        f"99999999999999999999,1,{voters[10].personal['iin']},x,9999-12-31,a,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "1 to 100000" in job.errors[0]["error"]


def test_an_impossible_birth_date_on_paper_is_incomplete(collecting, voters):
    content = (
        "sheet,line,iin,full_name,birth_date,address,signed_on\n"
        f"1,1,{voters[10].personal['iin']},x,9999-12-31,a,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    paper_import.run_job(job.pk)
    verification.verify_all()
    assert Signature.objects.get().ground == "incomplete"


# --- The uploader's jurisdiction ----------------------------------------------------------------


def test_an_official_creates_an_import_job_for_a_petition_of_the_jurisdiction(collecting, voters, bob):
    upload = SimpleUploadedFile("sheets.csv", (PAPER_HEADER + paper_row(1, 1, voters[10]) + "\n").encode())
    job = paper_import.create_job(petition=collecting, file=upload, actor=bob)
    assert (job.state, job.uploaded_by, job.petition_id) == (JobState.PENDING, bob, collecting.pk)
    assert paper_import.run_job(job.pk).state == JobState.DONE
    assert Signature.objects.get().paper_import_id == job.pk


@pytest.mark.parametrize("persona", ["charlie", "olga"])
def test_no_import_job_is_created_for_a_petition_outside_the_jurisdiction(collecting, voters, persona, request):
    outsider = request.getfixturevalue(persona)
    upload = SimpleUploadedFile("sheets.csv", (PAPER_HEADER + paper_row(1, 1, voters[10]) + "\n").encode())
    with pytest.raises(OutsideJurisdiction):
        paper_import.create_job(petition=collecting, file=upload, actor=outsider)
    assert not PaperImport.objects.exists() and not Signature.objects.exists()


def test_a_job_uploaded_by_an_official_outside_the_jurisdiction_imports_nothing(collecting, voters, charlie):
    job = job_for(collecting, paper_row(1, 1, voters[10]), user=charlie)  # however the row was made
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "outside" in job.errors[0]["error"]
    assert not Signature.objects.exists()
    with pytest.raises(OutsideJurisdiction):
        paper_import.import_sheets(job, io.BytesIO((PAPER_HEADER + paper_row(1, 2, voters[11]) + "\n").encode()))
    assert not Signature.objects.exists()


def test_a_job_whose_uploader_lost_the_district_since_the_upload_imports_nothing(collecting, voters, bob, karaganda):
    upload = SimpleUploadedFile("sheets.csv", (PAPER_HEADER + paper_row(1, 1, voters[10]) + "\n").encode())
    job = paper_import.create_job(petition=collecting, file=upload, actor=bob)  # its task runs after commit
    bob.commission.districts.remove(karaganda)
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "outside" in job.errors[0]["error"]
    assert not Signature.objects.exists()


def test_paper_lines_store_the_names_word_digests_and_match_them(collecting, voters):
    job = job_for(collecting, paper_row(1, 1, voters[10], name="NUMBER VOTER"), paper_row(1, 2, voters[11], name=""))
    paper_import.run_job(job.pk)
    line = Signature.objects.get(sheet_line=1)
    words = crypto.typed_name_digests("NUMBER VOTER", voters[10].personal["iin"])
    assert (line.name_tokens, line.name_near) == (list(words.tokens), list(words.near))
    assert Signature.objects.get(sheet_line=2).name_tokens == []
    verification.verify_all()
    assert dict(Signature.objects.values_list("sheet_line", "state")) == {1: "valid", 2: "invalid"}
