from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import ApiClient, ApiKey, Commission, Role, User
from recall import crypto, iin
from recall.models import STRENGTH_OF_CHANNEL, Deputy, District, Mandate, Petition, Voter, VoterStatus

TERM_START = dt.date(2023, 3, 29)
TERM_END = dt.date(2028, 3, 29)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"T-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"District {o.code}")
    region = "Karaganda Region"
    level = "mazhilis"
    body = "Mazhilis of the Parliament"
    registered_voters = 0


class DeputyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deputy

    full_name = factory.Sequence(lambda n: f"Deputy Number {n}")
    party = "Amanat"
    mandate = Mandate.SINGLE
    district = factory.SubFactory(DistrictFactory)
    level = factory.LazyAttribute(lambda o: o.district.level if o.district else "mazhilis")
    term_start = TERM_START
    term_end = TERM_END


def make_iin(n: int, birth_date: dt.date = dt.date(1980, 1, 1), sex: str = "M") -> str:
    return iin.make(birth_date, sex, n)


class VoterFactory(factory.django.DjangoModelFactory):
    """A register row built the way the import builds it, from the plain values in Params."""

    class Meta:
        model = Voter

    class Params:
        iin = factory.Sequence(lambda n: make_iin(n, dt.date(1960, 1, 1) + dt.timedelta(days=n % 9000)))
        full_name = factory.Sequence(lambda n: f"Voter Number {n}")
        birth_date = factory.LazyAttribute(lambda o: iin.encoded_data(o.iin).birth_date)
        address = "Karaganda, Abai street 1"

    district = factory.SubFactory(DistrictFactory)
    status = VoterStatus.ACTIVE
    iin_digest = factory.LazyAttribute(lambda o: crypto.iin_digest(o.iin))
    name_digest = factory.LazyAttribute(lambda o: crypto.name_digest(o.full_name))
    name_surname = factory.LazyAttribute(lambda o: list(crypto.register_name_digests(o.full_name, o.iin).surname))
    name_given = factory.LazyAttribute(lambda o: list(crypto.register_name_digests(o.full_name, o.iin).given))
    name_patronymic = factory.LazyAttribute(lambda o: list(crypto.register_name_digests(o.full_name, o.iin).patronymic))
    name_patronymic_near = factory.LazyAttribute(
        lambda o: list(crypto.register_name_digests(o.full_name, o.iin).patronymic_near)
    )
    birth_digest = factory.LazyAttribute(lambda o: crypto.birth_digest(o.birth_date))
    personal = factory.LazyAttribute(
        lambda o: {"iin": o.iin, "full_name": o.full_name, "birth_date": o.birth_date.isoformat(), "address": o.address}
    )
    updated_at = factory.LazyFunction(timezone.now)


class CommissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commission

    name = factory.Sequence(lambda n: f"Territorial Commission {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.split()[-1]}@tec.example.kz")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.kz")
    is_staff = True
    role = Role.OFFICIAL
    commission = factory.SubFactory(CommissionFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PetitionFactory(factory.django.DjangoModelFactory):
    """An application as recorded (state applied); tests move it on through the services."""

    class Meta:
        model = Petition

    deputy = factory.SubFactory(DeputyFactory)
    district = factory.LazyAttribute(lambda o: o.deputy.district)
    grounds_category = "lost_trust"
    grounds_text = "The deputy has not met voters since the election."
    applied_at = factory.LazyFunction(timezone.now)


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiClient

    name = factory.Sequence(lambda n: f"Partner {n}")


def api_key(client: ApiClient | None = None, scopes: tuple[str, ...] = ("read", "sign")) -> tuple[ApiKey, str]:
    return ApiKey.objects.create_key(client=client or ApiClientFactory(), name="test", scopes=list(scopes))


class SignatureFactory(factory.django.DjangoModelFactory):
    """A stored signature of ``voter`` as the sign path would store it (state received)."""

    class Meta:
        model = "recall.Signature"

    class Params:
        voter_row = None
        iin = factory.LazyAttribute(lambda o: o.voter_row.personal["iin"] if o.voter_row else make_iin(9999))
        full_name = factory.LazyAttribute(lambda o: o.voter_row.personal["full_name"] if o.voter_row else "Nobody")
        birth_date = factory.LazyAttribute(
            lambda o: dt.date.fromisoformat(o.voter_row.personal["birth_date"]) if o.voter_row else dt.date(1980, 1, 1)
        )

    petition = factory.SubFactory(PetitionFactory)
    voter_id = factory.LazyAttribute(lambda o: crypto.iin_digest(o.iin))
    channel = "web"
    identity_strength = factory.LazyAttribute(lambda o: STRENGTH_OF_CHANNEL[o.channel])
    signed_at = factory.LazyFunction(timezone.now)
    receipt = factory.Sequence(lambda n: f"R{n:011d}")
    name_digest = factory.LazyAttribute(lambda o: crypto.name_digest(o.full_name))
    name_tokens = factory.LazyAttribute(lambda o: list(crypto.typed_name_digests(o.full_name, o.iin).tokens))
    name_near = factory.LazyAttribute(lambda o: list(crypto.typed_name_digests(o.full_name, o.iin).near))
    birth_digest = factory.LazyAttribute(lambda o: crypto.birth_digest(o.birth_date))
    personal = factory.LazyAttribute(
        lambda o: {"iin": o.iin, "full_name": o.full_name, "birth_date": o.birth_date.isoformat(), "address": "x"}
    )
