"""Output and input shapes of API v1. Public shapes carry no personal data."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from .. import selectors
from ..errors import InvalidInput
from ..i18n_text import pick
from ..models import (
    Channel,
    Deputy,
    DeputyAnswer,
    District,
    Petition,
    PetitionState,
    Signature,
    SignatureState,
    WebhookEvent,
)
from ..selectors import days_left
from ..services import ledger, signing
from ..services.signing import eds, format_receipt
from ..text import REFUSED_CLASS


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable machine ``code``, a human ``message``, and per-field details."""

    code = serializers.CharField(help_text="Stable machine code, e.g. invalid_iin, petition_not_collecting.")
    message = serializers.CharField()
    fields = serializers.DictField(child=ErrorDetailSerializer(many=True), required=False)
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (code throttled).")


class ByElectionSerializer(serializers.Serializer):
    district = serializers.CharField(source="district.code", help_text="District code.")
    petition = serializers.IntegerField(
        source="petition_id", help_text="The petition whose recall vote vacated the seat."
    )
    vacated_on = serializers.DateField(help_text="The day of the recall vote.")
    due_by = serializers.DateField(
        help_text="The last day the by-election may be held (the policy's `by_election_days` after the vote)."
    )


class DistrictNamesSerializer(serializers.Serializer):
    name = serializers.CharField()
    region = serializers.CharField()
    body = serializers.CharField()


class DistrictNamesByLanguageSerializer(serializers.Serializer):
    kk = DistrictNamesSerializer()
    ru = DistrictNamesSerializer()
    en = DistrictNamesSerializer()


class TextByLanguageSerializer(serializers.Serializer):
    kk = serializers.CharField(allow_blank=True)
    ru = serializers.CharField(allow_blank=True)
    en = serializers.CharField(allow_blank=True)


NAMES_HELP = (
    "The names in Kazakh, Russian and English; a name not given in a language is the one the site shows "
    "instead (Russian, then Kazakh, then English). `name`, `region` and `body` are the English names, "
    "the values the filters take."
)


def district_names(district: District) -> dict[str, dict[str, str]]:
    return {lang: {f: district.localized(f, lang) for f in District.TRANSLATED} for lang in ("kk", "ru", "en")}


class DistrictSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField(help_text=NAMES_HELP)
    by_elections = serializers.SerializerMethodField(
        help_text="By-elections after recalls in the district, latest first."
    )

    class Meta:
        model = District
        fields = ["code", "name", "region", "level", "body", "registered_voters", "names", "by_elections"]

    @extend_schema_field(DistrictNamesByLanguageSerializer)
    def get_names(self, obj: District) -> dict[str, dict[str, str]]:
        return district_names(obj)

    @extend_schema_field(ByElectionSerializer(many=True))
    def get_by_elections(self, obj: District) -> list[dict[str, Any]]:
        return ByElectionSerializer(obj.by_elections.all(), many=True).data


class DistrictRefSerializer(DistrictSerializer):
    class Meta:
        model = District
        fields = ["code", "name", "region", "level", "names"]


PARTY_HELP = "The party's name in Kazakh, Russian and English (all empty: self-nominated); `party` is the English."


def party_names(deputy: Deputy) -> dict[str, str]:
    return {lang: deputy.localized("party", lang) if deputy.party else "" for lang in ("kk", "ru", "en")}


class DeputySerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="District code; null for party-list deputies."
    )
    recallable = serializers.BooleanField(source="is_recallable", read_only=True)
    party_names = serializers.SerializerMethodField(help_text=PARTY_HELP)

    class Meta:
        model = Deputy
        fields = [
            "id",
            "full_name",
            "party",
            "party_names",
            "mandate",
            "level",
            "district",
            "term_start",
            "term_end",
            "status",
            "recallable",
        ]

    @extend_schema_field(TextByLanguageSerializer)
    def get_party_names(self, obj: Deputy) -> dict[str, str]:
        return party_names(obj)


class DeputyRefSerializer(serializers.ModelSerializer):
    party_names = serializers.SerializerMethodField(help_text=PARTY_HELP)

    class Meta:
        model = Deputy
        fields = ["id", "full_name", "party", "party_names"]

    @extend_schema_field(TextByLanguageSerializer)
    def get_party_names(self, obj: Deputy) -> dict[str, str]:
        return party_names(obj)


