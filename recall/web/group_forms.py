"""The initiative group's forms (recall.web.groups). IINs travel only in POST bodies."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Deputy, DeputyStatus, GroundsCategory, Mandate

IIN_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 \-]*"})
PHONE_WIDGET = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})


def recallable_deputies():
    # Only single-member deputies still serving: a party-list deputy is not recalled by voters.
    return Deputy.objects.filter(mandate=Mandate.SINGLE, status=DeputyStatus.SERVING).select_related("district")


def deputy_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The deputies under their districts' names, in the page's language: a phone shows a closed
    list one line wide, so each line is only the deputy's name, and the district heads it."""
    rows = sorted(
        (
            (d.district.region_local.casefold(), d.district.code, d.district.name_local, d.pk, d.full_name)
            for d in recallable_deputies()
        ),
    )
    return [(district, [(pk, name)]) for _region, _code, district, pk, name in rows]


class IdentityForm(forms.Form):
    iin = forms.CharField(label=_("Your IIN"), max_length=20, widget=IIN_WIDGET)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("We send a one-time code to this number; the group's notices go to it too."),
        widget=PHONE_WIDGET,
    )


class ApplyForm(IdentityForm):
    deputy = forms.TypedChoiceField(label=_("Deputy"), coerce=int)
    grounds_category = forms.ChoiceField(label=_("Grounds"), choices=GroundsCategory.choices)
    grounds_kk = forms.CharField(
        label=_("Statement of grounds in Kazakh"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "kk", "rows": 4}),
    )
    grounds_ru = forms.CharField(
        label=_("Statement of grounds in Russian"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "ru", "rows": 4}),
    )
    grounds_en = forms.CharField(
        label=_("Statement of grounds in English"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "en", "rows": 4}),
    )
    contact_email = forms.EmailField(label=_("The group's e-mail (optional)"), required=False)

    field_order = ["deputy", "grounds_category", "grounds_kk", "grounds_ru", "grounds_en", "iin", "phone"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"].choices = [("", "—"), *deputy_choices()]

    def clean_deputy(self) -> Deputy:
        deputy = recallable_deputies().filter(pk=self.cleaned_data["deputy"]).first()
        if deputy is None:
            raise forms.ValidationError(_("Choose the deputy."))
        return deputy


class SheetsForm(forms.Form):
    collector = forms.CharField(label=_("Collector's full name"), max_length=200)
    count = forms.IntegerField(label=_("Number of sheets"), min_value=1, max_value=200, initial=10)
