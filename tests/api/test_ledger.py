"""The ledger's public endpoints and the witness endpoint, answer by answer (recall/ledger/API.md)."""

import base64

import pytest
from rest_framework.test import APIClient

from recall.ledger import entries, note, tlog
from recall.models import LedgerCheckpoint, LedgerCosignature
from recall.services import ledger, verification
from tests.factories import ApiClientFactory, SignatureFactory, api_key


@pytest.fixture
def grown(collecting, voters):
    for v in voters[10:20]:
        SignatureFactory(petition=collecting, voter_row=v)
    verification.verify_all(limit=3)
    ledger.sign_due_checkpoints()
    collecting.refresh_from_db()
    return collecting


def url(petition, tail=""):
    return f"/api/v1/petitions/{petition.pk}/ledger/{tail}"


def sample_url(petition, tail=""):
    return f"/api/v1/petitions/{petition.pk}/sample/{tail}"


def test_the_key_and_the_latest_checkpoint_are_public(api, grown):
    key = api.get("/api/v1/ledger/key/").json()
    assert key == {"key_name": "recall.test/ledger", "vkey": ledger.signer().vkey}
    latest = api.get(url(grown)).json()
    checkpoint, _ = note.open_checkpoint(latest["checkpoint"], note.Verifier.from_vkey(key["vkey"]))
    assert (
        (checkpoint.origin, checkpoint.size)
        == (latest["origin"], latest["size"])
        == (ledger.origin(grown.pk), grown.ledger_size)
    )
    assert base64.b64decode(latest["root_hash"]) == checkpoint.root_hash and latest["log_size"] == grown.ledger_size


def test_entries_come_in_ranges_with_a_link_to_the_rest(api, grown):
    page = api.get(url(grown, "entries/"), {"start": 2, "end": 10**6}).json()
    assert [e["index"] for e in page["entries"]] == list(range(2, grown.ledger_size))
    assert page["next"] is None
    decoded = [entries.decode(base64.b64decode(e["entry"])) for e in page["entries"]]
    assert any(isinstance(e, entries.Verified) for e in decoded)  # the workers' decided signatures
    assert api.get(url(grown, "entries/"), {"start": 5, "end": 5}).json()["code"] == "invalid"


def test_proofs_verify_against_the_checkpoint(api, grown):
    latest = LedgerCheckpoint.objects.filter(petition=grown).latest("size")
    first = LedgerCheckpoint.objects.filter(petition=grown).earliest("size")
    data = ledger.entries_between(grown.pk, 4, 5)[0][1]
    leaf = tlog.leaf_hash(data)
    proof = api.get(
        url(grown, "proof/inclusion/"), {"tree_size": latest.size, "leaf_hash": base64.b64encode(leaf).decode()}
    ).json()
    hashes = [base64.b64decode(h) for h in proof["hashes"]]
    assert proof["leaf_index"] == 4 and tlog.verify_inclusion(leaf, 4, latest.size, hashes, bytes(latest.root_hash))
    same = api.get(url(grown, "proof/inclusion/"), {"tree_size": latest.size, "index": 4}).json()
    assert same["hashes"] == proof["hashes"]
    missing = api.get(
        url(grown, "proof/inclusion/"), {"tree_size": latest.size, "leaf_hash": base64.b64encode(b"\0" * 32).decode()}
    )
    assert missing.status_code == 404
    assert api.get(url(grown, "proof/inclusion/"), {"tree_size": latest.size + 1, "index": 0}).status_code == 400
    consistency = api.get(url(grown, "proof/consistency/"), {"first": max(first.size, 1), "second": latest.size}).json()
    assert tlog.verify_consistency(
        max(first.size, 1),
        latest.size,
        [base64.b64decode(h) for h in consistency["hashes"]],
        ledger.tree_hash(grown.pk, max(first.size, 1)),
        bytes(latest.root_hash),
    )
    assert api.get(url(grown, "proof/consistency/"), {"first": 3, "second": 2}).status_code == 400


def test_checkpoints_are_listed_oldest_first(api, grown):
    page = api.get(url(grown, "checkpoints/"), {"page_size": 200}).json()
    sizes = [c["size"] for c in page["results"]]
    assert sizes == sorted(sizes) and sizes[-1] == grown.ledger_size and page["count"] == len(sizes)


def witness(name="witness.test/w"):
    signer = note.Signer.generate(name, note.ALG_COSIGNATURE_V1)
    client_row = ApiClientFactory(witness_vkey=signer.vkey)
    _, raw = api_key(client_row, scopes=("witness",))
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return signer, api


def cosignature_body(checkpoint, signer, timestamp=1_790_000_000):
    line = note.cosign(note.parse_note(checkpoint.note).text, signer, timestamp)
    return {
        "cosignature": line,
        "size": checkpoint.size,
        "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
    }