class CountsSerializer(serializers.Serializer):
    required = serializers.IntegerField(source="required_signatures", allow_null=True)
    received = serializers.IntegerField(source="all_received")
    valid = serializers.IntegerField(source="valid_count")
    invalid = serializers.IntegerField(source="invalid_count")
    awaiting = serializers.IntegerField(
        source="awaiting_count", help_text="Received and not yet decided: queued for the machine or with an official."
    )
    withdrawn = serializers.IntegerField(source="withdrawn_count")
    queued = serializers.IntegerField(
        source="queued_count", help_text="Stored, not yet reached by the workers: not yet in the public ledger."
    )


class LedgerRefSerializer(serializers.Serializer):
    origin = serializers.CharField(help_text="The log's origin, `<host>/petitions/<id>`.")
    size = serializers.IntegerField(
        source="ledger_size", help_text="Entries in the public ledger, in the same snapshot as `counts` and `state`."
    )


class PetitionSerializer(serializers.ModelSerializer):
    deputy = DeputyRefSerializer(read_only=True)
    district = DistrictRefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=PetitionState.choices)
    counts = CountsSerializer(source="*", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True, help_text="Valid signatures as % of the required.")
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "state",
            "deputy",
            "district",
            "grounds_category",
            "registered_at",
            "window_start",
            "window_end",
            "days_left",
            "counts",
            "progress_percent",
        ]

    def get_days_left(self, obj: Petition) -> int | None:
        return days_left(obj) if obj.state in ("collecting", "threshold_reached") else None


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    valid = serializers.IntegerField(help_text="Valid signatures signed that day.")
    total = serializers.IntegerField(help_text="Running total.")


class HistorySerializer(serializers.Serializer):
    state = serializers.CharField(source="to_state")
    at = serializers.DateTimeField()


class ProjectionSerializer(serializers.Serializer):
    raw_signatures = serializers.IntegerField(source="population_size")
    sample_size = serializers.IntegerField()
    valid_in_sample = serializers.IntegerField()
    duplicates_in_sample = serializers.IntegerField()
    projected_valid = serializers.DecimalField(max_digits=12, decimal_places=2)
    outcome = serializers.CharField()
    seed = serializers.CharField(help_text="Publishes the draw: anyone can reproduce the sample.")
    closed_at = serializers.DateTimeField()


class NextStepSerializer(serializers.Serializer):
    """A step the lifecycle allows from the petition's current state (from its transition table)."""

    step = serializers.CharField(source="name", help_text="e.g. submit, certify, reach_threshold.")
    to = serializers.ListField(child=serializers.ChoiceField(choices=PetitionState.choices), source="targets")
    by = serializers.SerializerMethodField(help_text="Who takes it: `official`, or `system` (beat, the workers).")

    def get_by(self, obj: Any) -> list[str]:
        return sorted(obj.by) or ["system"]


class ForecastSerializer(serializers.Serializer):
    rate = serializers.FloatField(help_text="Valid signatures per day over the last seven days (today included).")
    reached = serializers.BooleanField(help_text="The required number of valid signatures is met already.")
    reach_on = serializers.DateField(
        allow_null=True,
        help_text="The day the requirement is met at that rate; null when already reached or the rate is zero.",
    )
    in_time = serializers.BooleanField(help_text="Met no later than the collection window's last day.")
    window_last_day = serializers.DateField()


class AnswerSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="1 for the first answer; each publication adds a version.")
    published_at = serializers.DateTimeField()
    texts = serializers.DictField(
        child=serializers.CharField(), help_text="The answer by language code (`kk`, `ru`, `en`): one or more."
    )
    on_behalf = serializers.BooleanField(
        help_text="Entered by the commission on the deputy's behalf, not by the deputy in their workspace."
    )


class NextAttemptSerializer(serializers.Serializer):
    on = serializers.DateField(
        allow_null=True,
        help_text="The first day voters may start another recall of this deputy; null: not in this term.",
    )
    cooldown_months = serializers.IntegerField()


