"""The service's URLs plus the baseline the sign endpoint is compared with."""

import datetime as dt

from django.urls import path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as service_urls
from recall import crypto
from recall.models import Signature


class BaselineSign(APIView):
    """The least a DRF view can do with the same request: parse it and INSERT the same row.
    No key, no throttle, no validation, no idempotency, no queue."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request: Request, pk: int) -> Response:
        data = request.data
        now = timezone.now()
        signature = Signature.objects.create(
            petition_id=pk,
            voter_id=crypto.iin_digest(data["iin"]),
            channel="partner",
            signed_at=now,
            received_at=now,
            receipt=None,
            name_digest=crypto.name_digest(data["full_name"]),
            birth_digest=crypto.birth_digest(dt.date.fromisoformat(data["birth_date"])),
            personal={k: data[k] for k in ("iin", "full_name", "birth_date", "address")},
        )
        return Response({"id": signature.pk, "state": signature.state}, status=202)


urlpatterns = [path("bench/baseline/<int:pk>/signatures/", BaselineSign.as_view()), *service_urls]
