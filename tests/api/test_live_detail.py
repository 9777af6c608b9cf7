"""The API detail's live fields (those not kept with the content) are built on every uncached
request from a plain dict, not the serializer: the serializer's JSON byte for byte, in every
language and state (PetitionDetailSerializer stays the schema)."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from recall import selectors
from recall.api.serializers import PetitionDetailSerializer, live_detail
from recall.models import DailyTally, Deputy, District, Petition, PetitionState
from tests.helpers import walk

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("state", [PetitionState.REFUSED, PetitionState.COLLECTING, PetitionState.RECALLED])
def test_the_api_detail_live_fields_are_the_serializers(collecting, language, state):
    today = timezone.localdate()
    for back in range(9):
        DailyTally.objects.create(petition=collecting, day=today - dt.timedelta(days=back), valid=back)
    Deputy.objects.filter(pk=collecting.deputy_id).update(full_name=SCRIPT, party="Amanat", party_ru="Аманат")
    if state == PetitionState.REFUSED:
        Petition.objects.filter(pk=collecting.pk).update(
            state=state, required_signatures=None, window_start=None, window_end=None, threshold_percent=None
        )
    elif state != PetitionState.COLLECTING:
        walk(collecting, state)
    petition = selectors.public_petition(collecting.pk)
    petition.daily_valid = selectors.daily_valid(petition)
    petition.forecast = selectors.forecast(petition, [(d.date, d.valid) for d in petition.daily_valid])
    petition.valid_by_identity = selectors.valid_by_identity(petition)
    with translation.override(language):
        expected = PetitionDetailSerializer(petition, content=False).data
        built = live_detail(
            petition, daily=petition.daily_valid, outlook=petition.forecast, by_identity=petition.valid_by_identity
        )
    assert list(built) == list(expected)
    assert JSONRenderer().render(built) == JSONRenderer().render(expected)


def test_a_deputy_named_with_markup_is_given_as_it_is(client, collecting):
    Deputy.objects.filter(pk=collecting.deputy_id).update(full_name=SCRIPT)
    District.objects.filter(pk=collecting.district_id).update(name=SCRIPT)
    detail = client.get(f"/api/v1/petitions/{collecting.pk}/").json()
    assert detail["deputy"]["full_name"] == SCRIPT and detail["district"]["name"] == SCRIPT
