"""Logins nobody can take over: only a superuser changes a superuser or grants admin rights,
every change to who may do what is in the audit log, wrong passwords lock the account and the
address (django-axes) until the lock ends or the central commission unlocks it, and idle
sessions end."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from recall.models import AuditEntry
from tests.factories import UserFactory

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def root(central):
    return UserFactory(username="root", commission=central, is_superuser=True)


def login(client, username, password, address="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_central_official_cannot_set_the_superusers_password(client, alice, root):
    client.force_login(alice)
    before = User.objects.get(pk=root.pk).password
    form = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))
    posted = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "taken-over-2026", "password2": "taken-over-2026"},
    )
    changed = client.post(
        reverse("admin:accounts_user_change", args=[root.pk]), {"username": "root", "email": "x@y.kz"}
    )
    assert (form.status_code, posted.status_code, changed.status_code) == (403, 403, 403)
    assert User.objects.get(pk=root.pk).password == before
    assert not User.objects.get(pk=root.pk).check_password("taken-over-2026")


def test_a_central_official_cannot_grant_admin_rights(client, alice, bob):
    User.objects.filter(pk=bob.pk).update(is_staff=False)
    client.force_login(alice)
    page = client.get(reverse("admin:accounts_user_change", args=[bob.pk])).content.decode()
    assert 'name="is_staff"' not in page and 'name="is_superuser"' not in page
    client.post(
        reverse("admin:accounts_user_change", args=[bob.pk]),
        {
            "username": "bob",
            "commission": bob.commission_id,
            "role": "official",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00",
        },
    )
    bob = User.objects.get(pk=bob.pk)
    assert not bob.is_staff and not bob.is_superuser


def test_a_superuser_may_change_a_superuser_and_the_change_is_audited(client, root, central):
    other = UserFactory(username="root2", commission=central, is_superuser=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[other.pk]),
        {"password1": "a-new-password-2026", "password2": "a-new-password-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=other.pk).check_password("a-new-password-2026")
    entry = AuditEntry.objects.get(action="admin.changed", object_id=str(other.pk))
    assert entry.actor == root and entry.object_type == "accounts.user"
    assert "a-new-password-2026" not in str(entry.details)


def test_changes_to_policies_and_commissions_are_in_the_audit_log(client, alice, policy, bob):
    client.force_login(alice)
    commission = bob.commission
    response = client.post(
        reverse("admin:accounts_commission_change", args=[commission.pk]),
        {
            "name": "Karaganda Regional Commission",
            "email": "krg@example.kz",
            "districts": list(commission.districts.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.changed", object_type="accounts.commission")
    assert entry.actor == alice and entry.details["change"][0]["changed"]["fields"]


def test_revoking_a_key_is_in_the_audit_log(client, alice):
    from tests.factories import api_key

    key, _raw = api_key()
    client.force_login(alice)
    client.post(reverse("admin:accounts_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]})
    assert AuditEntry.objects.get(action="api_key.revoked").actor == alice


def test_wrong_passwords_lock_the_account_until_the_central_commission_unlocks_it(client, bob, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    answers = [login(client, "bob", f"guess-{i}").status_code for i in range(50)]
    right = login(client, "bob", "pw")
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}  # the form again, then locked
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert "locked" in right.content.decode()
    # The account is locked from another address too, and this address for another account.
    assert login(client, "bob", "pw", address="198.51.100.7").status_code == 429
    assert login(client, "charlie-not-here", "pw").status_code == 429

    admin = client.__class__()
    admin.force_login(alice)
    page = admin.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "bob" in page
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post(reverse("admin:axes_accessattempt_changelist"), {"action": "unlock", "_selected_action": attempts})
    assert AuditEntry.objects.filter(action="login.unlocked", actor=alice).exists()
    assert login(client, "bob", "pw").status_code == 302  # signed in


def test_only_the_central_commission_sees_failed_logins(client, bob):
    login(client, "bob", "wrong")
    client.force_login(bob)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_the_lock_ends_by_itself_after_the_cool_off(client, bob, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for i in range(3):
        login(client, "bob", f"guess-{i}")
    assert login(client, "bob", "pw").status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=5)):
        assert login(client, "bob", "pw").status_code == 302


def test_an_idle_session_ends(client, bob, settings):
    client.force_login(bob)
    start = timezone.now()
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(start + idle - dt.timedelta(minutes=1)):
        assert client.get("/admin/").status_code == 200  # in use: renewed
    with time_machine.travel(start + 2 * idle - dt.timedelta(minutes=2)):
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(start + 3 * idle):
        assert client.get("/admin/").status_code == 302  # idle too long: back to the login page


def test_sessions_longer_than_eight_hours_are_refused_by_the_checks(settings):
    settings.SESSION_COOKIE_AGE = 9 * 3600
    with pytest.raises(SystemCheckError, match="recall.E003"):
        call_command("check")


def test_a_key_created_in_the_admin_is_in_the_audit_log_by_its_prefix(client, alice):
    from tests.factories import ApiClientFactory

    partner = ApiClientFactory()
    client.force_login(alice)
    response = client.post(
        reverse("admin:accounts_apikey_add"), {"client": partner.pk, "name": "main", "scopes": ["read", "sign"]}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.added")
    assert entry.actor == alice and entry.details["client"] == partner.pk and len(entry.details["key"]) == 8


@pytest.mark.parametrize(("language", "text"), [("kk", "Кіру бұғатталды"), ("ru", "Вход заблокирован")])
def test_the_lock_is_explained_in_the_officials_language(client, bob, settings, language, text):
    settings.AXES_FAILURE_LIMIT = 2
    for i in range(2):
        client.post(LOGIN, {"username": "bob", "password": f"x{i}"}, HTTP_ACCEPT_LANGUAGE=language)
    page = client.post(LOGIN, {"username": "bob", "password": "pw"}, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 429 and text in page.content.decode()


def test_the_shipped_limit_locks_at_the_fifth_wrong_password(client, bob):
    # No override here: the limit config/settings/base.py ships (the README's default, 5).
    answers = [login(client, "bob", f"guess-{i}").status_code for i in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert login(client, "bob", "pw").status_code == 429
