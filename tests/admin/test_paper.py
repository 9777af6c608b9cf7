"""Paper-sheet uploads in the officials' admin."""

import io

from django.urls import reverse

from recall.models import JobState, PaperImport, Signature
from recall.services import lifecycle
from tests.helpers import PAPER_HEADER, application, paper_row, populate


def upload_of(*lines: str) -> io.BytesIO:
    upload = io.BytesIO((PAPER_HEADER + "\n".join(lines) + "\n").encode())
    upload.name = "sheets.csv"
    return upload


def test_officials_upload_sheets_in_the_admin(client, bob, collecting, voters, django_capture_on_commit_callbacks):
    client.force_login(bob)
    upload = upload_of(paper_row(1, 1, voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:recall_paperimport_add"), {"petition": collecting.pk, "file": upload})
    assert response.status_code == 302
    job = PaperImport.objects.get()
    assert (job.state, job.uploaded_by) == (JobState.DONE, bob)
    assert Signature.objects.get().state == "valid"  # verified in-process after the import
    page = client.get(reverse("admin:recall_paperimport_change", args=[job.pk])).content.decode()
    assert "100%" in page


def test_an_official_cannot_upload_sheets_for_another_commissions_petition(
    client, bob, almaty, policy, django_capture_on_commit_callbacks
):
    almaty_voters = populate(almaty, 30)
    theirs = lifecycle.register(application(almaty, almaty_voters[:3]), actor=None)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:recall_paperimport_add"),
            {"petition": theirs.pk, "file": upload_of(paper_row(1, 1, almaty_voters[10]))},
        )
    assert response.status_code == 200 and "petition" in response.context["adminform"].form.errors
    assert not PaperImport.objects.exists() and not Signature.objects.exists()
