"""Background imports run exactly once (recall.services.jobs.uploads)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from recall.models import JobState, PaperImport
from recall.services.jobs import uploads


def test_a_transient_database_error_leaves_the_job_for_the_retry(collecting):
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", b"x"))

    def failing(job, stream, progress):
        raise OperationalError("connection lost")

    with pytest.raises(OperationalError):
        uploads.run(PaperImport, job.pk, failing)
    job.refresh_from_db()
    assert job.state == JobState.PENDING and job.file.name  # the retry finds it and its file
