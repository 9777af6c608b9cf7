"""API v1: public reads (no key) and accredited partners' endpoints (``Api-Key``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import (
    accepted_channels,
    daily_valid,
    deputies,
    districts,
    forecast,
    latest_projection,
    next_steps,
    public_history,
    public_petition,
    public_petitions,
    valid_by_identity,
)
from ..services import signing
from ..services.notices import webhooks
from ..services.public import public_cache
from ..services.signing import codes as signing_codes
from ..services.signing import eds
from ..services.verification import review
from . import idempotency, inputs
from .filters import DeputyFilter, DistrictFilter, PetitionFilter
from .pagination import Pagination
from .permissions import HasScope
from .serializers import (
    DeputySerializer,
    DistrictSerializer,
    EdsSignatureInputSerializer,
    EdsStatementInputSerializer,
    EdsStatementSerializer,
    ErrorSerializer,
    PartnerSignatureSerializer,
    PetitionDetailSerializer,
    PetitionSerializer,
    SignatureAcceptedSerializer,
    SignatureInputSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
    live_detail,
)

MAX_ID = 2**63 - 1


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input: `code` names the problem (e.g. `invalid_iin`, `invalid_birth_date`; for EDS "
        "`eds_content_mismatch`, `eds_bad_signature`, `eds_expired`, `eds_revoked`, `eds_untrusted_chain`, "
        "`eds_wrong_key_usage`, `eds_not_individual`, `eds_malformed`, `eds_challenge_used`, "
        "`eds_challenge_expired`, `eds_other_petition`), `fields` the fields.",
        401: "No key, or an unknown, revoked or expired key (`not_authenticated`, `invalid_api_key`, `expired_api_key`).",
        403: "The key lacks the scope (`missing_scope`), or the election commission does not accept signatures "
        "through this channel for the petition's level (`channel_not_accepted`: its policy; nothing was stored).",
        404: "No such object (`not_found`).",
        409: "Conflict: `petition_not_collecting`, `already_signed` (this partner sent this voter before), "
        "`too_many_webhooks`.",
        422: "`idempotency_key_reused`: the same Idempotency-Key with a different body.",
        429: "`throttled`: too many requests for this key; see `retry_after`.",
        503: "`eds_revocation_unknown` or `eds_backend_unavailable`: the certificate could not be checked "
        "just now; nothing was stored, try again later.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


@extend_schema(tags=["public"], responses={200: DistrictSerializer(many=True), **errors(429)})
class DistrictList(generics.ListAPIView):
    """Single-member electoral districts with their registered voters (from the register)."""

    queryset = districts()
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilter
    pagination_class = Pagination


@extend_schema(tags=["public"], responses={200: DeputySerializer(many=True), **errors(429)})
class DeputyList(generics.ListAPIView):
    """Deputies of the Mazhilis and maslikhats. Only single-mandate ones can be recalled by voters."""

    queryset = deputies()
    serializer_class = DeputySerializer
    filterset_class = DeputyFilter
    pagination_class = Pagination


@extend_schema(
    tags=["public"],
    responses={200: PetitionSerializer(many=True), **errors(429)},
    parameters=[
        OpenApiParameter("deputy", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description="The deputy's id.")
    ],
)
class PetitionList(generics.ListAPIView):
    """Registered recall petitions with their counts. Applications not yet registered are not listed."""

    serializer_class = PetitionSerializer
    filterset_class = PetitionFilter
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        return public_petitions().order_by("-registered_at", "-pk")


@extend_schema(tags=["public"], responses={200: PetitionDetailSerializer, **errors(404, 429)})
class PetitionDetail(generics.RetrieveAPIView):
    """A petition: grounds, the deputy's answer, counts, the daily series of valid signatures,
    the history of its states and, after random-sample verification, the projection."""

    serializer_class = PetitionDetailSerializer
    # A shared copy under its canonical URL (public_cache): a reader cannot make it rebuild, so
    # it is not throttled (two cache round trips a build), like the open data.
    throttle_classes: list = []

    def get_queryset(self) -> Any:
        return public_petitions()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The counts and the daily series on every build, as a dict (serializers.live_detail);
        the content (grounds, answers, history, projection, ...) from its fragment when kept
        (public_cache.fragment_key)."""
        petition = public_petition(kwargs["pk"])
        if petition is None:
            raise Http404
        daily = daily_valid(petition)
        outlook = forecast(petition, [(d.date, d.valid) for d in daily])
        by_identity = valid_by_identity(petition)
        key = "api:" + public_cache.fragment_key(request, petition)
        kept = public_cache.fragments()
        content = kept.get(key)
        if content is None:
            petition.history = public_history(petition)
            petition.projection = latest_projection(petition)
            petition.next_steps = next_steps(petition)
            petition.accepted_channels = accepted_channels(petition)
            content = dict(PetitionDetailSerializer(petition, content=True, context=self.get_serializer_context()).data)
            kept.set(key, content, public_cache.fragment_seconds())
        # The live fields without the serializer (live_detail says why; the tests hold the two equal).
        live = live_detail(petition, daily=daily, outlook=outlook, by_identity=by_identity)
        return Response(
            {name: content[name] if name in content else live[name] for name in PetitionDetailSerializer.Meta.fields}
        )


