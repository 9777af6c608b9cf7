from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..errors import InvalidInput
from ..phones import normalize_phone
from ..services import signing

DATE_INPUT = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")


class SignForm(forms.Form):
    iin = forms.CharField(
        label=_("IIN"),
        max_length=20,
        help_text=_("Your 12-digit individual identification number."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 \-]*"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=signing.MAX_NAME,
        help_text=_("Surname, first name and patronymic, as in your identity document."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT, input_formats=["%Y-%m-%d", "%d.%m.%Y"])
    address = forms.CharField(
        label=_("Address of residence"),
        max_length=signing.MAX_ADDRESS,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("We send a one-time code to this number to confirm your signature."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the election commission processes my personal data to verify this signature "
            "against the voter register."
        ),
        error_messages={"required": _("The signature cannot be verified without your consent.")},
    )
    notify_outcome = forms.BooleanField(
        label=_(
            "Tell me the outcome by text message: the deputy's answer, the threshold reached, the certification "
            "and the result of the vote."
        ),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        """The signer's data is checked by the signing service's one rule
        (recall.services.signing.signatures.check_signer), shared with the partner API."""
        data = super().clean()
        if self.errors:
            return data
        try:
            self.signer = signing.check_signer(
                iin=data["iin"],
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                address=data["address"],
                phone=normalize_phone(data["phone"]),
            )
        except InvalidInput as error:
            self.add_error(error.field if error.field in self.fields else None, str(error.message))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CheckForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        help_text=_("The code you got after signing, e.g. 7KQ2-M9XD-3FRA."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    iin = forms.CharField(
        label=_("IIN"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class WithdrawForm(CheckForm):
    """The receipt and the IIN only: the code goes to the number on record, never to one typed
    here (recall.services.signing.codes.start_withdrawal)."""


class EdsSignForm(forms.Form):
    """What a voter signing with EDS types: only what the certificate lacks. The CMS comes from
    NCALayer through recall/static/recall/eds.js."""

    address = forms.CharField(
        label=_("Address of residence"),
        max_length=signing.MAX_ADDRESS,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the election commission processes my personal data to verify this signature "
            "against the voter register."
        ),
        error_messages={"required": _("The signature cannot be verified without your consent.")},
    )
    cms = forms.CharField(required=False, widget=forms.HiddenInput)


class EdsWithdrawForm(forms.Form):
    cms = forms.CharField(required=False, widget=forms.HiddenInput)