# The detail's fields that change only with the petition's content: kept per process as a
# fragment (recall.services.public.public_cache, "Fragments"); the others are read on every build.
CONTENT_FIELDS = frozenset(
    {
        "accepted_channels",
        "grounds_text",
        "grounds",
        "deputy_answer",
        "answer_published_at",
        "answers",
        "by_election",
        "another_attempt",
        "history",
        "projection",
        "next_steps",
    }
)


class PetitionDetailSerializer(PetitionSerializer):
    grounds_text = serializers.CharField(help_text="The statement of grounds as applied.")
    grounds = TextByLanguageSerializer(
        source="grounds_translations",
        read_only=True,
        help_text="The statement in each language the applicants gave it in (empty: not given in that language).",
    )
    deputy_answer = serializers.SerializerMethodField(
        help_text="The latest answer in the request's language (else Russian, Kazakh, English); empty if none. "
        "Every version is in `answers`."
    )
    answer_published_at = serializers.SerializerMethodField(help_text="When the latest answer was published.")
    answers = serializers.SerializerMethodField(help_text="Every version of the deputy's answer, newest first.")
    by_election = serializers.SerializerMethodField(
        help_text="After a recall: the district's by-election and the day it is due by; else null."
    )
    another_attempt = serializers.SerializerMethodField(
        help_text="After a failed attempt (retained, expired, insufficient): when another may start; else null."
    )
    daily_valid = DayCountSerializer(many=True, read_only=True)
    history = HistorySerializer(many=True, read_only=True)
    projection = ProjectionSerializer(read_only=True, allow_null=True)
    forecast = ForecastSerializer(
        read_only=True,
        allow_null=True,
        help_text="While collecting: where the valid signatures go at the rate of the last seven days; else null.",
    )
    ledger = serializers.SerializerMethodField()
    next_steps = NextStepSerializer(many=True, read_only=True)
    valid_by_identity = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Valid signatures by what their channel proved of the signer: `certificate` (EDS or eGov "
        "Mobile, the signer's NCA key), `phone_of_iin` (a text-message code to a number the mobile-citizens "
        "database links to the IIN), `phone` (a text-message code to a typed number), `partner` (an "
        "accredited partner's own checks), `paper` (a handwritten signature on a sheet).",
    )
    accepted_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        read_only=True,
        help_text="The channels the election commission accepts signatures through for this petition's level "
        "(`eds`, `egov_mobile`, `web`: a text-message code, `partner`, `paper`); a signature through any "
        "other is refused (`channel_not_accepted`).",
    )

    class Meta(PetitionSerializer.Meta):
        fields = [
            *PetitionSerializer.Meta.fields,
            "grounds_text",
            "grounds",
            "deputy_answer",
            "answer_published_at",
            "answers",
            "by_election",
            "another_attempt",
            "required_signatures",
            "registered_voters",
            "threshold_percent",
            "daily_valid",
            "history",
            "projection",
            "forecast",
            "ledger",
            "next_steps",
            "valid_by_identity",
            "accepted_channels",
        ]

    def __init__(self, *args: Any, content: bool | None = None, **kwargs: Any) -> None:
        """``content``: True for the content fields only, False for the others, None for all."""
        self.content = content
        super().__init__(*args, **kwargs)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.content is None:
            return fields
        return {name: f for name, f in fields.items() if (name in CONTENT_FIELDS) == self.content}

    def _answers(self, obj: Petition) -> list[DeputyAnswer]:
        if not hasattr(obj, "_answer_versions"):
            obj._answer_versions = list(obj.answers.order_by("-version"))
        return obj._answer_versions

    @extend_schema_field(serializers.CharField())
    def get_deputy_answer(self, obj: Petition) -> str:
        versions = self._answers(obj)
        return pick(versions[0].texts, translation.get_language() or "").text if versions else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_answer_published_at(self, obj: Petition) -> str | None:
        versions = self._answers(obj)
        return serializers.DateTimeField().to_representation(versions[0].published_at) if versions else None

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, obj: Petition) -> list[dict[str, Any]]:
        return AnswerSerializer(self._answers(obj), many=True).data

    @extend_schema_field(ByElectionSerializer(allow_null=True))
    def get_by_election(self, obj: Petition) -> dict[str, Any] | None:
        found = selectors.by_election(obj)
        return ByElectionSerializer(found).data if found else None

    @extend_schema_field(NextAttemptSerializer(allow_null=True))
    def get_another_attempt(self, obj: Petition) -> dict[str, Any] | None:
        found = selectors.next_attempt(obj)
        return NextAttemptSerializer(found).data if found else None

    @extend_schema_field(LedgerRefSerializer)
    def get_ledger(self, obj: Petition) -> dict[str, Any]:
        return {"origin": ledger.origin(obj.pk), "size": obj.ledger_size}


