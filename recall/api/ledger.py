"""The public signature ledger's endpoints (recall/ledger/API.md): checkpoints, entries, proofs,
the log's key, and the witnesses' cosignatures. Reads need no key; a cosignature needs the
``witness`` scope. The logic is in recall.services.ledger.log and recall.services.ledger.witnesses."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..ledger import beacon
from ..models import LedgerCheckpoint, Petition, SeedCommitment, SeedRound
from ..selectors import public_petitions
from ..services import ledger
from ..services.ledger import beacon_source, sampling, witnesses
from .pagination import Pagination
from .permissions import HasScope
from .serializers import ErrorSerializer

MAX_INDEX = 2**62
ENTRY_PAGE = 1000
B64_32 = r"^[A-Za-z0-9+/]{43}=$"


def _errors(*codes: int, **described: str) -> dict[int, OpenApiResponse]:
    text = {
        400: "`invalid`: a parameter out of range (the field names it).",
        404: "`not_found`: the petition is not public, or nothing of that kind exists.",
        429: "`throttled`: too many requests.",
        **{int(k.removeprefix("s")): v for k, v in described.items()},  # s401="..." for 401
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


def _invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [ErrorDetail(message, code="invalid")]})


def _whole(request: Request, name: str, low: int, high: int, *, required: bool = True) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        if required:
            raise _invalid(name, "This parameter is required.")
        return None
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        raise _invalid(name, f"A whole number from {low} to {high}.")
    return int(raw)


def _petition(pk: int) -> Petition:
    return get_object_or_404(public_petitions(), pk=pk)


def _int_param(name: str, description: str, *, minimum: int = 0, required: bool = True) -> OpenApiParameter:
    schema = {"type": "integer", "minimum": minimum, "maximum": MAX_INDEX}
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, required=required, description=description)


# --- shapes (documentation: the views build their JSON directly) ------------------------------


class CosignatureShape(serializers.Serializer):
    witness = serializers.CharField(help_text="The witness key's name: its identity.")
    vkey = serializers.CharField(help_text="Its cosignature/v1 verifier key.")
    signature = serializers.CharField(help_text="The note signature line (C2SP tlog-cosignature).")
    timestamp = serializers.IntegerField(help_text="Seconds since 1970 when the witness cosigned.")
    accredited = serializers.BooleanField(
        help_text="The key is on the commission's accredited list (`/api/v1/ledger/witnesses/`); only those count."
    )


class CheckpointShape(serializers.Serializer):
    origin = serializers.CharField(help_text="`<host>/petitions/<id>`.")
    size = serializers.IntegerField(min_value=0)
    root_hash = serializers.CharField(help_text="The Merkle root (RFC 9162), base64.")
    checkpoint = serializers.CharField(help_text="The signed note (C2SP tlog-checkpoint), the log's signature only.")
    signed_at = serializers.DateTimeField()
    cosignatures = CosignatureShape(many=True)


class LatestShape(CheckpointShape):
    log_size = serializers.IntegerField(help_text="Entries so far (those past `size` wait for the next checkpoint).")


class CheckpointPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CheckpointShape(many=True)


class EntryShape(serializers.Serializer):
    index = serializers.IntegerField()
    entry = serializers.CharField(help_text="The entry's bytes (recall-ledger entry v1, canonical JSON), base64.")


class EntryPage(serializers.Serializer):
    entries = EntryShape(many=True)
    next = serializers.URLField(allow_null=True, help_text="The rest of the range, or null.")


class InclusionShape(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    hashes = serializers.ListField(child=serializers.CharField())


class ConsistencyShape(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    hashes = serializers.ListField(child=serializers.CharField())


class WitnessShape(serializers.Serializer):
    name = serializers.CharField()
    vkey = serializers.CharField(help_text="cosignature/v1 verifier key: pin it with `--witness NAME=VKEY`.")
    url = serializers.CharField(help_text="Its C2SP tlog-witness submission prefix (empty if it posts instead).")


class WitnessList(serializers.Serializer):
    witnesses = WitnessShape(many=True)


class KeyShape(serializers.Serializer):
    key_name = serializers.CharField()
    vkey = serializers.CharField(help_text="Go's verifier-key format: `<name>+<key id>+base64(0x01 || key)`.")


def cosignatures_json(cosignatures: Any) -> list[dict[str, Any]]:
    """Each witness's first cosignature of the checkpoint and, if it cosigned it again, its latest."""
    out = []
    for c in sorted(cosignatures, key=lambda c: (c.witness_name, c.pk)):
        accredited = witnesses.is_accredited(c.witness_name, c.vkey)
        for line, timestamp in ((c.line, c.timestamp), (c.latest_line, c.latest_timestamp)):
            if line:
                out.append(
                    {
                        "witness": c.witness_name,
                        "vkey": c.vkey,
                        "signature": line,
                        "timestamp": timestamp,
                        "accredited": accredited,
                    }
                )
    return out


