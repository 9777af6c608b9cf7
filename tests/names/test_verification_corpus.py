"""The labelled corpus (tests/names/corpus.py) through the real verification statement on
PostgreSQL: every variant is a signature of its own voter, stored with the digests the sign path
computes, verified by recall.services.verification.batches. Run with -s to see the figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from recall import crypto
from recall.models import Signature, Voter
from recall.services import verification

from . import corpus
from .test_matching import NEVER_VALID

BIRTH = dt.date(1980, 5, 17)


def _store(petition, variants: list[corpus.Variant]) -> None:
    now = timezone.now()
    token = crypto.encrypt({"full_name": "x"})  # the rule reads digests only
    voters, signatures = [], []
    for n, variant in enumerate(variants):
        iin = f"{n:012d}"  # a scope of its own: the statement joins voter and signature by it
        voters.append(
            Voter(
                iin_digest=crypto.iin_digest(iin),
                district_id=petition.district_id,
                name_digest=crypto.name_digest(variant.register),
                **crypto.register_name_digests(variant.register, iin).as_columns(),
                birth_digest=crypto.birth_digest(BIRTH),
                personal=token,
                updated_at=now,
            )
        )
        signatures.append(
            Signature(
                petition=petition,
                voter_id=crypto.iin_digest(iin),
                channel="web",
                signed_at=now,
                name_digest=crypto.name_digest(variant.typed),
                **crypto.typed_name_digests(variant.typed, iin).as_columns(),
                birth_digest=crypto.birth_digest(BIRTH),
                personal=token,
            )
        )
    Voter.objects.bulk_create(voters, batch_size=2000)
    Signature.objects.bulk_create(signatures, batch_size=2000)


def test_it_sends_same_person_variants_to_review_at_most_two_percent_and_another_person_always(collecting):
    variants = corpus.generate()[::2]  # 8,400 variants, every kind; the whole corpus is checked in Python
    _store(collecting, variants)
    verification.verify_all(limit=5000)
    states = Signature.objects.filter(petition=collecting).order_by("id").values_list("state", flat=True)
    same, another, patronymic = Counter(), Counter(), Counter()
    for variant, state in zip(variants, states, strict=True):
        if variant.same_person:
            same[state] += 1
        else:
            (another if variant.kind in NEVER_VALID else patronymic)[state] += 1
    print(
        f"\nthrough the statement: same person {same['review']} of {same.total()} to review "
        f"({100 * same['review'] / same.total():.2f} %); another person {another['review']} of {another.total()} "
        f"({100 * another['review'] / another.total():.2f} %); another patronymic or an extra word "
        f"{patronymic['review']} of {patronymic.total()}"
    )
    assert same.total() >= 5000 and another.total() >= 1000
    assert same["review"] / same.total() <= 0.02 and set(same) <= {"valid", "review"}
    assert another == Counter(review=another.total())  # never valid
