"""Filters of the public lists. Values a filter cannot use are 400 ``invalid``; the schema
states each filter's type and range (recall.api.schema)."""

from __future__ import annotations

import django_filters
from django import forms

from ..models import BodyLevel, Deputy, District, Petition, PetitionState


class IdFilter(django_filters.Filter):
    """A database id: a whole number (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class _Choices(forms.MultipleChoiceField):
    def clean(self, value: list[str] | None) -> list[str]:
        return super().clean([v for v in value or [] if v])  # ?state= means no filter, as for the others


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = _Choices


class PetitionFilter(django_filters.FilterSet):
    state = MultipleChoiceFilter(choices=PetitionState.choices)
    level = django_filters.ChoiceFilter(field_name="district__level", choices=BodyLevel.choices)
    region = django_filters.CharFilter(field_name="district__region", lookup_expr="iexact")
    district = django_filters.CharFilter(field_name="district__code", lookup_expr="iexact", label="District code")
    deputy = IdFilter(field_name="deputy_id", min_value=1, max_value=2**63 - 1)  # bigint

    class Meta:
        model = Petition
        fields = ["state", "level", "region", "district", "deputy"]


class DistrictFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(lookup_expr="iexact")
    level = django_filters.ChoiceFilter(choices=BodyLevel.choices)

    class Meta:
        model = District
        fields = ["region", "level"]


class DeputyFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", lookup_expr="iexact", label="District code")
    region = django_filters.CharFilter(field_name="district__region", lookup_expr="iexact")
    level = django_filters.ChoiceFilter(choices=BodyLevel.choices)

    class Meta:
        model = Deputy
        fields = ["district", "region", "level", "mandate", "status"]
