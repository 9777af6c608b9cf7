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
    """A witness's cosignature of a checkpoint (C2SP tlog-cosignature): the first it gave, kept
    (its time proves the checkpoint existed then: the sample's beacon round and reveals rest on
    it), and the latest, when the witness cosigned the same checkpoint again (its time proves the
    checkpoint is still the log's latest: a verifier's --max-age)."""

    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.PROTECT, related_name="cosignatures")
    # The partner account a witness posted through (the API); empty for a cosignature the service
    # got by pushing the checkpoint to an accredited witness (C2SP tlog-witness).
    witness = models.ForeignKey("accounts.ApiClient", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    witness_name = models.CharField(max_length=200)
    vkey = models.CharField(max_length=400)
    line = models.TextField()
    timestamp = models.PositiveBigIntegerField()
    latest_line = models.TextField(blank=True)
    latest_timestamp = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # By key (its name inside): a key under an accredited witness's name never takes its place.
            models.UniqueConstraint(fields=["checkpoint", "vkey"], name="one_cosignature_per_witness_key"),
        ]


class LedgerGroupCount(models.Model):
    """Signatures in a petition's ledger by their actual channel and local day of signing: what
    the small-group rule reads before it labels an entry (recall.ledger.entries, "Small groups").
    Written in the transaction that appends the entries; never shown."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=16)
    day = models.DateField()
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "day", "channel"], name="one_group_count_per_channel_day")
        ]


class CertifiedSummary(models.Model):
    """The commission's certified summary of a petition, as issued: a PDF signed (PAdES) under the
    commission's certificate, timestamped (RFC 3161), whose counts are the ledger's tally at the
    checkpoint it names. Kept, so the public downloads exactly what was issued."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="certified_summaries")
    checkpoint_size = models.PositiveBigIntegerField(_("ledger checkpoint size"))
    root_hash = models.BinaryField(max_length=32)
    pdf = models.BinaryField()
    signed = models.BooleanField(_("signed by the commission"), default=False)
    timestamped = models.BooleanField(_("timestamped"), default=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )

    class Meta:
        verbose_name = _("certified summary")
        verbose_name_plural = _("certified summaries")
        ordering = ["-issued_at"]
