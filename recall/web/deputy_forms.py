"""The deputy's forms: sign in (e-mail, password and always a code), set up the authenticator,
publish an answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import match_token

from accounts import two_factor
from accounts.models import Role, User

from ..services.groups import deputies


class DeputyLoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    otp_token = forms.CharField(
        label=_("Code from the authenticator app, or a recovery code"),
        required=False,
        max_length=16,
        help_text=_("Leave it empty the first time: you set up the app after the password."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or the password is not right."),
        "token_required": _("Enter the code from your authenticator app, or one of your recovery codes."),
        "invalid_token": _("This code is not valid. Codes change every 30 seconds; a recovery code works once."),
    }

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip()
        account = User.objects.filter(email__iexact=email, role=Role.DEPUTY).only("username").first()
        # An unknown address is checked as a name nobody has, so the answer is the same.
        self.cleaned_data["username"] = account.username if account else f"no-deputy:{email}"
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not user.is_deputy:
            raise self.get_invalid_login_error()
        if not two_factor.has_device(user):
            return cleaned  # the set-up page follows the password
        token = (cleaned.get("otp_token") or "").replace(" ", "")
        if not token:
            raise forms.ValidationError(self.error_messages["token_required"], code="token_required")
        device = match_token(user, token)
        if device is None:
            raise forms.ValidationError(self.error_messages["invalid_token"], code="invalid_token")
        user.otp_device = device  # read by accounts.two_factor's user_logged_in receiver
        return cleaned


class AnswerForm(forms.Form):
    text_kk = forms.CharField(
        label=_("Answer in Kazakh"),
        required=False,
        max_length=deputies.MAX_ANSWER,
        widget=forms.Textarea(attrs={"lang": "kk", "rows": 6}),
    )
    text_ru = forms.CharField(
        label=_("Answer in Russian"),
        required=False,
        max_length=deputies.MAX_ANSWER,
        widget=forms.Textarea(attrs={"lang": "ru", "rows": 6}),
    )
    text_en = forms.CharField(
        label=_("Answer in English"),
        required=False,
        max_length=deputies.MAX_ANSWER,
        widget=forms.Textarea(attrs={"lang": "en", "rows": 6}),
    )

    def texts(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"text_{lang}", "") for lang in deputies.LANGUAGES}
