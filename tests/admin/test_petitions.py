"""The petitions in the officials' admin: jurisdiction scoping by persona, applications, edits,
steps with confirmation."""

import pytest
from django.urls import reverse

from recall.models import Petition, PetitionState
from recall.services import lifecycle, verification
from tests.factories import DeputyFactory, SignatureFactory
from tests.helpers import application, populate


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
    assert response.status_code == 302
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert two_petitions[1].deputy.full_name not in page
    # What is true: outside the jurisdiction or no such record; nothing is ever deleted.
    assert "Perhaps it was deleted" not in page and "Возможно, оно было удалено" not in page
    assert f"No. {two_petitions[1].pk}" in page or f"№ {two_petitions[1].pk}" in page


def test_a_territorial_official_cannot_change_another_commissions_petition(client, bob, two_petitions):
    client.force_login(bob)
    other = two_petitions[1]
    step = client.post(
        reverse("admin:recall_petition_step", args=[other.pk, "refuse"]),
        {"confirm": "yes", "reason": "not ours"},
        follow=True,
    )
    assert step.redirect_chain[-1][0] == reverse("admin:recall_petition_changelist")
    assert "No such petition or step." in step.content.decode()
    bulk = client.post(
        reverse("admin:recall_petition_changelist"),
        {"action": "step_refuse", "_selected_action": [other.pk], "confirm": "yes", "reason": "not ours"},
        follow=True,
    )
    assert "done for" not in bulk.content.decode()
    assert Petition.objects.get(pk=other.pk).state == PetitionState.APPLIED
    assert not other.transitions.exists()


def test_an_observer_looks_but_cannot_change(client, olga, two_petitions):
    petition = two_petitions[0]
    response = changelist(client, olga)
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2
    assert response.context["action_form"] is None  # no transition actions offered
    assert client.get(reverse("admin:recall_petition_add")).status_code == 403
    page = client.get(reverse("admin:recall_petition_change", args=[petition.pk]))
    assert page.status_code == 200 and "step/refuse" not in page.content.decode()
    refused = client.post(
        reverse("admin:recall_petition_step", args=[petition.pk, "refuse"]),
        {"confirm": "yes", "reason": "x"},
        follow=True,
    )
    assert "Your account may look at records but not change them." in refused.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.APPLIED
    assert not petition.transitions.exists()


def test_a_step_asks_for_confirmation_then_applies(client, bob, two_petitions):
    petition = two_petitions[0]
    client.force_login(bob)
    url = reverse("admin:recall_petition_step", args=[petition.pk, "register"])
    page = client.get(url)
    assert "Yes, apply it" in page.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.APPLIED
    client.post(url, {"confirm": "yes", "reason": "", "window_start": ""})
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.COLLECTING


def test_a_refusal_without_a_reason_is_not_applied(client, bob, two_petitions):
    petition = two_petitions[0]
    client.force_login(bob)
    page = client.post(
        reverse("admin:recall_petition_step", args=[petition.pk, "refuse"]), {"confirm": "yes", "reason": ""}
    )
    assert "This field is required" in page.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.APPLIED


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
    assert set(Petition.objects.values_list("state", flat=True)) == {PetitionState.REFUSED}


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
    assert petition.initiative_group.count() == 3 and petition.state == PetitionState.APPLIED


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
    assert response.status_code == 200 and "deputy" in response.context["adminform"].form.errors
    assert not Petition.objects.filter(deputy=deputy).exists()


def test_editing_a_petition_in_the_admin_keeps_the_workers_counts(client, bob, collecting, voters):
    client.force_login(bob)
    url = reverse("admin:recall_petition_change", args=[collecting.pk])
    form = client.get(url).context["adminform"].form
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()  # the workers write while the official edits
    data = {
        **form.initial,
        "contact_email": "group@example.kz",
        "initiative_group-TOTAL_FORMS": 0,
        "initiative_group-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": 0,
        "transitions-INITIAL_FORMS": 0,
    }
    data = {k: v for k, v in data.items() if v is not None}
    client.post(url, data)
    collecting.refresh_from_db()
    assert collecting.contact_email == "group@example.kz"
    assert collecting.valid_count == 1
    assert collecting.audit_entries.filter(action="petition.details_changed", actor=bob).exists()
