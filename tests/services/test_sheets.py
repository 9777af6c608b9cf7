"""Numbered paper sheets issued to the group's collectors (recall.services.groups.sheets) and the
paper import that knows them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pyhanko.pdf_utils.reader import PdfFileReader

from recall.errors import InvalidInput, PolicyViolation
from recall.models import GroupDraft, GroupDraftMember, JobState, PaperImport, Signature
from recall.services.groups import sheets
from recall.services.verification import paper_import

from ..helpers import PAPER_HEADER, paper_row


@pytest.fixture
def member(collecting, voters):
    draft = GroupDraft.objects.create(deputy=collecting.deputy, grounds_category="lost_trust", grounds={"kk": "x"})
    GroupDraft.objects.filter(pk=draft.pk).update(petition=collecting)
    return GroupDraftMember.objects.select_related("draft__petition").get(
        pk=GroupDraftMember.objects.create(draft=draft, voter=voters[0], is_leader=True).pk
    )


def job_for(petition, *lines):
    content = (PAPER_HEADER + "\n".join(lines) + "\n").encode()
    return PaperImport.objects.create(petition=petition, file=SimpleUploadedFile("sheets.csv", content))


def test_batches_are_numbered_one_after_another(member):
    first = sheets.issue_batch(member, collector="Aliya", count=3)
    second = sheets.issue_batch(member, collector="Bolat", count=2)
    assert (first.first_number, first.last_number, second.first_number, second.last_number) == (1, 3, 4, 5)


def test_a_batch_needs_a_collector_and_a_sensible_count(member):
    with pytest.raises(InvalidInput):
        sheets.issue_batch(member, collector=" ", count=3)
    with pytest.raises(InvalidInput):
        sheets.issue_batch(member, collector="Aliya", count=0)


def test_no_sheets_before_registration(applied, voters):
    draft = GroupDraft.objects.create(deputy=applied.deputy, grounds_category="lost_trust", grounds={"kk": "x"})
    GroupDraft.objects.filter(pk=draft.pk).update(petition=applied)
    member = GroupDraftMember.objects.create(draft=draft, voter=voters[0], is_leader=True)
    member.draft.refresh_from_db()
    with pytest.raises(PolicyViolation):
        sheets.issue_batch(member, collector="Aliya", count=1)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_pdf_has_a_page_per_sheet(member, language):
    batch = sheets.issue_batch(member, collector="Aliya", count=2)
    reader = PdfFileReader(io.BytesIO(sheets.batch_pdf(batch, language=language)))
    assert reader.root["/Pages"]["/Count"] == 2


@pytest.mark.parametrize(("language", "iin"), [("kk", "ЖСН"), ("ru", "ИИН")])
def test_the_columns_are_the_fields_the_law_asks_for_in_the_sheet_language(language, iin):
    with translation.override(language):
        columns = sheets.sheet_columns()
    assert len(columns) == 7 and iin in columns


def test_the_qr_code_names_the_petition_and_the_sheet(member):
    assert sheets.qr_payload(member.draft.petition_id, 12).endswith(f"/petitions/{member.draft.petition_id}/?sheet=12")


def test_sheets_are_printed_in_kazakh_or_russian_only(member):
    batch = sheets.issue_batch(member, collector="Aliya", count=1)
    with pytest.raises(InvalidInput):
        sheets.batch_pdf(batch, language="en")


def test_the_import_takes_the_collector_from_the_batch(member, voters):
    sheets.issue_batch(member, collector="Aliya", count=1)
    sheets.issue_batch(member, collector="Bolat", count=1)
    job = paper_import.run_job(job_for(member.draft.petition, paper_row(2, 1, voters[10], collector="")).pk)
    assert job.state == JobState.DONE
    assert Signature.objects.get().collector == "Bolat"


def test_the_import_refuses_a_sheet_number_never_issued(member, voters):
    sheets.issue_batch(member, collector="Aliya", count=1)
    job = paper_import.run_job(job_for(member.draft.petition, paper_row(7, 1, voters[10])).pk)
    assert job.state == JobState.FAILED
    assert "sheet 7 was never issued" in job.errors[0]["error"]
    assert not Signature.objects.exists()
