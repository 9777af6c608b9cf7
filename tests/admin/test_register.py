"""The voter register in the officials' admin: finding a voter, importing a file."""

import datetime as dt
import io

import pytest
from django.db import transaction
from django.urls import reverse

from recall.models import RegisterImport, Voter
from tests.factories import make_iin


def test_officials_find_a_voter_by_iin_only_inside_the_jurisdiction(client, bob, charlie, voters):
    # The search posts the IIN and the result's address carries its digest, never the IIN.
    plain = voters[0].personal["iin"]
    changelist = reverse("admin:recall_voter_changelist")
    client.force_login(bob)
    found = client.post(changelist, {"q": plain, "iin_search": "Search"}, follow=True)
    assert list(found.context["cl"].result_list) == [voters[0]]
    client.force_login(charlie)
    assert (
        list(client.post(changelist, {"q": plain, "iin_search": "Search"}, follow=True).context["cl"].result_list) == []
    )


def test_the_register_is_imported_from_the_admin(client, bob, karaganda):
    number = make_iin(1, dt.date(1980, 5, 17))
    upload = io.BytesIO(f"iin,full_name,birth_date,address,district\n{number},Имя,1980-05-17,addr,K-1\n".encode())
    upload.name = "register.csv"
    client.force_login(bob)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())
        response = client.post(reverse("admin:recall_registerimport_add"), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Voter.objects.count() == 1
    job = RegisterImport.objects.get()
    assert (job.state, job.created_count, job.uploaded_by) == ("done", 1, bob)


def test_a_register_file_over_the_size_limit_is_refused_on_the_form_with_its_size(client, bob, karaganda, settings):
    settings.RECALL_REGISTER_UPLOAD_MAX_MB = 1
    number = make_iin(1, dt.date(1980, 5, 17))
    line = f"{number},Имя,1980-05-17,addr,K-1\n"
    upload = io.BytesIO(("iin,full_name,birth_date,address,district\n" + line * 30_000).encode())
    upload.name = "register.csv"
    client.force_login(bob)
    response = client.post(reverse("admin:recall_registerimport_add"), {"file": upload})
    assert response.status_code == 200
    assert "at most 1 MB is accepted" in response.content.decode()
    assert not RegisterImport.objects.exists()