def test_a_witness_keeps_its_first_cosignature_and_its_latest(grown, settings):
    signer, api = witness()
    latest = LedgerCheckpoint.objects.filter(petition=grown).latest("size")
    first = api.post(url(grown, "cosignatures/"), cosignature_body(latest, signer), format="json")
    assert first.status_code == 201 and first.json()["witness"] == "witness.test/w"
    again = api.post(url(grown, "cosignatures/"), cosignature_body(latest, signer, 1_790_000_100), format="json")
    assert again.status_code == 200
    stored = LedgerCosignature.objects.get()
    # The first time proves when the checkpoint existed; the latest that it still is the latest.
    assert (stored.timestamp, stored.latest_timestamp) == (1_790_000_000, 1_790_000_100)
    shown = APIClient().get(url(grown)).json()["cosignatures"]
    assert [(c["witness"], c["timestamp"], c["accredited"]) for c in shown] == [
        ("witness.test/w", 1_790_000_000, False),
        ("witness.test/w", 1_790_000_100, False),
    ]
    settings.RECALL_LEDGER_WITNESSES = [f"{signer.vkey}|https://witness.test/w"]
    assert all(c["accredited"] for c in APIClient().get(url(grown)).json()["cosignatures"])
    listed = APIClient().get("/api/v1/ledger/witnesses/").json()
    assert listed == {"witnesses": [{"name": "witness.test/w", "vkey": signer.vkey, "url": "https://witness.test/w"}]}


def test_an_accredited_witness_takes_part_in_the_sample_through_the_api(grown, bob, settings):
    import datetime as dt

    import time_machine

    from recall.ledger import sampling_draw
    from recall.models import SampleRun
    from recall.services.ledger import sampling
    from tests.helpers import under_verification

    signer, api = witness()
    share = b"\x33" * 32
    commitment = {"commitment": sampling_draw.party_commitment(signer.name, share)}
    under_verification(grown)
    refused = api.post(sample_url(grown, "commitments/"), commitment, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "missing_scope")  # not accredited
    settings.RECALL_LEDGER_WITNESSES = [signer.vkey]
    assert api.post(sample_url(grown, "commitments/"), commitment, format="json").status_code == 201
    again = api.post(sample_url(grown, "commitments/"), commitment, format="json")
    assert again.json()["code"] == "already_committed"
    early = api.post(sample_url(grown, "reveals/"), {"reveal": share.hex()}, format="json")
    assert early.json()["code"] == "round_not_fixed"
    fixed = sampling.fix_round(grown, actor=bob)
    state = APIClient().get(sample_url(grown, "")).json()
    assert state["beacon"]["round"] == fixed.round and state["parties"][0]["party"] == signer.name
    assert api.post(sample_url(grown, "reveals/"), {"reveal": share.hex()}, format="json").status_code == 201
    with time_machine.travel(fixed.round_time + dt.timedelta(seconds=1), tick=False):
        late = api.post(sample_url(grown, "reveals/"), {"reveal": share.hex()}, format="json")
        assert late.json()["code"] in ("reveals_closed", "already_revealed")
        sampling.draw_sample(grown, actor=bob)
    # Accredited witnesses are configured, so a reveal counts only if one of them cosigned it in
    # time: none did here (they are pushed nothing in this test), so the witness is absent.
    run = SampleRun.objects.get()
    assert [p["name"] for p in run.procedure["absent"]] == [signer.name] and run.procedure["parties"] == []


def test_a_cosignature_is_refused_for_each_reason(grown):
    signer, api = witness()
    latest = LedgerCheckpoint.objects.filter(petition=grown).latest("size")
    other = note.Signer.generate("witness.test/w", note.ALG_COSIGNATURE_V1)
    forged = api.post(url(grown, "cosignatures/"), cosignature_body(latest, other), format="json")
    assert (forged.status_code, forged.json()["code"]) == (422, "invalid_cosignature")
    body = {**cosignature_body(latest, signer), "size": latest.size + 100}
    assert api.post(url(grown, "cosignatures/"), body, format="json").status_code == 404
    future = api.post(url(grown, "cosignatures/"), cosignature_body(latest, signer, 4_000_000_000), format="json")
    assert future.status_code == 400
    _, partner_key = api_key(ApiClientFactory(), scopes=("witness",))
    keyless = APIClient(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    refused = keyless.post(url(grown, "cosignatures/"), cosignature_body(latest, signer), format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "missing_scope")
    _, reader = api_key(scopes=("read",))
    reading = APIClient(HTTP_AUTHORIZATION=f"Api-Key {reader}")
    assert reading.post(url(grown, "cosignatures/"), cosignature_body(latest, signer), format="json").status_code == 403
    assert not LedgerCosignature.objects.exists()


def test_a_witness_key_must_be_a_cosignature_key(db):
    from django.core.exceptions import ValidationError

    _, plain = note.generate_key("witness.test/plain")
    with pytest.raises(ValidationError):
        ApiClientFactory.build(name="x", witness_vkey=plain).full_clean()