@extend_schema(
    tags=["partners"],
    request=SignatureInputSerializer,
    parameters=[
        OpenApiParameter(
            idempotency.HEADER,
            str,
            OpenApiParameter.HEADER,
            required=False,
            description=(
                "1 to 255 printable ASCII characters, unique per request: a retry with the same key and body "
                "returns the first answer; the same key with another body is 422 `idempotency_key_reused`."
            ),
            pattern=idempotency.PATTERN,
        )
    ],
    responses={202: SignatureAcceptedSerializer, **errors(400, 401, 403, 404, 409, 422, 429)},
    examples=[
        OpenApiExample(
            "A signature",
            request_only=True,
            value={
                "iin": "791028302728",
                "full_name": "Ахметов Ерлан Маратович",
                "birth_date": "1979-10-28",
                "address": "Karaganda, Abai street 12, apt. 5",
                "signed_at": "2026-11-25T10:15:00+05:00",
            },
        ),
        OpenApiExample(
            "Accepted",
            response_only=True,
            status_codes=["202"],
            value={"receipt": "7KQ2-M9XD-3FRA", "state": "received", "petition": 12},
        ),
        OpenApiExample(
            "Channel not accepted",
            response_only=True,
            status_codes=["403"],
            value={
                "code": "channel_not_accepted",
                "message": "The election commission does not accept signatures made this way for this petition.",
            },
        ),
        OpenApiExample(
            "Bad IIN",
            response_only=True,
            status_codes=["400"],
            value={
                "code": "invalid_iin",
                "message": "This IIN's check digit is wrong; please check the number.",
                "fields": {
                    "iin": [
                        {"code": "invalid_iin", "message": "This IIN's check digit is wrong; please check the number."}
                    ]
                },
            },
        ),
    ],
)
class SignatureCreate(APIView):
    """Submit a signature collected under the partner's own identity checks (scope `sign`).

    The signature is stored at once and verified against the voter register by the workers;
    read its state with the receipt. A partner learns that a submission repeats one *it* sent
    before (`already_signed`), never that someone else signed.
    """

    permission_classes = [HasScope]
    required_scope = "sign"

    def post(self, request: Request, pk: int) -> HttpResponse:
        key = idempotency.key_of(request)
        values = inputs.read_signature(request.data)
        request_hash = idempotency.fingerprint(request) if key else ""
        try:
            signature = signing.sign_for_partner(
                pk,
                values.signer,
                client_id=request.auth.client_id,
                signed_at=values.signed_at,
                idempotency_key=key,
                request_hash=request_hash,
            )
            replayed = False
        except signing.Replay as replay:
            idempotency.check_same_request(replay.signature.request_hash, request_hash)
            signature, replayed = replay.signature, True
        # The first answer, reproduced exactly on a replay. Written directly as JSON: this
        # endpoint answers nothing else, and DRF's negotiation and renderer are a tenth of it.
        body = {
            "receipt": signing.format_receipt(signature.receipt),
            "state": "received",
            "petition": signature.petition_id,
        }
        response = JsonResponse(body, status=status.HTTP_202_ACCEPTED)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


