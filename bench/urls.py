"""The service's URLs plus the two baselines the sign endpoint is compared with."""

import datetime as dt
import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as service_urls
from recall import crypto
from recall.models import Signature
from recall.services.signing.signatures import new_receipt


class Baseline(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class OrmBaselineSign(Baseline):
    """The least a DRF view can do with the ORM: parse the request and create the same row, with
    the same digests and encryption. No key, no throttle, no validation, no idempotency, no queue."""

    def post(self, request: Request, pk: int) -> Response:
        data = request.data
        now = timezone.now()
        signature = Signature.objects.create(
            petition_id=pk,
            voter_id=crypto.iin_digest(data["iin"]),
            channel="partner",
            identity_strength="partner",
            signed_at=now,
            received_at=now,
            receipt=new_receipt(),  # the same row as a partner's signature: it has a receipt
            name_digest=crypto.name_digest(data["full_name"]),
            # the name's word digests: the sign path's row has them, so the same row does
            **crypto.typed_name_digests(data["full_name"], data["iin"]).as_columns(),
            birth_digest=crypto.birth_digest(dt.date.fromisoformat(data["birth_date"])),
            personal={k: data[k] for k in ("iin", "full_name", "birth_date", "address")},
        )
        return Response({"id": signature.pk, "state": signature.state}, status=202)


# The signature table's columns a bare INSERT fills (the others have no database default).
BARE_SQL = """
INSERT INTO recall_signature (petition_id, voter_digest, channel, identity_strength, signed_at, received_at, state, ground,
    review_reasons, iin_checksum_ok, data_complete, iin_data_mismatch, name_digest, birth_digest, personal,
    collector, request_hash, decision_note)
VALUES (%s, %s, 'partner', 'partner', %s, %s, 'received', '', '[]', true, true, false, %s, %s, %s, '', '', '')
RETURNING id
"""


class BareInsert(Baseline):
    """A DRF view doing one raw INSERT of a row into the same table: no digests, no encryption,
    no ORM. The floor under any sign endpoint written with DRF."""

    def post(self, request: Request, pk: int) -> Response:
        data = request.data
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                BARE_SQL,
                [pk, data["iin"], now, now, data["full_name"], data["birth_date"], json.dumps(data)],
            )
            row = cursor.fetchone()
        return Response({"id": row[0], "state": "received"}, status=202)


def plain(request: HttpRequest) -> HttpResponse:
    """The read baseline: a plain Django view through the same middleware, no database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/plain/", plain),
    path("bench/orm/<int:pk>/signatures/", OrmBaselineSign.as_view()),
    path("bench/bare/<int:pk>/signatures/", BareInsert.as_view()),
    # The same view outside the stack: bench/wsgi.py serves /bench/outside/ with no middleware.
    path("bench/outside/<int:pk>/signatures/", BareInsert.as_view()),
    *service_urls,
]
