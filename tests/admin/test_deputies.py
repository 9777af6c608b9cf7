"""The admin's deputy tools: the deputy's account, and the answer entered on the deputy's behalf."""

from __future__ import annotations

from django.core import mail

from accounts.models import Role, User
from recall.models import AddressChangeState, DeputyAddressChange, DeputyAnswer


def confirm_in_the_admin(client, official, url, django_capture_on_commit_callbacks):
    """``official`` confirms the address awaiting confirmation on the deputy's account page."""
    client.force_login(official)
    change = DeputyAddressChange.objects.get(state=AddressChangeState.PENDING)
    page = client.get(url).content.decode()
    assert 'name="confirm"' in page
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"confirm": "1", "change": change.pk}, follow=True).content.decode()


def test_an_official_creates_the_deputys_account_from_the_deputy_page(
    client, bob, alice, collecting, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    page = client.get(f"/admin/recall/deputy/{collecting.deputy_id}/change/").content.decode()
    url = f"/admin/recall/deputy/{collecting.deputy_id}/account/"
    assert url in page
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"email": "deputy@mazhilis.kz"}).content.decode()
    user = User.objects.get(role=Role.DEPUTY)
    assert user.deputy_id == collecting.deputy_id
    assert mail.outbox == [] and "awaits confirmation" in page  # nothing before a central official confirms
    confirm_in_the_admin(client, alice, url, django_capture_on_commit_callbacks)
    # Only the deputy gets the link: whoever opens it sets the password and the second factor.
    assert mail.outbox[-1].to == ["deputy@mazhilis.kz"] and "/deputy/password/" in mail.outbox[-1].body
    client.force_login(bob)
    again = client.post(url, {"email": "other@mazhilis.kz"}).content.decode()
    assert "/deputy/password/" not in again
    assert "The deputy has an account (deputy@mazhilis.kz)." in again
    assert User.objects.filter(role=Role.DEPUTY).count() == 1


def test_an_official_outside_the_district_cannot_create_the_account(client, charlie, collecting):
    client.force_login(charlie)
    response = client.post(f"/admin/recall/deputy/{collecting.deputy_id}/account/", {"email": "d@mazhilis.kz"})
    assert response.status_code == 302 and not User.objects.filter(role=Role.DEPUTY).exists()


def test_an_official_enters_the_answer_on_the_deputys_behalf(client, bob, collecting):
    client.force_login(bob)
    page = client.get(f"/admin/recall/petition/{collecting.pk}/change/").content.decode()
    url = f"/admin/recall/petition/{collecting.pk}/answer/"
    assert url in page
    response = client.post(url, {"text_ru": "Ответ депутата письмом.", "text_kk": "", "text_en": ""})
    assert response.status_code == 302
    answer = DeputyAnswer.objects.get()
    assert (answer.version, answer.on_behalf, answer.author, answer.texts) == (
        1,
        True,
        bob,
        {"ru": "Ответ депутата письмом."},
    )
    page = client.post(url, {"text_ru": ""}).content.decode()
    assert "Write the answer in at least one language." in page and DeputyAnswer.objects.count() == 1


def test_an_observer_enters_no_answer(client, olga, collecting):
    client.force_login(olga)
    response = client.post(f"/admin/recall/petition/{collecting.pk}/answer/", {"text_ru": "x"})
    assert response.status_code == 302 and not DeputyAnswer.objects.exists()


def test_the_user_admin_offers_no_deputy_role_and_keeps_a_deputys_account_a_deputys(client, alice, collecting):
    from recall.services.groups import deputies

    user = deputies.create_account(collecting.deputy, actor=alice, email="d@mazhilis.kz").user
    client.force_login(alice)
    add_form = client.get("/admin/accounts/user/add/").context["adminform"].form
    assert Role.DEPUTY not in dict(add_form.fields["role"].choices)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    assert not {"role", "commission", "is_staff"} & set(form.fields)
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({"username": user.username, "email": "new@mazhilis.kz", "is_active": "on"})
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "10:00:00", "role": Role.OFFICIAL})
    client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    user.refresh_from_db()
    assert (user.role, user.deputy_id, user.is_staff) == (Role.DEPUTY, collecting.deputy_id, False)


def test_answers_and_by_elections_are_listed_read_only(client, bob, collecting):
    from recall.services.groups import deputies

    deputies.publish_answer(collecting, actor=bob, texts={"ru": "x", "kk": "y"})
    client.force_login(bob)
    page = client.get("/admin/recall/deputyanswer/").content.decode()
    assert "kk, ru" in page
    assert client.get("/admin/recall/deputyanswer/add/").status_code == 403
    assert client.get("/admin/recall/byelection/").status_code == 200


def test_an_official_sends_a_new_link_from_the_account_page(
    client, bob, alice, collecting, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    url = f"/admin/recall/deputy/{collecting.deputy_id}/account/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "deputy@mazhilis.kz"})
    confirm_in_the_admin(client, alice, url, django_capture_on_commit_callbacks)
    client.force_login(bob)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"reset": "1"}, follow=True).content.decode()
    # The link, and the notice of the reset, both to the address on record.
    assert len(mail.outbox) == sent + 2 and {m.to[0] for m in mail.outbox[sent:]} == {"deputy@mazhilis.kz"}
    assert "/deputy/password/" not in page  # the link goes to the deputy only


def test_the_official_who_proposed_is_not_offered_the_confirmation(
    client, bob, alice, collecting, django_capture_on_commit_callbacks
):
    url = f"/admin/recall/deputy/{collecting.deputy_id}/account/"
    client.force_login(alice)
    client.post(url, {"email": "alice@example.kz"})
    assert 'name="confirm"' not in client.get(url).content.decode()
    change = DeputyAddressChange.objects.get()
    page = client.post(url, {"confirm": "1", "change": change.pk}).content.decode()
    assert "A second official must confirm" in page
    client.force_login(bob)  # a regional official is not offered it either, and is refused
    assert 'name="confirm"' not in client.get(url).content.decode()
    client.post(url, {"confirm": "1", "change": change.pk})
    assert DeputyAddressChange.objects.get().state == AddressChangeState.PENDING and mail.outbox == []


def test_the_user_admin_sets_neither_a_deputys_address_nor_its_password(
    client, bob, alice, collecting, django_capture_on_commit_callbacks
):
    from tests.helpers import deputy_account

    user = deputy_account(collecting.deputy, proposer=bob, confirmer=alice).user
    client.force_login(alice)
    form = client.get(f"/admin/accounts/user/{user.pk}/change/").context["adminform"].form
    assert "email" not in form.fields
    assert client.get(f"/admin/accounts/user/{user.pk}/password/").status_code == 403
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/", {"password1": "x-Long-pass-2026", "password2": "x-Long-pass-2026"}
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.email == "deputy@mazhilis.kz" and not user.has_usable_password()


def test_the_central_commission_lists_the_addresses_awaiting_confirmation(client, bob, alice, collecting):
    from recall.services.groups import deputies

    deputies.create_account(collecting.deputy, actor=bob, email="deputy@mazhilis.kz")
    client.force_login(alice)
    page = client.get("/admin/recall/deputyaddresschange/").content.decode()
    assert "deputy@mazhilis.kz" in page and f"/admin/recall/deputy/{collecting.deputy_id}/account/" in page