@extend_schema(
    tags=["partners"],
    request=EdsStatementInputSerializer,
    responses={201: EdsStatementSerializer, **errors(400, 401, 403, 404, 409, 429)},
)
class EdsStatementCreate(APIView):
    """A statement for a voter to sign with their EDS key (scope `sign`): the petition, the deputy,
    the grounds, the date and a one-time challenge. Have the voter's NCALayer sign `statement`,
    then submit the CMS to `eds-signatures/` before `expires_at`. 404 when this service does not
    accept EDS signatures."""

    permission_classes = [HasScope]
    required_scope = "sign"

    def post(self, request: Request, pk: int) -> Response:
        data = EdsStatementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        petition = get_object_or_404(public_petitions().select_related("deputy", "district"), pk=pk)
        with translation.override(data.validated_data["language"]):
            issued = eds.issue(petition, client_id=request.auth.client_id)
        body = {
            "challenge": issued.challenge,
            "statement": eds.statement_base64(issued),
            "text": issued.statement,
            "expires_at": issued.expires_at,
        }
        return Response(EdsStatementSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["partners"],
    request=EdsSignatureInputSerializer,
    responses={202: SignatureAcceptedSerializer, **errors(400, 401, 403, 404, 409, 429, 503)},
)
class EdsSignatureCreate(APIView):
    """Submit a signature a voter made with their EDS key over a statement this partner was
    issued (scope `sign`). It is verified at once (the signature over exactly that statement, an
    individual's signing certificate chained to the NCA root, valid and not revoked); the IIN
    and name come from the certificate. Nothing is stored when it is refused. A statement is
    accepted once. `already_signed`: this certificate's IIN has already signed the petition."""

    permission_classes = [HasScope]
    required_scope = "sign"

    def post(self, request: Request, pk: int) -> Response:
        data = EdsSignatureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        signature = eds.sign_with_eds(
            values["challenge"],
            values["cms"],
            petition_id=pk,
            address=values["address"],
            client_id=request.auth.client_id,
        )
        body = {"receipt": signing.format_receipt(signature.receipt), "state": "received", "petition": pk}
        return Response(body, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["partners"], responses={200: PartnerSignatureSerializer, **errors(401, 403, 404, 429)})
class SignatureDetail(APIView):
    """The state of a signature this partner submitted (scope `read`)."""

    permission_classes = [HasScope]
    required_scope = "read"

    def get(self, request: Request, receipt: str) -> Response:
        signature = signing.partner_signature(receipt, client_id=request.auth.client_id)
        if signature is None:
            raise Http404
        # A repeat of someone's signature reads like a first until an official decides it, as
        # on the web: the partner learns nothing of who else signed.
        return Response(PartnerSignatureSerializer(signing_codes.as_seen_by_signer(signature)).data)


@extend_schema(
    tags=["partners"], request=None, responses={200: PartnerSignatureSerializer, **errors(401, 403, 404, 409, 429)}
)
class SignatureWithdraw(APIView):
    """Withdraw, on the voter's request, a signature this partner submitted (scope `withdraw`),
    while the collection window is open. Recorded in the audit log with the partner. The
    partner is the way to withdraw a signature it recorded without a phone number: the web
    sends its codes only to the number on record."""

    permission_classes = [HasScope]
    required_scope = "withdraw"

    def post(self, request: Request, receipt: str) -> Response:
        signature = review.withdraw_for_partner(receipt, client_id=request.auth.client_id)
        return Response(PartnerSignatureSerializer(signing_codes.as_seen_by_signer(signature)).data)


class WebhookList(APIView):
    """The partner's webhook endpoints (scope `webhooks`).

    Each event is POSTed as JSON with `X-Recall-Event`, `X-Recall-Delivery`, `X-Recall-Timestamp`
    and `X-Recall-Signature: v1=<hex>`, the HMAC-SHA256 under the endpoint's secret of
    `"<timestamp>." + body`. Answer 2xx; other answers are retried with backoff.
    """

    permission_classes = [HasScope]
    required_scope = "webhooks"

    @extend_schema(tags=["partners"], responses={200: WebhookSerializer(many=True), **errors(401, 403, 429)})
    def get(self, request: Request) -> Response:
        endpoints = webhooks.endpoints_of(request.auth.client_id)
        return Response(WebhookSerializer(endpoints, many=True).data)

    @extend_schema(
        tags=["partners"],
        request=WebhookSerializer,
        responses={201: WebhookCreatedSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        data = WebhookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhooks.create_endpoint(
            client_id=request.auth.client_id, url=data.validated_data["url"], events=data.validated_data["events"]
        )
        return Response(WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["partners"], responses={204: None, **errors(401, 403, 404, 429)})
class WebhookDetail(APIView):
    """Stop sending events to an endpoint (scope `webhooks`)."""

    permission_classes = [HasScope]
    required_scope = "webhooks"

    def delete(self, request: Request, pk: int) -> Response:
        if not webhooks.deactivate_endpoint(pk, client_id=request.auth.client_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