class BoundedDateTimeField(serializers.DateTimeField):
    """A time that can be compared: years 1900-2999 (year 1 with a time zone overflows). Times in
    the future are refused by the service with their own code."""

    def to_internal_value(self, value: object) -> object:
        try:
            result = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="ISO 8601")
        if not 1900 <= result.year < 3000:
            self.fail("invalid", format="ISO 8601")
        return result


# Text: at least one character that is not white space, and none that no field takes
# (recall.text; stated as a pattern so the schema says what is refused).
TEXT = RegexValidator(
    f"^[^{REFUSED_CLASS}]*[^\\s{REFUSED_CLASS}][^{REFUSED_CLASS}]*$",
    "Enter some text (no NUL characters, lone surrogates or non-characters).",
    code="required",
)
TWELVE_DIGITS = RegexValidator(r"^[0-9]{12}$", "An IIN is exactly 12 digits.", code="invalid_iin")


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField also takes numbers and turns them into text."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SignatureInputSerializer(serializers.Serializer):
    """The request, as documented in the schema. The endpoint reads it with
    recall.api.inputs.read_signature, which applies the same rules faster."""

    iin = StrictCharField(
        validators=[TWELVE_DIGITS],
        help_text="The voter's IIN: 12 digits, the last a valid check digit (else 400 `invalid_iin`).",
    )
    full_name = StrictCharField(max_length=signing.MAX_NAME, validators=[TEXT], trim_whitespace=False)
    birth_date = serializers.DateField(
        help_text="Not in the future and not before 1900 (else 400 `invalid_birth_date`)."
    )
    address = StrictCharField(
        max_length=signing.MAX_ADDRESS, validators=[TEXT], trim_whitespace=False, help_text="Address of residence."
    )
    signed_at = BoundedDateTimeField(required=False, help_text="When the voter signed; default: now.")

    def validate(self, attrs: dict) -> dict:
        """The signer's data is checked by the signing service's one rule
        (recall.services.signing.signatures.check_signer), shared with the voters' form."""
        try:
            attrs["signer"] = signing.check_signer(
                iin=attrs["iin"], full_name=attrs["full_name"], birth_date=attrs["birth_date"], address=attrs["address"]
            )
        except InvalidInput as error:
            raise serializers.ValidationError(
                {error.field or "non_field_errors": [ErrorDetail(str(error.message), code=error.code)]}
            ) from error
        return attrs


class SignatureAcceptedSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="Give it to the voter: it lets them check or withdraw.")
    state = serializers.ChoiceField(choices=SignatureState.choices)
    petition = serializers.IntegerField()


class PartnerSignatureSerializer(serializers.ModelSerializer):
    receipt = serializers.SerializerMethodField()
    petition = serializers.IntegerField(source="petition_id")
    ground = serializers.SerializerMethodField(
        help_text="For invalid signatures: the ground, or `not_counted` where it would reveal facts about the person."
    )

    class Meta:
        model = Signature
        fields = [
            "receipt",
            "petition",
            "state",
            "ground",
            "signed_at",
            "received_at",
            "verified_at",
            "decided_at",
            "withdrawn_at",
        ]

    def get_receipt(self, obj: Signature) -> str:
        return format_receipt(obj.receipt or "")

    def get_ground(self, obj: Signature) -> str | None:
        return obj.shown_ground or None


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: verify X-Recall-Signature with it.")


# --- EDS (recall.services.signing.eds) ------------------------------------------------------------
CHALLENGE = RegexValidator(r"^[A-Za-z0-9_-]{43}$", "A challenge is 43 base64url characters.", code="invalid")
BASE64 = RegexValidator(r"^[A-Za-z0-9+/]+={0,2}$", "The CMS is base64 (no spaces or line breaks).", code="invalid")


class EdsStatementInputSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[("kk", "Kazakh"), ("ru", "Russian"), ("en", "English")],
        required=False,
        default="kk",
        help_text="The language the voter reads the statement in.",
    )


class EdsStatementSerializer(serializers.Serializer):
    challenge = serializers.CharField(help_text="Send it back with the signature; it is inside the statement too.")
    statement = serializers.CharField(
        help_text="Base64 of the statement's UTF-8 bytes: the voter's NCALayer signs exactly these bytes "
        "(`kz.gov.pki.knca.basics` `sign`, format `cms`, `decode` and `encapsulate` true)."
    )
    text = serializers.CharField(help_text="The statement as text, to show the voter before signing.")
    expires_at = serializers.DateTimeField()


class EdsSignatureInputSerializer(serializers.Serializer):
    """The voter's IIN and name come from the certificate in the CMS; only the address is sent."""

    challenge = StrictCharField(validators=[CHALLENGE], help_text="From the statement this partner was issued.")
    cms = StrictCharField(
        max_length=eds.MAX_CMS_CHARS,
        validators=[BASE64],
        trim_whitespace=False,
        help_text="The attached CMS (SignedData) NCALayer returned, base64.",
    )
    address = StrictCharField(
        max_length=signing.MAX_ADDRESS, validators=[TEXT], trim_whitespace=False, help_text="Address of residence."
    )


# --- The detail's live fields without the serializer ---------------------------------------------
# A count batch drops the shared copy of the detail, so in a rush its live fields (those not in
# CONTENT_FIELDS) are built on every request: here as a plain dict, with the serializer's own
# field classes formatting the values it would format (times in the site's zone, the decimal as a
# string), so the JSON is the serializer's byte for byte (the tests compare the two).
# PetitionDetailSerializer stays the description of the answer (the schema).
_TIME = serializers.DateTimeField()
_THRESHOLD = serializers.DecimalField(
    max_digits=Petition._meta.get_field("threshold_percent").max_digits,
    decimal_places=Petition._meta.get_field("threshold_percent").decimal_places,
)


def _time(value: Any) -> str | None:
    return None if value is None else _TIME.to_representation(value)


def live_detail(
    petition: Petition,
    *,
    daily: list[selectors.DayCount],
    outlook: selectors.Forecast | None,
    by_identity: dict[str, int],
) -> dict[str, Any]:
    """What ``PetitionDetailSerializer(petition, content=False).data`` gives, with the daily
    series, the forecast and the valid counts by identity as read by the view."""
    deputy, district = petition.deputy, petition.district
    required = petition.required_signatures
    return {
        "id": petition.pk,
        "state": petition.state,
        "deputy": {
            "id": deputy.pk,
            "full_name": deputy.full_name,
            "party": deputy.party,
            "party_names": party_names(deputy),
        },
        "district": {
            "code": district.code,
            "name": district.name,
            "region": district.region,
            "level": district.level,
            "names": district_names(district),
        },
        "grounds_category": petition.grounds_category,
        "registered_at": _time(petition.registered_at),
        "window_start": _time(petition.window_start),
        "window_end": _time(petition.window_end),
        "days_left": days_left(petition) if petition.state in ("collecting", "threshold_reached") else None,
        "counts": {
            "required": required,
            "received": petition.all_received,
            "valid": petition.valid_count,
            "invalid": petition.invalid_count,
            "awaiting": petition.awaiting_count,
            "withdrawn": petition.withdrawn_count,
            "queued": petition.queued_count,
        },
        "progress_percent": petition.progress_percent,
        "required_signatures": required,
        "registered_voters": petition.registered_voters,
        "threshold_percent": None
        if petition.threshold_percent is None
        else _THRESHOLD.to_representation(petition.threshold_percent),
        "daily_valid": [{"date": d.date.isoformat(), "valid": d.valid, "total": d.total} for d in daily],
        "forecast": None
        if outlook is None
        else {
            "rate": float(outlook.rate),
            "reached": outlook.reached,
            "reach_on": outlook.reach_on.isoformat() if outlook.reach_on else None,
            "in_time": outlook.in_time,
            "window_last_day": outlook.window_last_day.isoformat(),
        },
        "ledger": {"origin": ledger.origin(petition.pk), "size": petition.ledger_size},
        "valid_by_identity": dict(by_identity),
    }
