"""One table of signature states (recall.states.SIGNATURE_MOVES) and one writer
(recall.services.verification.moves): the writer refuses what the table does not allow, the
verification batch's SQL is generated from the table, and nothing else in the code base writes
``Signature.state``."""

from __future__ import annotations

import ast
import re

import pytest
from django.apps import apps
from django.contrib import admin

from recall.models import Signature, SignatureState
from recall.services import verification
from recall.services.verification import batches, moves
from recall.states import SIGNATURE_MOVES, By, signature_move
from tests.factories import SignatureFactory
from tests.helpers import ROOT

# The product's code: what runs in a deployment (tests/ and bench/ set up their own data).
PRODUCT = ("recall", "accounts", "config", "tools")
WRITER = ROOT / "recall" / "services" / "verification" / "moves.py"


def test_the_table_says_who_makes_each_move():
    assert SIGNATURE_MOVES["verify"].by == frozenset()  # the workers alone
    assert signature_move("review", "valid", by=By.OFFICIAL).name == "decide"
    assert signature_move("valid", "invalid", by=By.OFFICIAL).reason_required
    assert signature_move("received", "valid", by=By.OFFICIAL) is None
    assert signature_move("withdrawn", "valid", by=By.OFFICIAL) is None
    assert signature_move("valid", "withdrawn", by=By.SIGNER).name == "withdraw"
    assert signature_move("valid", "withdrawn", by=By.OFFICIAL) is None


def test_the_writer_refuses_what_the_table_does_not_allow(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10])
    with pytest.raises(ValueError, match="cannot lead to"):
        moves.move([signature.pk], "decide", to=SignatureState.WITHDRAWN, by=By.OFFICIAL)
    with pytest.raises(ValueError, match="not made by"):
        moves.move([signature.pk], "verify", to=SignatureState.VALID, by=By.OFFICIAL)
    with pytest.raises(ValueError, match="does not leave"):
        moves.move([signature.pk], "decide", to=SignatureState.VALID, by=By.OFFICIAL, seen=SignatureState.RECEIVED)
    # A row in a state the move does not leave is left alone.
    assert moves.move([signature.pk], "decide", to=SignatureState.VALID, by=By.OFFICIAL) == 0
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.RECEIVED


def test_the_batch_takes_its_states_from_the_table(collecting, voters):
    with pytest.raises(ValueError, match="cannot lead to"):
        moves.set_state_sql("verify", [("true", SignatureState.WITHDRAWN)], otherwise=SignatureState.VALID)
    assert moves.leaves_sql("verify") == "state = 'received'"  # the partial index's condition
    assert batches.STATE_SQL in batches.statement("postgresql")
    assert moves.leaves_sql("verify") in batches.statement("postgresql")
    SignatureFactory(petition=collecting, voter_row=voters[10])
    assert verification.verify_all() == 1
    assert Signature.objects.get().state == SignatureState.VALID


# --- Nothing else writes Signature.state ---------------------------------------------------------

_UPDATE_SQL = re.compile(
    r"\bUPDATE\s+\"?recall_signature\"?(?:\s+(?:AS\s+)?\w+)?\s+SET\b(.*?)(?:\bFROM\b|\bWHERE\b|\bRETURNING\b|$)",
    re.I | re.S,
)
_UPDATING_CALLS = {"update", "create", "get_or_create", "update_or_create"}


