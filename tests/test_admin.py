"""The officials' admin: jurisdiction scoping by persona, transitions with confirmation."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from recall.models import Petition, PetitionState, Voter
from recall.services import lifecycle

from .factories import DeputyFactory, SignatureFactory, make_iin
from .helpers import application, populate

S = PetitionState


@pytest.fixture
def two_petitions(karaganda, almaty, voters, policy):
    k = application(karaganda, voters[:3])
    a_voters = populate(almaty, 30)
    a = application(almaty, a_voters[:3])
    return k, a


def changelist(client, user):
    client.force_login(user)
    return client.get(reverse("admin:recall_petition_changelist"))


def test_the_central_commission_sees_every_petition(client, alice, two_petitions):
    response = changelist(client, alice)
    assert set(response.context["cl"].result_list) == set(two_petitions)


def test_a_territorial_official_sees_only_the_jurisdiction(client, bob, two_petitions):
    response = changelist(client, bob)
    assert list(response.context["cl"].result_list) == [two_petitions[0]]


def test_a_territorial_official_cannot_open_another_commissions_petition(client, bob, two_petitions):
    client.force_login(bob)
    response = client.get(reverse("admin:recall_petition_change", args=[two_petitions[1].pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert two_petitions[1].deputy.full_name not in client.get(response.url).content.decode()


def test_a_territorial_official_cannot_change_another_commissions_petition(client, bob, two_petitions):
    client.force_login(bob)
    other = two_petitions[1]
    client.post(
        reverse("admin:recall_petition_step", args=[other.pk, "refuse"]), {"confirm": "yes", "reason": "not ours"}
    )
    client.post(
        reverse("admin:recall_petition_changelist"),
        {"action": "step_refuse", "_selected_action": [other.pk], "confirm": "yes", "reason": "not ours"},
    )
    assert Petition.objects.get(pk=other.pk).state == S.APPLIED


def test_an_observer_looks_but_cannot_change(client, olga, two_petitions):
    petition = two_petitions[0]
    response = changelist(client, olga)
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2
    assert response.context["action_form"] is None  # no transition actions offered
    assert client.get(reverse("admin:recall_petition_add")).status_code == 403
    page = client.get(reverse("admin:recall_petition_change", args=[petition.pk]))
    assert page.status_code == 200 and "step/refuse" not in page.content.decode()
    client.post(reverse("admin:recall_petition_step", args=[petition.pk, "refuse"]), {"confirm": "yes", "reason": "x"})
    assert Petition.objects.get(pk=petition.pk).state == S.APPLIED


def test_a_step_asks_for_confirmation_then_applies(client, bob, two_petitions):
    petition = two_petitions[0]
    client.force_login(bob)
    url = reverse("admin:recall_petition_step", args=[petition.pk, "register"])
    page = client.get(url)
    assert "Yes, apply it" in page.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == S.APPLIED
    client.post(url, {"confirm": "yes", "reason": "", "window_start": ""})
    assert Petition.objects.get(pk=petition.pk).state == S.COLLECTING


def test_a_refusal_without_a_reason_is_not_applied(client, bob, two_petitions):
    petition = two_petitions[0]
    client.force_login(bob)
    page = client.post(
        reverse("admin:recall_petition_step", args=[petition.pk, "refuse"]), {"confirm": "yes", "reason": ""}
    )
    assert "This field is required" in page.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == S.APPLIED


def test_an_illegal_step_shows_the_reason(client, bob, two_petitions):
    petition = lifecycle.register(two_petitions[0], actor=None)
    client.force_login(bob)
    response = client.post(
        reverse("admin:recall_petition_step", args=[petition.pk, "refuse"]),
        {"confirm": "yes", "reason": "x"},
        follow=True,
    )
    assert "cannot go from “collecting signatures” to “application refused”" in response.content.decode()


def test_bulk_steps_from_the_list_use_the_same_confirmation(client, alice, two_petitions):
    client.force_login(alice)
    data = {"action": "step_refuse", "_selected_action": [p.pk for p in two_petitions]}
    page = client.post(reverse("admin:recall_petition_changelist"), data)
    assert "Yes, apply it" in page.content.decode()
    client.post(reverse("admin:recall_petition_changelist"), {**data, "confirm": "yes", "reason": "Late filing."})
    assert set(Petition.objects.values_list("state", flat=True)) == {S.REFUSED}


def test_an_official_registers_an_application_in_the_admin(client, bob, karaganda, voters):
    deputy = DeputyFactory(district=karaganda)
    client.force_login(bob)
    response = client.post(
        reverse("admin:recall_petition_add"),
        {
            "deputy": deputy.pk,
            "grounds_category": "programme",
            "grounds_text": "No programme item fulfilled.",
            "contact_email": "group@example.kz",
            "initiative_iins": "\n".join(v.personal["iin"] for v in voters[:3]),
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get(deputy=deputy)
    assert petition.initiative_group.count() == 3 and petition.state == S.APPLIED


def test_an_application_form_shows_problems_next_to_the_field(client, bob, karaganda, voters):
    deputy = DeputyFactory(district=karaganda)
    client.force_login(bob)
    response = client.post(
        reverse("admin:recall_petition_add"),
        {"deputy": deputy.pk, "grounds_category": "programme", "grounds_text": "x", "initiative_iins": "791028302727"},
    )
    assert response.status_code == 200
    assert "is not a valid IIN" in str(response.context["adminform"].form.errors["initiative_iins"])


def test_an_official_cannot_pick_another_commissions_deputy(client, bob, almaty, voters):
    deputy = DeputyFactory(district=almaty)
    client.force_login(bob)
    response = client.post(
        reverse("admin:recall_petition_add"),
        {"deputy": deputy.pk, "grounds_category": "programme", "grounds_text": "x", "initiative_iins": "1"},
    )
    assert "deputy" in response.context["adminform"].form.errors
    assert not Petition.objects.filter(deputy=deputy).exists()


def test_signatures_show_the_iin_masked(client, alice, karaganda, voters, policy):
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    signature = SignatureFactory(petition=petition, voter_row=voters[20])
    client.force_login(alice)
    plain = voters[20].personal["iin"]
    for url in [
        reverse("admin:recall_signature_changelist"),
        reverse("admin:recall_signature_change", args=[signature.pk]),
    ]:
        html = client.get(url).content.decode()
        assert plain not in html
        assert "••••••••" + plain[-4:] in html


def test_officials_find_a_voter_by_iin_only_inside_the_jurisdiction(client, bob, charlie, voters):
    plain = voters[0].personal["iin"]
    url = reverse("admin:recall_voter_changelist") + f"?q={plain}"
    client.force_login(bob)
    assert list(client.get(url).context["cl"].result_list) == [voters[0]]
    client.force_login(charlie)
    assert list(client.get(url).context["cl"].result_list) == []


def test_the_register_is_imported_from_the_admin(client, bob, karaganda):
    number = make_iin(1, dt.date(1980, 5, 17))
    upload = io.BytesIO(f"iin,full_name,birth_date,address,district\n{number},Имя,1980-05-17,addr,K-1\n".encode())
    upload.name = "register.csv"
    client.force_login(bob)
    with pytest.MonkeyPatch.context() as mp:
        from django.db import transaction

        mp.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())
        response = client.post(reverse("admin:recall_registerimport_add"), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Voter.objects.count() == 1
    from recall.models import RegisterImport

    job = RegisterImport.objects.get()
    assert (job.state, job.created_count, job.uploaded_by) == ("done", 1, bob)


def test_the_audit_log_cannot_be_changed(client, alice, two_petitions):
    lifecycle.refuse(two_petitions[0], actor=alice, reason="late")
    client.force_login(alice)
    entry = two_petitions[0].audit_entries.first()
    page = client.get(reverse("admin:recall_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:recall_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:recall_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
