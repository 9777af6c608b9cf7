"""Paper signature sheets: import, bad lines, repeats, and the same verification as the web."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from recall.models import JobState, PaperImport, Petition, Signature
from recall.services import paper_import, signing, verification

from .factories import make_iin

HEADER = "sheet,line,iin,full_name,birth_date,address,signed_on,collector\n"


def row(sheet, line, voter=None, *, iin=None, name=None, birth=None, address="addr", on=None, collector="Aliya"):
    p = voter.personal if voter else {}
    on = timezone.localdate().isoformat() if on is None else on
    return (
        f"{sheet},{line},{iin if iin is not None else p.get('iin', '')},{name if name is not None else p.get('full_name', '')},"
        f"{birth if birth is not None else p.get('birth_date', '')},{address},{on},{collector}"
    )


def job_for(petition, *lines, user=None):
    content = (HEADER + "\n".join(lines) + "\n").encode()
    return PaperImport.objects.create(
        petition=petition, file=SimpleUploadedFile("sheets.csv", content), uploaded_by=user
    )


def test_sheets_are_imported_and_verified_like_web_signatures(collecting, voters, almaty):
    bad_checksum = voters[12].personal["iin"][:11] + str((int(voters[12].personal["iin"][11]) + 1) % 10)
    job = job_for(
        collecting,
        row(1, 1, voters[10]),
        row(1, 2, voters[11], name="Someone Else"),
        row(1, 3, voters[12], iin=bad_checksum),
        row(1, 4, voters[13], address=""),
        row(2, 1, iin=make_iin(8888), name="Stranger", birth="1980-01-01"),
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
        row(1, 1, voters[10]),
        row("x", 2, voters[11]),
        row(1, 1, voters[12]),
        row(1, 4, voters[13], on="31.02.2026"),
        row(1, 5, voters[14], on=""),
    )
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED
    assert [e["line"] for e in job.errors] == [3, 4, 5, 6]
    assert "appears twice" in job.errors[1]["error"]
    assert not Signature.objects.exists()


def test_a_voter_who_signed_elsewhere_is_stored_as_a_repeat(collecting, voters):
    signing.sign_on_web(
        collecting.pk,
        signing.check_signer(
            iin=voters[10].personal["iin"],
            full_name=voters[10].personal["full_name"],
            birth_date=dt.date.fromisoformat(voters[10].personal["birth_date"]),
            address="x",
            phone="+77011234567",
        ),
    )
    job = paper_import.run_job(
        job_for(collecting, row(1, 1, voters[10]), row(1, 2, voters[11]), row(1, 3, voters[11])).pk
    )
    assert (job.imported_count, job.duplicate_count) == (3, 2)
    verification.verify_all()
    assert Signature.objects.filter(ground="duplicate").count() == 2


def test_sheet_lines_already_imported_are_bad_lines(collecting, voters):
    paper_import.run_job(job_for(collecting, row(1, 1, voters[10])).pk)
    job = paper_import.run_job(job_for(collecting, row(1, 1, voters[11])).pk)
    assert job.state == JobState.FAILED and "appears twice" in job.errors[0]["error"]


def test_a_paper_signature_dated_outside_the_window_is_invalid(collecting, voters):
    before = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    paper_import.run_job(job_for(collecting, row(1, 1, voters[10], on=before)).pk)
    verification.verify_all()
    assert Signature.objects.get().ground == "outside_window"


def test_a_paper_signature_of_the_first_day_counts(collecting, voters):
    signed_at = paper_import.paper_signed_at(timezone.localdate(), collecting)
    assert collecting.window_start <= signed_at < collecting.window_end


def test_a_run_job_is_claimed_once(collecting, voters):
    job = job_for(collecting, row(1, 1, voters[10]))
    assert paper_import.run_job(job.pk).state == JobState.DONE
    assert paper_import.run_job(job.pk) is None
    assert Signature.objects.count() == 1


def test_a_closed_petition_takes_no_sheets(collecting, voters):
    Petition.objects.filter(pk=collecting.pk).update(state="expired")
    job = paper_import.run_job(job_for(collecting, row(1, 1, voters[10])).pk)
    assert job.state == JobState.FAILED and "accepted while" in job.errors[0]["error"]


def test_officials_upload_sheets_in_the_admin(client, bob, collecting, voters, django_capture_on_commit_callbacks):
    client.force_login(bob)
    upload = io.BytesIO((HEADER + row(1, 1, voters[10]) + "\n").encode())
    upload.name = "sheets.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:recall_paperimport_add"), {"petition": collecting.pk, "file": upload})
    assert response.status_code == 302
    job = PaperImport.objects.get()
    assert (job.state, job.uploaded_by) == (JobState.DONE, bob)
    assert Signature.objects.get().state == "valid"  # verified in-process after the import
    page = client.get(reverse("admin:recall_paperimport_change", args=[job.pk])).content.decode()
    assert "100%" in page


def test_missing_columns_fail_the_job(collecting):
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("x.csv", b"sheet,line,iin\n1,1,1\n"))
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "missing columns" in job.errors[0]["error"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
