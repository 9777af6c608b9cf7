from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .petitions import Petition
from .signatures import Signature


class SampleOutcome(models.TextChoices):
    SUFFICIENT = "sufficient", _("sufficient")
    INSUFFICIENT = "insufficient", _("insufficient")
    FULL_CHECK = "full_check", _("every signature must be checked")


class SeedRound(models.Model):
    """The drand round fixed for a petition's sample (its ledger's ``beacon`` entry): the
    commitments closed, the reveals due before ``round_time``, the draw after it."""

    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="seed_round")
    chain = models.CharField(_("beacon chain"), max_length=64)
    round = models.PositiveBigIntegerField(_("beacon round"))
    round_time = models.DateTimeField(_("round exists from"))
    entry_index = models.PositiveBigIntegerField()
    fixed_at = models.DateTimeField(_("fixed at"), auto_now_add=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("beacon round")
        verbose_name_plural = _("beacon rounds")


class SampleRun(models.Model):
    """A random sample of a submitted petition's signatures (California's method by default).

    Verifiable (recall.ledger.sampling_draw): the population is the public ledger's signatures
    at the checkpoint signed when the petition was submitted, the seed comes from a public
    procedure (dice digits typed in, or commit-reveal among the parties), and the ``sample``
    entry in the ledger lets anyone redraw the members with ``recall-draw/v1``.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="sample_runs", verbose_name=_("petition")
    )
    seed = models.CharField(_("random seed"), max_length=64)
    # The seed's public procedure, as in the ledger's sample entry: {"kind": "dice", "digits"}
    # or {"kind": "commit-reveal", "parties": [...]}.
    procedure = models.JSONField(_("seed procedure"), default=dict, blank=True)
    # The ledger size (a signed checkpoint's) whose signatures are the population.
    population_tree_size = models.PositiveBigIntegerField(_("population checkpoint size"), null=True, blank=True)
    population_size = models.PositiveIntegerField(_("raw signatures"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    # The policy's numbers when the sample was drawn.
    sample_percent = models.DecimalField(_("random sample, per cent of signatures"), max_digits=5, decimal_places=2)
    sample_minimum = models.PositiveIntegerField(_("random sample, minimum size"))
    sufficient_percent = models.DecimalField(
        _("projection above this per cent of the requirement is sufficient"), max_digits=5, decimal_places=2
    )
    insufficient_percent = models.DecimalField(
        _("projection below this per cent of the requirement is insufficient"), max_digits=5, decimal_places=2
    )
    # Empty when the system drew it (beat, as soon as the beacon round existed).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    signatures = models.ManyToManyField(Signature, through="SampleItem", related_name="sample_runs")
    # Filled when the official closes the run after every sampled signature is decided.
    valid_in_sample = models.PositiveIntegerField(_("valid in the sample"), null=True, blank=True)
    duplicates_in_sample = models.PositiveIntegerField(_("duplicates in the sample"), null=True, blank=True)
    projected_valid = models.DecimalField(
        _("projected valid signatures"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=SampleOutcome, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("random sample")
        verbose_name_plural = _("random samples")
        ordering = ["-started_at"]
        constraints = [
            # One draw per petition: a result cannot be improved by drawing again.
            models.UniqueConstraint(fields=["petition"], name="one_sample_per_petition"),
            models.CheckConstraint(
                condition=Q(sample_size__lte=models.F("population_size")), name="sample_within_population"
            ),
        ]

    def __str__(self) -> str:
        return _("Sample of %(n)s signatures, seed %(seed)s") % {"n": self.sample_size, "seed": self.seed}


class SampleDecision(models.TextChoices):
    VALID = "valid", _("valid")
    INVALID = "invalid", _("invalid")


class SampleItem(models.Model):
    """A drawn signature and the official's finding on it (what the projection counts)."""

    run = models.ForeignKey(SampleRun, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    # Index of the signature in the id-ordered population: what the published seed reproduces.
    position = models.PositiveIntegerField()
    decision = models.CharField(_("finding"), max_length=8, choices=SampleDecision, blank=True)
    ground = models.CharField(_("ground"), max_length=24, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sampled signature")
        verbose_name_plural = _("sampled signatures")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "signature"], name="sample_item_once_per_run"),
            models.CheckConstraint(
                condition=Q(decision__in=["", *SampleDecision.values]), name="sample_item_decision_valid"
            ),
        ]
        indexes = [
            # recall.services.ledger.sampling.close_sample counts the undecided items of a run.
            models.Index(fields=["run"], condition=Q(decision=""), name="sample_item_undecided"),
        ]

    def __str__(self) -> str:
        return _("sampled signature #%(n)s") % {"n": self.position + 1}


class SeedCommitment(models.Model):
    """A party's commitment to its share of the sample's seed, published in the ledger (a
    ``seed_commitment`` entry) before the beacon round is fixed; its reveal, published after."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="seed_commitments")
    name = models.CharField(_("party"), max_length=64)
    commitment = models.CharField(_("commitment"), max_length=64)
    reveal = models.CharField(_("reveal"), max_length=64, blank=True)
    # The commission's own share, drawn by the service when an official commits for it, kept
    # until it is revealed (the commission is the one party the service acts for).
    held_reveal = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(_("committed at"), auto_now_add=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)
    # Its reveal's entry in the ledger: whether it counts depends on when witnesses saw it.
    reveal_index = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("seed commitment")
        verbose_name_plural = _("seed commitments")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["petition", "name"], name="one_seed_commitment_per_party")]
