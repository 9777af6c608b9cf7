"""Migration 0013 gives the ledger's entries their natural primary key (petition, index) instead
of a surrogate id, and back when it is reversed: no entry is lost or changed either way."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from recall.models import LedgerEntry, Petition
from recall.services import ledger, verification
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("recall", "0012_workspace_deadlines")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_entries_survive_the_primary_key_change_both_ways(collecting, voters):
    for voter in voters[10:20]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    size = Petition.objects.get(pk=collecting.pk).ledger_size
    entries, root = ledger.entries_between(collecting.pk, 0, size), ledger.tree_hash(collecting.pk, size)
    assert size > 10
    try:
        old = migrate(BEFORE).get_model("recall", "LedgerEntry")
        rows = old.objects.filter(petition_id=collecting.pk).order_by("index")
        assert [(e.index, bytes(e.data)) for e in rows] == entries
        assert old._meta.pk.name == "id" and len({e.id for e in rows}) == size
        with pytest.raises(IntegrityError), transaction.atomic():  # (petition, index) is unique again
            old.objects.create(petition_id=collecting.pk, index=0, data=b"{}", leaf_hash=b"\0" * 32)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema of the other tests
    assert ledger.entries_between(collecting.pk, 0, size) == entries
    assert ledger.tree_hash(collecting.pk, size) == root
    leaf = bytes(LedgerEntry.objects.get(petition_id=collecting.pk, index=size - 1).leaf_hash)
    assert ledger.leaf_index(collecting.pk, leaf, size) == size - 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the primary key
        LedgerEntry.objects.create(petition_id=collecting.pk, index=0, data=b"{}", leaf_hash=b"\0" * 32)
