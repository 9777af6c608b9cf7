from __future__ import annotations

from recall.models import District, Petition, Voter
from recall.services import lifecycle

from .factories import DeputyFactory, VoterFactory


def populate(district: District, n: int, **kwargs) -> list[Voter]:
    voters = VoterFactory.create_batch(n, district=district, **kwargs)
    district.registered_voters = Voter.objects.filter(district=district, status="active").count()
    district.save(update_fields=["registered_voters"])
    return voters


def application(district: District, members: list[Voter], **kwargs) -> Petition:
    deputy = DeputyFactory(district=district)
    return lifecycle.apply(
        deputy=deputy,
        grounds_category="lost_trust",
        grounds_text="The deputy has not met voters since the election.",
        initiative_iins=[v.personal["iin"] for v in members],
        actor=None,
        **kwargs,
    )