def _spine(node: ast.AST) -> list[str]:
    """The names along a receiver chain: ``petition.signatures.filter(x=y)`` gives
    ``filter, signatures, petition`` (the arguments are not part of it)."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def _writes_state(call: ast.Call) -> bool:
    kwargs = {k.arg for k in call.keywords}
    if "state" in kwargs:
        return True
    for k in call.keywords:  # update_or_create(defaults={"state": ...}), bulk_update(fields=[...])
        if k.arg in ("defaults", "create_defaults", "fields", "update_fields") and "'state'" in ast.unparse(k.value):
            return True
    name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    return name == "bulk_update" and len(call.args) > 1 and "'state'" in ast.unparse(call.args[1])


def state_writes(source: str, models: set[str]) -> list[str]:
    """Where ``source`` writes ``Signature.state``: ORM calls (update, create, bulk_update, a
    Signature built with a state, save on a signature) and raw SQL (UPDATE recall_signature SET
    state = ...). A call on a queryset whose model cannot be told (a helper's result) counts when
    the module handles signatures at all: make the model plain to read, or use the writer."""
    tree = ast.parse(source)
    handles_signatures = "Signature" in source or "signatures" in source
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Signature" and _writes_state(node):
                found.append(f"line {node.lineno}: Signature(state=...)")
            if not isinstance(func, ast.Attribute):
                continue
            spine = _spine(func.value)
            about_signatures = any("signature" in n.lower() for n in spine)
            if func.attr == "save" and about_signatures:
                fields = next((k for k in node.keywords if k.arg == "update_fields"), None)
                if fields is None or "'state'" in ast.unparse(fields.value):
                    found.append(f"line {node.lineno}: {ast.unparse(func)}()")
            elif (func.attr in _UPDATING_CALLS or func.attr == "bulk_update") and _writes_state(node):
                other_model = spine and spine[-1] in models and spine[-1] != "Signature"
                if about_signatures or (handles_signatures and not other_model):
                    found.append(f"line {node.lineno}: {ast.unparse(func)}(state=...)")
        elif isinstance(node, ast.Constant | ast.JoinedStr):
            if isinstance(node, ast.Constant):
                if not isinstance(node.value, str):
                    continue
                text = node.value
            else:
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            for match in _UPDATE_SQL.finditer(text):
                if re.search(r"\bstate\s*=", match.group(1), re.I):
                    found.append(f"line {node.lineno}: UPDATE recall_signature SET state = ...")
    return found


def _model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models()}


def test_nothing_but_the_writer_writes_a_signatures_state():
    models = _model_names()
    offenders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == WRITER:
                continue
            offenders += [f"{path.relative_to(ROOT)} {w}" for w in state_writes(path.read_text(), models)]
    assert offenders == [], "write Signature.state through recall.services.verification.moves"


PLANTED = [
    'Signature.objects.filter(pk=1).update(state="valid")',
    'petition.signatures.filter(state="review").update(state=SignatureState.VALID, ground="")',
    'bulk_queryset(criteria).update(state="invalid")',  # a helper's queryset, in a module about signatures
    'Signature.objects.bulk_update(rows, ["state", "ground"])',
    'Signature.objects.create(petition=p, state="valid")',
    'Signature(petition_id=1, state="valid")',
    'signature.state = "valid"\nsignature.save()',
    'signature.save(update_fields=["state"])',
    "cursor.execute(\"UPDATE recall_signature SET ground = '', state = 'valid' WHERE id = %s\", [1])",
    'cursor.execute(f"UPDATE recall_signature AS t SET state = {new} FROM x WHERE t.id = x.id")',
]


@pytest.mark.parametrize("planted", PLANTED)
def test_the_scan_finds_a_planted_write(planted, db):
    module = "from recall.models import Signature, SignatureState\n\n" + planted
    assert state_writes(module, _model_names()), planted


def test_the_scan_leaves_other_models_and_reads_alone(db):
    harmless = [
        'PetitionJob.objects.filter(pk=1, state="pending").update(state="running")',
        'Petition.objects.filter(pk=1).update(state="expired")',
        'Signature.objects.filter(state="received").exists()',
        "cursor.execute(\"SELECT id FROM recall_signature WHERE state = 'received'\")",
        "cursor.execute(\"UPDATE recall_signature SET personal = NULL WHERE petition_id = %s AND state = 'valid'\")",
    ]
    for source in harmless:
        module = "from recall.models import PetitionJob, Petition, Signature\n\n" + source
        assert state_writes(module, _model_names()) == [], source


def test_no_admin_page_edits_a_signatures_state(rf, alice):
    request = rf.get("/admin/")
    request.user = alice
    for model, model_admin in admin.site._registry.items():
        if model._meta.concrete_model is Signature:
            assert not model_admin.has_change_permission(request) or "state" in model_admin.get_readonly_fields(
                request
            ), model_admin
