"""The public signature ledger's storage: entries, the Merkle tree's complete subtrees,
signed checkpoints and witnesses' cosignatures (recall/ledger/API.md).

Nothing here is ever updated: entries and nodes are appended, checkpoints are kept, a
witness's newer cosignature of the same checkpoint replaces its older one.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .petitions import Petition


class HashIndexOnPostgreSQL(models.Index):
    """A hash index on PostgreSQL (one column, equality only), a plain index elsewhere (SQLite,
    the embedded demo). For a random 32-byte key a hash index is smaller than a B-tree and far
    cheaper to insert into: the verification batch appends thousands of leaves per commit
    (bench/ledger.py)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            using = " USING hash"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class LedgerEntry(models.Model):
    # The natural key, no surrogate id: one row per entry, (petition, index) unique anyway.
    pk = models.CompositePrimaryKey("petition", "index")
    # No foreign key constraint in the database: PostgreSQL would check each row at commit, and
    # that check was a quarter of the ledger's cost to a verification batch (bench/ledger.py).
    # The reference holds anyway: every append locks the petition's row first, in the same
    # transaction (recall.services.ledger.log), and petitions are never deleted (PROTECT).
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    index = models.PositiveBigIntegerField()
    # recall.ledger.entries.encode(event): canonical JSON, no personal data.
    data = models.BinaryField()
    # SHA-256(0x00 || data): the tree's level 0, kept in the entry's row (one row per entry).
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            # The inclusion proof by leaf hash and the check page look a leaf up by its hash
            # (then filter on the petition: equal leaves of two petitions are rare and harmless).
            HashIndexOnPostgreSQL(fields=["leaf_hash"], name="ledger_leaf_hash"),
        ]


class LedgerNode(models.Model):
    """A stored interior hash of the tree (recall.ledger.tlog), at levels 8, 16, 24...: the
    levels between are recomputed from these (recall.services.ledger.log, "tiles")."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="+", db_index=False)
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "level", "index"], name="one_ledger_node_per_position")
        ]


class LedgerCheckpoint(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="ledger_checkpoints")
    size = models.PositiveBigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    # The signed note (C2SP tlog-checkpoint) with the log's signature only.
    note = models.TextField()
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["size", "signed_at", "id"]
        indexes = [models.Index(fields=["petition", "size"], name="ledger_checkpoint_by_size")]


class LedgerCosignature(models.Model):
    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey("accounts.ApiClient", on_delete=models.PROTECT, related_name="+")
    witness_name = models.CharField(max_length=200)
    vkey = models.CharField(max_length=400)
    line = models.TextField()
    timestamp = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_per_witness"),
        ]
