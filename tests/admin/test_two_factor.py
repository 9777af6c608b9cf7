"""The officials' second factor (accounts.two_factor): with RECALL_ADMIN_TWO_FACTOR on, the
password alone opens nothing; an official sets up an authenticator once, then signs in with
its codes or with a recovery code (each works once); the central commission resets it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recall.models import AuditEntry

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.RECALL_ADMIN_TWO_FACTOR = True


def code_of(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def sign_in(client, token=""):
    return client.post(LOGIN, {"username": "bob", "password": "pw", "otp_token": token})


def set_up(client) -> list[str]:
    assert sign_in(client).url == reverse("admin:two_factor_setup")
    client.get(reverse("admin:two_factor_setup"))
    device = TOTPDevice.objects.get(user__username="bob")
    page = client.post(reverse("admin:two_factor_setup"), {"otp_token": code_of(device)})
    assert page.status_code == 200
    return page.context["codes"]


def test_the_password_alone_leads_only_to_the_set_up(client, bob):
    response = sign_in(client)
    assert response.url == reverse("admin:two_factor_setup")
    assert client.get("/admin/").status_code == 302  # the workspace stays closed
    page = client.get(reverse("admin:two_factor_setup")).content.decode()
    assert "data:image/svg+xml" in page and "otpauth" not in page  # the secret is in the QR code


def test_setting_up_gives_ten_recovery_codes_and_opens_the_workspace(client, bob):
    codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=bob).confirmed
    assert AuditEntry.objects.filter(action="two_factor.enrolled", actor=bob).exists()


def test_a_wrong_code_does_not_set_it_up(client, bob):
    sign_in(client)
    client.get(reverse("admin:two_factor_setup"))
    page = client.post(reverse("admin:two_factor_setup"), {"otp_token": "000000"})
    assert "not valid" in page.content.decode() and not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get("/admin/").status_code == 302


def test_once_set_up_the_password_needs_a_code(client, bob):
    set_up(client)
    client.logout()
    refused = sign_in(client)
    assert refused.status_code == 200 and "Enter the code" in refused.content.decode()
    wrong = sign_in(client, "123456")
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    device = TOTPDevice.objects.get(user=bob)
    assert sign_in(client, code_of(device, offset=1)).status_code == 200  # throttled after a wrong code
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert sign_in(client, code_of(device, offset=1)).status_code == 302
        assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once(client, bob):
    code = set_up(client)[0]
    client.logout()
    assert sign_in(client, code).status_code == 302 and client.get("/admin/").status_code == 200
    client.logout()
    assert sign_in(client, code).status_code == 200  # used up
    assert StaticToken.objects.filter(device__user=bob).count() == 9
    assert AuditEntry.objects.filter(action="two_factor.recovery_code_used", actor=bob).exists()


def test_the_central_commission_resets_a_lost_phone(client, bob, alice):
    set_up(client)
    client.logout()
    admin = client.__class__()
    admin.force_login(alice)
    alice_device = TOTPDevice.objects.create(user=alice, name="a", confirmed=True)
    admin.post(LOGIN, {"username": "alice", "password": "pw", "otp_token": code_of(alice_device)})
    admin.post(reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [bob.pk]})
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert AuditEntry.objects.filter(action="two_factor.reset", actor=alice, object_id=str(bob.pk)).exists()
    assert sign_in(client).url == reverse("admin:two_factor_setup")  # sets it up again


def test_without_the_setting_the_password_is_enough(client, bob, settings):
    settings.RECALL_ADMIN_TWO_FACTOR = False
    assert sign_in(client).status_code == 302 and client.get("/admin/").status_code == 200
