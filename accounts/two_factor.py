"""A second factor for officials: a time-based code (TOTP, any authenticator app) and ten
recovery codes, with django-otp.

When RECALL_ADMIN_TWO_FACTOR is on (production's default) the admin admits an official only in
a session verified by a code. An official without an authenticator yet signs in with the
password, is sent to the set-up page (a QR code and the secret, then one code to confirm), and
gets ten one-time recovery codes, shown once. A lost phone: sign in with a recovery code, or
the central commission resets the official's second factor in the user admin (audited).
Wrong codes slow down by themselves (django-otp's throttling doubles the wait after each).
"""

from __future__ import annotations

import base64
import textwrap
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recall import dashboard
from recall.services import audit

RECOVERY_CODES = 10


def required() -> bool:
    return settings.RECALL_ADMIN_TWO_FACTOR


def is_verified(user: Any) -> bool:
    """The session was verified by a code (django_otp.middleware.OTPMiddleware sets
    ``otp_device``; so does the login itself)."""
    return getattr(user, "otp_device", None) is not None


def has_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


class TwoFactorLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code from the authenticator app, or a recovery code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "token_required": _("Enter the code from your authenticator app, or one of your recovery codes."),
        "invalid_token": _("This code is not valid. Codes change every 30 seconds; a recovery code works once."),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if not required() or user is None or not has_device(user):
            return cleaned  # no authenticator yet: the set-up page follows the password
        token = (cleaned.get("otp_token") or "").replace(" ", "")
        if not token:
            raise forms.ValidationError(self.error_messages["token_required"], code="token_required")
        device = match_token(user, token)
        if device is None:
            raise forms.ValidationError(self.error_messages["invalid_token"], code="invalid_token")
        user.otp_device = device  # read by the user_logged_in receiver below
        return cleaned


@receiver(user_logged_in)
def _verify_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    device = getattr(user, "otp_device", None)
    if request is not None and device is not None:
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            audit.record("two_factor.recovery_code_used", actor=user, remaining=device.token_set.count())


class SetupForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code shown by the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecallAdminSite(admin.AdminSite):
    """Django's admin site, with the second factor when RECALL_ADMIN_TWO_FACTOR is on."""

    login_form = TwoFactorLoginForm
    # The sidebar of every model takes a quarter of a 1280-pixel laptop from each list; the
    # dashboard and the breadcrumbs lead to the lists instead.
    enable_nav_sidebar = False
    login_template = "admin/login_two_factor.html"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The dashboard of what needs the commission's action (recall/dashboard.py)."""
        return super().index(request, {**(extra_context or {}), "board": dashboard.for_user(request.user)})

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and (not required() or is_verified(request.user))

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if self._needs_setup(request):
            return HttpResponseRedirect(reverse("admin:two_factor_setup"))
        response = super().login(request, {"two_factor": required(), **(extra_context or {})})
        if request.method == "POST" and self._needs_setup(request):
            return HttpResponseRedirect(reverse("admin:two_factor_setup"))
        return response

    def get_urls(self) -> list:
        return [path("two-factor/", self.two_factor_setup, name="two_factor_setup"), *super().get_urls()]

    def _context(self, request: HttpRequest) -> dict[str, Any]:
        # Not the workspace yet: no list of models beside the set-up.
        return {**self.each_context(request), "available_apps": [], "is_nav_sidebar_enabled": False}

    def _needs_setup(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            required()
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and not is_verified(user)
            and not has_device(user)
        )

    def two_factor_setup(self, request: HttpRequest) -> HttpResponse:
        """Set up the authenticator: only for a signed-in official who has none yet."""
        if not self._needs_setup(request):
            return HttpResponseRedirect(reverse("admin:index" if self.has_permission(request) else "admin:login"))
        user = request.user
        device = pending_device(user)
        form = SetupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["otp_token"].replace(" ", "")):
                codes = enrol(user, device)
                otp_login(request, device)
                context = {**self._context(request), "title": _("Recovery codes"), "codes": codes}
                return TemplateResponse(request, "admin/two_factor_codes.html", context)
            form.add_error("otp_token", _("This code is not valid. Check the phone's clock and try the next code."))
        context = {
            **self._context(request),
            "title": _("Set up the second factor"),
            "form": form,
            **setup_picture(device),
        }
        return TemplateResponse(request, "admin/two_factor_setup.html", context)


def pending_device(user: Any) -> TOTPDevice:
    """The authenticator being set up (officials and deputies): the user's unconfirmed device,
    made on the first visit of the set-up page and shown again on the next."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )


def setup_picture(device: TOTPDevice) -> dict[str, str]:
    """What the set-up page shows to scan or type: the QR code (an SVG data URI) and the secret
    in groups of four letters."""
    return {
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2),
        "secret": " ".join(textwrap.wrap(base64.b32encode(device.bin_key).decode().rstrip("="), 4)),
    }


@transaction.atomic
def enrol(user: Any, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator and issue the recovery codes (officials and deputies)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    audit.record("two_factor.enrolled", actor=user)
    return codes


@transaction.atomic
def reset(user: Any, *, actor: Any) -> None:
    """Remove an official's authenticator and recovery codes: they set up a new one at the
    next sign-in (after a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record("two_factor.reset", actor=actor, obj=user)
