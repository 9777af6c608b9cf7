"""The officials' review pages: the queue, the decision page, bulk invalidation by criteria."""

import pytest
from django.urls import reverse

from recall.models import Petition, Signature
from recall.services import verification
from tests.factories import SignatureFactory, VoterFactory


@pytest.fixture
def in_review(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Someone Else")
    verification.verify_all()
    signature.refresh_from_db()
    return signature


@pytest.fixture
def sheets(collecting, voters):
    for i, voter in enumerate(voters[10:20]):
        SignatureFactory(
            petition=collecting,
            voter_row=voter,
            channel="paper",
            sheet_number=1 + i // 5,
            sheet_line=1 + i % 5,
            collector="Aliya" if i < 5 else "Bolat",
        )
    verification.verify_all()
    return collecting


def test_the_queue_shows_the_register_record_beside_the_entry(client, bob, in_review, voters):
    client.force_login(bob)
    queue = client.get(reverse("admin:recall_reviewqueue_changelist")).content.decode()
    assert "Someone Else" in queue and voters[10].personal["full_name"] in queue
    page = client.get(reverse("admin:recall_signature_decide", args=[in_review.pk])).content.decode()
    assert "In the voter register" in page and voters[10].personal["full_name"] in page
    assert voters[10].personal["iin"] not in page
    response = client.post(reverse("admin:recall_signature_decide", args=[in_review.pk]), {"decision": "valid"})
    assert response.status_code == 302
    assert Signature.objects.get(pk=in_review.pk).state == "valid"


def test_the_queue_is_scoped_and_observers_cannot_decide(client, charlie, olga, in_review):
    url = reverse("admin:recall_signature_decide", args=[in_review.pk])
    client.force_login(charlie)
    assert list(client.get(reverse("admin:recall_reviewqueue_changelist")).context["cl"].result_list) == []
    refused = client.post(url, {"decision": "valid"}, follow=True)
    assert "No such signature in your jurisdiction." in refused.content.decode()
    client.force_login(olga)
    looked = client.post(url, {"decision": "valid"})
    assert looked.status_code == 200 and not looked.context["can_act"]
    in_review.refresh_from_db()
    assert (in_review.state, in_review.decided_by, in_review.decided_at) == ("review", None, None)


def test_bulk_invalidation_in_the_admin_previews_first(client, bob, sheets, django_capture_on_commit_callbacks):
    client.force_login(bob)
    url = reverse("admin:recall_petition_invalidate", args=[sheets.pk])
    data = {"collector": "Aliya", "ground": "forgery", "note": "Forged"}
    preview = client.post(url, data)
    assert "5 signatures match" in preview.content.decode()
    assert Petition.objects.get(pk=sheets.pk).invalid_count == 0
    with django_capture_on_commit_callbacks(execute=True):  # the job, run by the (eager) worker
        done = client.post(url, {**data, "expected": 5, "confirm": "yes"})
    assert "/admin/recall/petitionjob/" in done["Location"]
    assert Petition.objects.get(pk=sheets.pk).invalid_count == 5


def test_admin_pages_with_odd_parameters_do_not_fail(client, alice, collecting, voters):
    client.force_login(alice)
    assert client.get("/admin/recall/petition/abc/change/").status_code in (302, 404)
    signature = SignatureFactory(petition=collecting, voter_row=voters[10])
    for value in ("abc", "1.5", "9" * 30):
        url = reverse("admin:recall_signature_decide", args=[signature.pk]) + f"?sample_item={value}"
        assert client.get(url).status_code == 200
    page = client.post(
        reverse("admin:recall_petition_invalidate", args=[collecting.pk]),
        {"ground": "forgery", "note": "x", "received_from": "0001-01-01 00:00"},
    )
    assert page.status_code == 200 and "between 2000 and 2100" in page.content.decode()


def test_the_decision_page_shows_which_parts_of_the_name_matched(client, bob, collecting, karaganda):
    voter = VoterFactory(district=karaganda, full_name="Есенов Арман Даниярович")
    signature = SignatureFactory(petition=collecting, voter_row=voter, full_name="Есенов Арсен Даниярович")
    verification.verify_all()
    client.force_login(bob)
    page = client.get(reverse("admin:recall_signature_decide", args=[signature.pk])).content.decode()
    assert "The name compared with the register" in page
    assert 'data-part-outcome="exact"><th scope="row">Surname</th><td>matched</td>' in page
    assert 'class="differs" data-part-outcome="different"><th scope="row">Given name</th>' in page
    assert '<th scope="row">Patronymic</th><td>matched</td>' in page
    assert "1 entered word is not part of the name in the register." in page


def test_the_decision_page_shows_the_parts_in_kazakh_and_russian(client, bob, collecting, karaganda):
    voter = VoterFactory(district=karaganda, full_name="Есенов Арман Даниярович")
    signature = SignatureFactory(petition=collecting, voter_row=voter, full_name="Есенов Арман Данияровч")
    verification.verify_all()  # valid: the page shows the same rule over the stored digests
    client.force_login(bob)
    url = reverse("admin:recall_signature_decide", args=[signature.pk])
    kazakh = client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Тегі" in kazakh and "бір әріп қатесімен сәйкес келді" in kazakh
    assert "Фамилия" in russian and "совпало с опечаткой в одну букву" in russian
