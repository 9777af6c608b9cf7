"""Open data endpoints: the public figures as CSV and JSON files (recall.services.public.open_data).

Shared copies like the petition detail (recall.services.public.public_cache), so not throttled; no
query parameters: each file is the whole table."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import public_petitions
from ..services.public import open_data

LICENCE_LINK = f'<{open_data.LICENCE_URL}>; rel="license"'


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error (405 and the like): its code and message as a one-row table.
        data = data or {}
        return open_data.as_csv(
            [{"code": data.get("code", ""), "message": data.get("message", "")}], ["code", "message"]
        ).encode()


class PetitionRow(serializers.Serializer):
    petition = serializers.IntegerField()
    deputy = serializers.CharField()
    party = serializers.CharField(allow_blank=True)
    district_code = serializers.CharField()
    district = serializers.CharField()
    region = serializers.CharField()
    level = serializers.CharField()
    state = serializers.CharField()
    registered_at = serializers.DateField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    required = serializers.IntegerField(allow_null=True)
    received = serializers.IntegerField()
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    district_kk = serializers.CharField(allow_blank=True, help_text="The district's Kazakh name (empty: not given).")
    district_ru = serializers.CharField(allow_blank=True, help_text="The district's Russian name (empty: not given).")
    region_kk = serializers.CharField(allow_blank=True)
    region_ru = serializers.CharField(allow_blank=True)
    party_kk = serializers.CharField(allow_blank=True)
    party_ru = serializers.CharField(allow_blank=True)
    valid_certificate = serializers.IntegerField(
        help_text="Valid, signed with the signer's NCA key (EDS, eGov Mobile)."
    )
    valid_phone_of_iin = serializers.IntegerField(
        help_text="Valid, by a text-message code to a number the mobile-citizens database links to the IIN."
    )
    valid_phone = serializers.IntegerField(help_text="Valid, by a text-message code to a typed number.")
    valid_partner = serializers.IntegerField(help_text="Valid, submitted by an accredited partner.")
    valid_paper = serializers.IntegerField(help_text="Valid, handwritten on a paper sheet.")


class DailyRow(serializers.Serializer):
    petition = serializers.IntegerField()
    day = serializers.DateField(help_text="Day of signing, Almaty time.")
    channel = serializers.CharField(help_text="web, paper, partner, eds or egov_mobile.")
    received = serializers.IntegerField()
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    withdrawn = serializers.IntegerField()


class DistrictRow(serializers.Serializer):
    district_code = serializers.CharField()
    district = serializers.CharField()
    region = serializers.CharField()
    level = serializers.CharField()
    registered_voters = serializers.IntegerField()
    petitions = serializers.IntegerField(help_text="Public petitions in the district.")
    collecting = serializers.IntegerField(help_text="Of them, collecting signatures now.")
    valid = serializers.IntegerField(help_text="Valid signatures over its public petitions.")
    district_kk = serializers.CharField(allow_blank=True, help_text="The district's Kazakh name (empty: not given).")
    district_ru = serializers.CharField(allow_blank=True, help_text="The district's Russian name (empty: not given).")
    region_kk = serializers.CharField(allow_blank=True)
    region_ru = serializers.CharField(allow_blank=True)


def _file_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "licence": serializers.CharField(help_text=f"`{open_data.LICENCE}`"),
            "licence_url": serializers.URLField(),
            "attribution": serializers.CharField(),
            "generated_at": serializers.DateTimeField(),
            "rows": row(many=True),
        },
    )


PetitionsFile = _file_serializer("OpenPetitions", PetitionRow)
DailyFile = _file_serializer("OpenDaily", DailyRow)
DistrictsFile = _file_serializer("OpenDistricts", DistrictRow)


class _OpenData(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # a shared, cached copy (public_cache)
    table = ""

    def rows(self) -> list[dict[str, Any]]:
        return open_data.TABLES[self.table][0]()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = LICENCE_LINK
        return response


class _Json(_OpenData):
    renderer_classes = [JSONRenderer]

    def get(self, request: Request) -> Response:
        return Response(
            {
                "licence": open_data.LICENCE,
                "licence_url": open_data.LICENCE_URL,
                "attribution": open_data.ATTRIBUTION,
                "generated_at": timezone.now(),
                "rows": self.rows(),
            }
        )


class _Csv(_OpenData):
    renderer_classes = [CSVRenderer]

    def get(self, request: Request) -> Response:
        response = Response(open_data.as_csv(self.rows(), open_data.TABLES[self.table][1]))
        response["Content-Disposition"] = f'attachment; filename="{self.table}.csv"'
        return response


CSV_DOC = OpenApiResponse(OpenApiTypes.STR, description=f"CSV with a header row, UTF-8; licence {open_data.LICENCE}.")
DESCRIPTIONS = {
    "petitions": "Every public petition with its counts (the figures of the petition pages).",
    "daily": "Per petition, per day of signing (Almaty time) and per channel: signatures received and how they stand.",
    "districts": "Per district: registered voters, public petitions, collecting now, valid signatures.",
}


def _views(table: str, file_serializer: type[serializers.Serializer]) -> tuple[type, type]:
    licence = f" Licence: {open_data.LICENCE} ({open_data.LICENCE_URL}). No personal data."
    as_json = extend_schema(
        tags=["open data"],
        summary=f"{table} (JSON)",
        description=DESCRIPTIONS[table] + licence,
        responses={200: file_serializer},
    )(type(f"Open{table.title()}Json", (_Json,), {"table": table}))
    as_csv = extend_schema(
        tags=["open data"],
        summary=f"{table} (CSV)",
        description=DESCRIPTIONS[table] + licence,
        responses={(200, "text/csv"): CSV_DOC},
    )(type(f"Open{table.title()}Csv", (_Csv,), {"table": table}))
    return as_json, as_csv


PetitionsJson, PetitionsCsv = _views("petitions", PetitionsFile)
DailyJson, DailyCsv = _views("daily", DailyFile)
DistrictsJson, DistrictsCsv = _views("districts", DistrictsFile)


# --- One petition's own data, linked from its page ----------------------------------------------


class StationRow(serializers.Serializer):
    petition = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=["station", "other_stations", "no_station"],
        help_text="`station`: one polling station with ten valid signatures or more; `other_stations`: smaller "
        "ones pooled (never fewer than ten signatures over two stations or more); `no_station`: voters whose "
        "register row names no station.",
    )
    station = serializers.CharField(allow_null=True, help_text="The station's number as the register gives it.")
    valid = serializers.IntegerField()
    stations = serializers.IntegerField(allow_null=True, help_text="Stations the row counts.")


PetitionDailyFile = type(
    "OpenPetitionDaily",
    (_file_serializer("OpenPetitionDailyBase", DailyRow),),
    {"petition": PetitionRow(help_text="The petition and its counts, as in the petitions table.")},
)
PetitionStationsFile = _file_serializer("OpenPetitionStations", StationRow)
PETITION_TABLES = {
    "daily": (lambda pk: open_data.daily(pk), open_data.DAILY_COLUMNS),
    "stations": (open_data.stations, open_data.STATION_COLUMNS),
}


class _OnePetition(_OpenData):
    def petition(self, pk: int) -> Any:
        petition = public_petitions().filter(pk=pk).first()
        if petition is None:
            raise NotFound("No public petition has this number.")
        return petition


class _PetitionJson(_OnePetition):
    renderer_classes = [JSONRenderer]

    def get(self, request: Request, pk: int) -> Response:
        petition = self.petition(pk)
        body = {
            "licence": open_data.LICENCE,
            "licence_url": open_data.LICENCE_URL,
            "attribution": open_data.ATTRIBUTION,
            "generated_at": timezone.now(),
        }
        if self.table == "daily":
            body["petition"] = open_data.petition_row(petition)
        body["rows"] = PETITION_TABLES[self.table][0](petition.pk)
        return Response(body)


class _PetitionCsv(_OnePetition):
    renderer_classes = [CSVRenderer]

    def get(self, request: Request, pk: int) -> Response:
        petition = self.petition(pk)
        rows, columns = PETITION_TABLES[self.table][0](petition.pk), PETITION_TABLES[self.table][1]
        response = Response(open_data.as_csv(rows, columns))
        response["Content-Disposition"] = f'attachment; filename="petition-{petition.pk}-{self.table}.csv"'
        return response


PETITION_DESCRIPTIONS = {
    "daily": "One petition's signatures per day of signing (Almaty time) and per channel; the JSON also "
    "gives the petition's counts.",
    "stations": "One petition's valid signatures by polling station (from the register's optional column). "
    "A station with fewer than ten is never shown on its own.",
}


def _petition_views(table: str, file_serializer: type[serializers.Serializer]) -> tuple[type, type]:
    licence = f" Licence: {open_data.LICENCE} ({open_data.LICENCE_URL}). No personal data."
    not_found = OpenApiResponse(description="No public petition has this number.")
    as_json = extend_schema(
        tags=["open data"],
        summary=f"one petition's {table} (JSON)",
        description=PETITION_DESCRIPTIONS[table] + licence,
        responses={200: file_serializer, 404: not_found},
    )(type(f"OpenPetition{table.title()}Json", (_PetitionJson,), {"table": table}))
    as_csv = extend_schema(
        tags=["open data"],
        summary=f"one petition's {table} (CSV)",
        description=PETITION_DESCRIPTIONS[table] + licence,
        responses={(200, "text/csv"): CSV_DOC, 404: not_found},
    )(type(f"OpenPetition{table.title()}Csv", (_PetitionCsv,), {"table": table}))
    return as_json, as_csv


PetitionDailyJson, PetitionDailyCsv = _petition_views("daily", PetitionDailyFile)
PetitionStationsJson, PetitionStationsCsv = _petition_views("stations", PetitionStationsFile)
