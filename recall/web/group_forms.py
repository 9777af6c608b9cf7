"""The initiative group's forms (recall.web.groups). IINs travel only in POST bodies."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Deputy, DeputyStatus, GroundsCategory, Mandate

IIN_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 \-]*"})
PHONE_WIDGET = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})


class DeputyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Deputy) -> str:
        return f"{obj.full_name} — {obj.district.name}"


class IdentityForm(forms.Form):
    iin = forms.CharField(label=_("Your IIN"), max_length=20, widget=IIN_WIDGET)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("We send a one-time code to this number; the group's notices go to it too."),
        widget=PHONE_WIDGET,
    )


class ApplyForm(IdentityForm):
    # Only single-member deputies still serving: a party-list deputy is not recalled by voters.
    deputy = DeputyChoice(
        label=_("Deputy"),
        queryset=Deputy.objects.filter(mandate=Mandate.SINGLE, status=DeputyStatus.SERVING)
        .select_related("district")
        .order_by("district__code"),
    )
    grounds_category = forms.ChoiceField(label=_("Grounds"), choices=GroundsCategory.choices)
    grounds_kk = forms.CharField(label=_("Statement of grounds in Kazakh"), required=False, widget=forms.Textarea)
    grounds_ru = forms.CharField(label=_("Statement of grounds in Russian"), required=False, widget=forms.Textarea)
    grounds_en = forms.CharField(label=_("Statement of grounds in English"), required=False, widget=forms.Textarea)
    contact_email = forms.EmailField(label=_("The group's e-mail (optional)"), required=False)

    field_order = ["deputy", "grounds_category", "grounds_kk", "grounds_ru", "grounds_en", "iin", "phone"]


class SheetsForm(forms.Form):
    collector = forms.CharField(label=_("Collector's full name"), max_length=200)
    count = forms.IntegerField(label=_("Number of sheets"), min_value=1, max_value=200, initial=10)
