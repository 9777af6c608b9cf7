"""Shared fixtures. Personas for permission cases:

- alice: official of the central commission (sees and acts on every district)
- bob: official of the Karaganda commission (districts K-1, K-2)
- charlie: official of the Almaty commission (district A-1)
- olga: observer of the central commission (sees everything, changes nothing)
"""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from accounts.models import Commission, Role
from recall import ratelimit
from recall.models import (
    FollowChannel,
    OutcomeSubscription,
    Petition,
    PetitionFollower,
    PetitionState,
    RecallPolicy,
    Voter,
)
from recall.models.policy import policy_for
from recall.notifications import sms
from recall.services import lifecycle
from recall.services.notices import follow
from recall.services.privacy import keys
from recall.services.public import public_cache

from .factories import CommissionFactory, DistrictFactory, SignatureFactory, UserFactory
from .helpers import application, populate
from .servers import Receiver


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for another language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _english():
    """Service messages in English in the tests (the service's default language is Kazakh)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    ratelimit.forget_local_counts()
    # Unwrapped data keys are kept per process; a test's keys vanish with its rollback.
    keys.forget_data_keys()
    public_cache.forget()
    public_cache.forget_fragments()
    yield


@pytest.fixture(autouse=True)
def _sms_outbox():
    """Text messages of the test only (the test backend keeps them in a module list)."""
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def receiver():
    """A local HTTP server that records what it is sent (webhooks, the SMS gateway)."""
    with Receiver() as r:
        yield r


@pytest.fixture
def policy(db) -> RecallPolicy:
    """The Mazhilis policy with small numbers so tests stay small."""
    p = policy_for("mazhilis")
    p.threshold_percent = Decimal("10")
    p.initiative_group_min = 3
    p.collection_days = 30
    p.no_recall_after_start_months = 6
    p.no_recall_before_end_months = 6
    p.cooldown_months = 12
    p.save()
    return p


def _sample_minimum(n: int) -> RecallPolicy:
    p = policy_for("mazhilis")
    p.sample_minimum = n
    p.save()
    return p


@pytest.fixture
def samples_of_3(db) -> RecallPolicy:
    """Samples of at least 3; ask for it before the petition: the ledger records the policy at registration."""
    return _sample_minimum(3)


@pytest.fixture
def samples_of_10(db) -> RecallPolicy:
    """Samples of at least 10 (see samples_of_3)."""
    return _sample_minimum(10)


@pytest.fixture
def karaganda(db):
    return DistrictFactory(code="K-1", name="Karaganda No. 1", region="Karaganda Region")


@pytest.fixture
def karaganda2(db):
    return DistrictFactory(code="K-2", name="Karaganda No. 2", region="Karaganda Region")


@pytest.fixture
def almaty(db):
    return DistrictFactory(code="A-1", name="Almaty No. 1", region="Almaty")


@pytest.fixture
def central(db) -> Commission:
    return CommissionFactory(name="Central Election Commission", is_central=True)


@pytest.fixture
def alice(central):
    return UserFactory(username="alice", commission=central)


@pytest.fixture
def bob(karaganda, karaganda2):
    commission = CommissionFactory(name="Karaganda Commission")
    commission.districts.set([karaganda, karaganda2])
    return UserFactory(username="bob", commission=commission)


@pytest.fixture
def charlie(almaty):
    commission = CommissionFactory(name="Almaty Commission")
    commission.districts.set([almaty])
    return UserFactory(username="charlie", commission=commission)


@pytest.fixture
def olga(central):
    return UserFactory(username="olga", commission=central, role=Role.OBSERVER)


@pytest.fixture
def voters(karaganda, policy) -> list[Voter]:
    """100 active voters in K-1 (so 10 signatures are required at 10 %)."""
    return populate(karaganda, 100)


@pytest.fixture
def applied(karaganda, voters) -> Petition:
    return application(karaganda, voters[:3])


@pytest.fixture
def collecting(applied) -> Petition:
    return lifecycle.register(applied, actor=None)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def crossing(collecting, voters, bob):
    """A petition one verification run away from its threshold, with a group address, a signer
    who asked to hear the outcome and a confirmed follower."""
    Petition.objects.filter(pk=collecting.pk).update(contact_email="group@example.kz")
    signature = SignatureFactory(
        petition=collecting,
        voter_row=voters[10],
        personal={**SignatureFactory.build(voter_row=voters[10]).personal, "phone": "+77011234567"},
    )
    OutcomeSubscription.objects.create(signature_id=signature.pk, petition_id=collecting.pk, language="en")
    for voter in voters[11:22]:
        SignatureFactory(petition=collecting, voter_row=voter)
    PetitionFollower.objects.create(
        petition=collecting,
        channel=FollowChannel.EMAIL,
        contact={"address": "follower@example.kz"},
        contact_digest=follow._contact_digest(FollowChannel.EMAIL, "follower@example.kz"),
        language="en",
        token=secrets.token_urlsafe(32),
        confirm_sent_at=timezone.now(),
        confirmed_at=timezone.now(),
        told_state=PetitionState.COLLECTING,
    )
    collecting.refresh_from_db()
    return collecting
