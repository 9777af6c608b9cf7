"""Browsing every public petition, whatever its state, with filters and pages."""

import pytest

from recall.models import PetitionState, policy_for
from tests.factories import DistrictFactory
from tests.helpers import application, populate, walk


def registered(state, *, region="Karaganda Region", level="mazhilis", code=None):
    """A petition in ``state``, of its own district, taken there through the lifecycle's steps."""
    district = DistrictFactory(region=region, level=level, **({"code": code} if code else {}))
    group = populate(district, policy_for(level).initiative_group_min)
    return walk(application(district, group), state)


@pytest.fixture
def every_kind(policy):
    return {
        state: registered(state)
        for state in (
            PetitionState.COLLECTING,
            PetitionState.EXPIRED,
            PetitionState.VERIFYING,
            PetitionState.RECALLED,
            PetitionState.RETAINED,
            PetitionState.REFUSED,
            PetitionState.INSUFFICIENT,
        )
    }


def names(html, petitions):
    return {state for state, p in petitions.items() if p.deputy.full_name + "<" in html}


def test_all_petitions_are_listed_whatever_their_state(client, every_kind):
    html = client.get("/en/petitions/").content.decode()
    assert names(html, every_kind) == set(every_kind)
    assert "7 petitions" in html


GROUPS = {
    "collecting": {PetitionState.COLLECTING},
    "closed_short": {PetitionState.EXPIRED, PetitionState.INSUFFICIENT},
    "verification": {PetitionState.VERIFYING},
    "recalled": {PetitionState.RECALLED},
    "retained": {PetitionState.RETAINED},
    "refused": {PetitionState.REFUSED},
}


def test_petitions_are_filtered_by_status(client, every_kind):
    # One set of petitions for every group: each is walked through the lifecycle's steps.
    for group, states in GROUPS.items():
        html = client.get(f"/en/petitions/?group={group}").content.decode()
        assert names(html, every_kind) == states, group


def test_petitions_are_filtered_by_level_region_and_district(client, every_kind):
    almaty = registered(PetitionState.RECALLED, region="Almaty", level="city", code="ALA-7")
    for query in ("level=city", "region=Almaty", "district=ALA-7"):
        html = client.get(f"/en/petitions/?{query}").content.decode()
        assert almaty.deputy.full_name + "<" in html and "1 petition<" in html
        assert not names(html, every_kind)
    assert (
        "No petition matches these filters."
        in client.get("/en/petitions/?group=nonsense", follow=True).content.decode()
    )


def test_the_list_goes_on_past_the_first_page(client, policy):
    petitions = [registered(PetitionState.COLLECTING) for _ in range(23)]
    first = client.get("/en/").content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/en/?page=2").content.decode()
    shown = [p for p in petitions if p.deputy.full_name + "<" in first or p.deputy.full_name + "<" in second]
    assert len(shown) == 23
    browse = client.get("/en/petitions/?group=collecting&page=2").content.decode()
    assert "Page 2 of 2" in browse and 'href="?group=collecting" rel="prev"' in browse
