from __future__ import annotations

import django_filters

from ..models import BodyLevel, Deputy, District, Petition, PetitionState


class PetitionFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=PetitionState.choices)
    level = django_filters.ChoiceFilter(field_name="district__level", choices=BodyLevel.choices)
    region = django_filters.CharFilter(field_name="district__region", lookup_expr="iexact")
    district = django_filters.CharFilter(field_name="district__code", lookup_expr="iexact", label="District code")
    deputy = django_filters.NumberFilter(field_name="deputy_id", min_value=1, max_value=2**63 - 1)

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