def checkpoint_json(checkpoint: LedgerCheckpoint, cosignatures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if cosignatures is None:
        cosignatures = cosignatures_json(checkpoint.cosignatures.all())
    return {
        "origin": ledger.origin(checkpoint.petition_id),
        "size": checkpoint.size,
        "root_hash": ledger.b64(checkpoint.root_hash),
        "checkpoint": checkpoint.note,
        "signed_at": serializers.DateTimeField().to_representation(checkpoint.signed_at),
        "cosignatures": cosignatures,
    }


# --- views -------------------------------------------------------------------------------------


@extend_schema(tags=["ledger"], responses={200: KeyShape, **_errors(429)})
class LedgerKey(APIView):
    """The log's public key (Ed25519, Go's verifier-key format): checkpoints verify with it."""

    def get(self, request: Request) -> Response:
        signer = ledger.signer()
        return Response({"key_name": signer.name, "vkey": signer.vkey})


class BeaconShape(serializers.Serializer):
    hash = serializers.CharField(help_text="The chain's hash (drand's quicknet in production).")
    public_key = serializers.CharField(help_text="BLS12-381 G2 public key, hex.")
    genesis_time = serializers.IntegerField()
    period = serializers.IntegerField()
    schemeID = serializers.CharField()
    stand_in = serializers.BooleanField(help_text="A stand-in chain of this service's own key: not drand.")


@extend_schema(tags=["ledger"], responses={200: BeaconShape, **_errors(429)})
class LedgerBeacon(APIView):
    """The randomness beacon chain the samples' seeds take rounds of, as drand's `/info` shows it.
    Pin drand's quicknet from drand itself; a stand-in chain (development) proves nothing."""

    def get(self, request: Request) -> Response:
        chain = beacon_source.source().chain
        return Response({**chain.info(), "stand_in": chain.hash != beacon.QUICKNET.hash})


@extend_schema(tags=["ledger"], responses={200: WitnessList, **_errors(429)})
class LedgerWitnesses(APIView):
    """The accredited witnesses (the commission's list): only their cosignatures count."""

    def get(self, request: Request) -> Response:
        return Response({"witnesses": [{"name": w.name, "vkey": w.vkey, "url": w.url} for w in witnesses.accredited()]})


@extend_schema(tags=["ledger"], responses={200: LatestShape, **_errors(404, 429)})
class LedgerLatest(APIView):
    """The petition's latest signed checkpoint with its witnesses' cosignatures."""

    def get(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        checkpoint = petition.ledger_checkpoints.order_by("-size", "-signed_at", "-pk").first()
        if checkpoint is None:
            raise NotFound()
        return Response({**checkpoint_json(checkpoint), "log_size": petition.ledger_size})


@extend_schema(tags=["ledger"], responses={200: CheckpointPage, **_errors(400, 404, 429)})
class LedgerCheckpoints(APIView):
    """Every checkpoint ever signed for the petition, oldest first (by size, then signing time)."""

    pagination_class = Pagination

    def get(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        paginator = Pagination()
        queryset = petition.ledger_checkpoints.prefetch_related("cosignatures").order_by("size", "signed_at", "pk")
        page = paginator.paginate_queryset(queryset, request, view=self)
        results = [checkpoint_json(c, cosignatures_json(c.cosignatures.all())) for c in page]
        return paginator.get_paginated_response(results)


@extend_schema(
    tags=["ledger"],
    parameters=[
        _int_param("start", "First index, from 0."),
        _int_param(
            "end", "Index past the last one asked for (more than `start`); clipped to the log's size.", minimum=1
        ),
    ],
    responses={200: EntryPage, **_errors(400, 404, 429)},
)
class LedgerEntries(APIView):
    """The log's entries by index range, at most 1000 an answer; `next` asks for the rest."""

    def get(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        start = _whole(request, "start", 0, MAX_INDEX)
        end = _whole(request, "end", 1, MAX_INDEX)
        if end <= start:
            raise _invalid("end", "`end` must be more than `start`.")
        stop = min(end, petition.ledger_size, start + ENTRY_PAGE)
        items = ledger.entries_between(petition.pk, start, stop) if stop > start else []
        more = stop < min(end, petition.ledger_size)
        url = reverse("api:ledger-entries", kwargs={"pk": petition.pk})
        return Response(
            {
                "entries": [{"index": i, "entry": ledger.b64(d)} for i, d in items],
                "next": request.build_absolute_uri(f"{url}?start={stop}&end={end}") if more else None,
            }
        )


@extend_schema(
    tags=["ledger"],
    parameters=[
        _int_param("tree_size", "The tree size the proof is for: 1 to the log's size.", minimum=1),
        OpenApiParameter(
            "leaf_hash",
            {"type": "string", "pattern": B64_32},
            OpenApiParameter.QUERY,
            required=False,
            description="The leaf hash SHA-256(0x00 || entry), base64; or give `index`.",
        ),
        _int_param("index", "The leaf's index, below `tree_size` (instead of `leaf_hash`).", required=False),
    ],
    responses={200: InclusionShape, **_errors(400, 404, 429)},
)
class LedgerInclusionProof(APIView):
    """An inclusion proof (RFC 9162 §2.1.3) of a leaf in the tree of `tree_size` entries."""

    def get(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        size = _whole(request, "tree_size", 1, MAX_INDEX)
        if size > petition.ledger_size:
            raise _invalid("tree_size", f"The log has {petition.ledger_size} entries.")
        index = _whole(request, "index", 0, MAX_INDEX, required=False)
        raw = request.query_params.get("leaf_hash")
        if (index is None) == (raw is None):
            raise _invalid("leaf_hash", "Give either `leaf_hash` or `index`.")
        if raw is not None:
            try:
                leaf = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                leaf = b""
            if len(leaf) != 32:
                raise _invalid("leaf_hash", "A leaf hash is 32 bytes in standard base64.")
            index = ledger.leaf_index(petition.pk, leaf, size)
            if index is None:
                raise NotFound()
        if index >= size:
            raise _invalid("index", "`index` must be below `tree_size`.")
        hashes = ledger.inclusion_proof(petition.pk, index, size)
        return Response({"leaf_index": index, "tree_size": size, "hashes": [ledger.b64(h) for h in hashes]})


@extend_schema(
    tags=["ledger"],
    parameters=[
        _int_param("first", "The older tree size, from 1.", minimum=1),
        _int_param("second", "The newer tree size, from `first` to the log's size.", minimum=1),
    ],
    responses={200: ConsistencyShape, **_errors(400, 404, 429)},
)
class LedgerConsistencyProof(APIView):
    """A consistency proof (RFC 9162 §2.1.4) between two sizes of the petition's log."""

    def get(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        first = _whole(request, "first", 1, MAX_INDEX)
        second = _whole(request, "second", 1, MAX_INDEX)
        if not first <= second <= petition.ledger_size:
            raise _invalid("second", f"Need 1 <= first <= second <= {petition.ledger_size}.")
        hashes = ledger.consistency_proof(petition.pk, first, second)
        return Response({"first": first, "second": second, "hashes": [ledger.b64(h) for h in hashes]})


class CosignatureInput(serializers.Serializer):
    cosignature = serializers.CharField(max_length=1000, help_text="`— <name> <base64>\\n` (C2SP tlog-cosignature).")
    size = serializers.IntegerField(min_value=0, max_value=MAX_INDEX)
    root_hash = serializers.RegexField(B64_32, help_text="The checkpoint's root, base64.")


class CosignatureStored(serializers.Serializer):
    witness = serializers.CharField()
    size = serializers.IntegerField()
    root_hash = serializers.CharField()
    timestamp = serializers.IntegerField()


@extend_schema(
    tags=["partners"],
    request=CosignatureInput,
    responses={
        201: CosignatureStored,
        200: OpenApiResponse(CosignatureStored, description="This witness had cosigned it: the newer line replaces."),
        **_errors(
            400,
            401,
            403,
            404,
            409,
            422,
            429,
            s401="`not_authenticated` / `invalid_api_key`: no key, or an unknown one.",
            s403="`missing_scope`: the key lacks `witness`, or its client registered no witness key.",
            s409="`root_mismatch`: the checkpoint of that size has another root (a split view).",
            s422="`invalid_cosignature`: the line does not verify with the registered witness key.",
        ),
    },
)
class LedgerCosignatures(APIView):
    """A witness cosigns a checkpoint it verified (scope `witness`, a registered witness key)."""

    permission_classes = [HasScope]
    required_scope = "witness"

    def post(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        data = CosignatureInput(data=request.data)
        data.is_valid(raise_exception=True)
        stored, created = witnesses.cosign(
            petition,
            request.auth.client,
            size=data.validated_data["size"],
            root_hash=base64.b64decode(data.validated_data["root_hash"]),
            line=data.validated_data["cosignature"],
        )
        body = {
            "witness": stored.witness_name,
            "size": data.validated_data["size"],
            "root_hash": data.validated_data["root_hash"],
            "timestamp": stored.timestamp,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- the sample's seed: its state, and an accredited witness's share --------------------------


class SeedPartyShape(serializers.Serializer):
    party = serializers.CharField()
    commitment = serializers.CharField()
    reveal = serializers.CharField(allow_blank=True, help_text="Empty until the party reveals.")


class SeedRoundShape(serializers.Serializer):
    chain = serializers.CharField(help_text="The drand chain's hash (quicknet in production).")
    round = serializers.IntegerField()
    round_time = serializers.DateTimeField(help_text="When the round comes into existence.")
    reveals_close = serializers.DateTimeField(help_text="Reveals are taken until then.")


class SampleSeedShape(serializers.Serializer):
    parties = SeedPartyShape(many=True)
    beacon = SeedRoundShape(allow_null=True)
    drawn = serializers.BooleanField()


def sample_seed_json(petition: Petition) -> dict[str, Any]:
    fixed = SeedRound.objects.filter(petition=petition).first()
    field = serializers.DateTimeField()
    return {
        "parties": [
            {"party": c.name, "commitment": c.commitment, "reveal": c.reveal}
            for c in SeedCommitment.objects.filter(petition=petition).order_by("name")
        ],
        "beacon": None
        if fixed is None
        else {
            "chain": fixed.chain,
            "round": fixed.round,
            "round_time": field.to_representation(fixed.round_time),
            "reveals_close": field.to_representation(sampling.reveals_close(fixed)),
        },
        "drawn": petition.sample_runs.exists(),
    }


@extend_schema(tags=["ledger"], responses={200: SampleSeedShape, **_errors(404, 429)})
class SampleSeed(APIView):
    """Where the sample's seed stands: the parties' commitments and reveals, the beacon round."""

    def get(self, request: Request, pk: int) -> Response:
        return Response(sample_seed_json(_petition(pk)))


class CommitmentInput(serializers.Serializer):
    commitment = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        help_text="SHA-256(`recall-seed-commit/v1` 0x00 || your witness name || 0x00 || reveal), hex.",
    )


class RevealInput(serializers.Serializer):
    reveal = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="The 32 bytes behind your commitment, hex.")


_SEED_ERRORS = _errors(
    400,
    401,
    403,
    404,
    409,
    429,
    s401="`not_authenticated` / `invalid_api_key`: no key, or an unknown one.",
    s403="`missing_scope`: the key lacks `witness`, or its witness key is not accredited.",
    s409="The petition is not in that phase (`commitments_closed`, `round_not_fixed`, `reveals_closed`, "
    "`already_committed`, `already_revealed`, `sample_exists`), or not under verification.",
)


@extend_schema(tags=["partners"], request=CommitmentInput, responses={201: SeedPartyShape, **_SEED_ERRORS})
class SampleCommitments(APIView):
    """An accredited witness commits to its share of the sample's seed (before the round is fixed)."""

    permission_classes = [HasScope]
    required_scope = "witness"

    def post(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        data = CommitmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        party = sampling.witness_party(request.auth.client)
        item = sampling.commit(petition, party=party, commitment=data.validated_data["commitment"])
        return Response({"party": item.name, "commitment": item.commitment, "reveal": ""}, status=201)


@extend_schema(tags=["partners"], request=RevealInput, responses={201: SeedPartyShape, **_SEED_ERRORS})
class SampleReveals(APIView):
    """An accredited witness reveals its share (after the round is fixed, before it exists)."""

    permission_classes = [HasScope]
    required_scope = "witness"

    def post(self, request: Request, pk: int) -> Response:
        petition = _petition(pk)
        data = RevealInput(data=request.data)
        data.is_valid(raise_exception=True)
        party = sampling.witness_party(request.auth.client)
        item = sampling.reveal(petition, party=party, reveal=data.validated_data["reveal"])
        return Response({"party": item.name, "commitment": item.commitment, "reveal": item.reveal}, status=201)
