from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from ..crypto import DIGEST_LENGTH, DigestArrayField, EncryptedJSONField
from .places import District

# Read as an empty array by PostgreSQL and as an empty JSON value by SQLite (DigestArrayField).
EMPTY_DIGESTS = RawSQL("'{}'", ())


class VoterStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    DECEASED = "deceased", _("deceased")
    INCOMPETENT = "incompetent", _("declared incompetent by a court")
    IMPRISONED = "imprisoned", _("serving a prison sentence")
    REMOVED = "removed", _("removed from the register")


class Voter(models.Model):
    """One row of the voter register: the source of truth for the right to vote.

    The IIN, name and birth date are kept as keyed digests (for lookups and for matching in
    SQL) and, with the address, encrypted for officials; nothing here is readable in a dump.
    """

    iin_digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="voters", db_index=False, verbose_name=_("district")
    )
    status = models.CharField(_("status"), max_length=16, choices=VoterStatus, default=VoterStatus.ACTIVE)
    # The polling station whose list holds the voter (its number as the commission writes it),
    # from the register's optional column; empty when the register did not give it. Public only
    # as counts of valid signatures per station, never for fewer than ten signers
    # (recall.services.public.stations).
    polling_station = models.CharField(_("polling station"), max_length=32, blank=True, default="")
    name_digest = models.CharField(max_length=DIGEST_LENGTH)
    # The name cut into words, each folded and digested under the voter's IIN (recall.names):
    # what verification compares, order-insensitively, with the signature's name_tokens.
    name_surname = DigestArrayField(db_default=EMPTY_DIGESTS)
    name_given = DigestArrayField(db_default=EMPTY_DIGESTS)
    name_patronymic = DigestArrayField(db_default=EMPTY_DIGESTS)
    name_patronymic_near = DigestArrayField(db_default=EMPTY_DIGESTS)
    birth_digest = models.CharField(max_length=DIGEST_LENGTH)
    # The start (Almaty time) of the 18th birthday, kept in clear only for voters who came of
    # age less than five years before the import; null means adult long before any window
    # that verification could still look at. Verification checks age in SQL without the
    # register holding every voter's birth date in clear.
    adult_from = models.DateTimeField(null=True, blank=True)
    # The IIN's digits disagree with the register's birth date or sex (allowed since 2013):
    # this voter's signatures go to an official rather than being accepted by the machine.
    iin_data_mismatch = models.BooleanField(default=False)
    personal = EncryptedJSONField(_("personal data"))
    # A keyed digest of the register line this row was built from (crypto.register_source_digest):
    # a re-import skips the lines whose digest is unchanged. Null for rows not built by an import.
    source_digest = models.BigIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voter register")
        indexes = [
            # District counts after each import (recall.services.jobs.register_import).
            models.Index(fields=["district", "status"], name="voter_district_status"),
        ]
        constraints = [models.CheckConstraint(condition=Q(status__in=VoterStatus.values), name="voter_status_valid")]

    def __str__(self) -> str:
        return _("voter %(digest)s…") % {"digest": self.iin_digest[:8]}

    @property
    def full_name(self) -> str:
        return self.personal.get("full_name", "")


class JobState(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """Progress and outcome of a file imported in the background."""

    file = models.FileField(_("CSV file"), upload_to="imports/%Y/%m/")
    # The upload is deleted once the job is final (it holds plain IINs); its name stays.
    source_name = models.CharField(_("file"), max_length=255, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=JobState, default=JobState.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # [{"line": 12, "error": "..."}]: the first errors of a rejected file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The running worker renews this while it works (recall.services.jobs.uploads): a job whose
    # lease ran out lost its worker, and beat takes it over or fails it.
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class RegisterImport(ImportJob):
    created_count = models.PositiveIntegerField(_("voters added"), default=0)
    updated_count = models.PositiveIntegerField(_("voters updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("voters unchanged"), default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="register_import_state_valid")
        ]

    def __str__(self) -> str:
        return _("Register import #%(id)s") % {"id": self.pk}


class RegisterImportRun(models.Model):
    """A register import under way (recall.services.jobs.register_import): how far its checking
    got and what it staged, committed with the staged rows, so that an import whose process was
    killed goes on from there. One per file (its SHA-256) and official; deleted when the import
    ends, whether the file was imported or rejected."""

    key = models.CharField(max_length=100, unique=True)
    # The register held nobody when the run started: the first pass builds every line, and
    # there is no second.
    builds_all = models.BooleanField(default=False)
    # The file's lines; the last line (numbered as in the file, the header being 1) through
    # which the checking and the building of changed lines are committed.
    total_lines = models.PositiveIntegerField(default=0)
    checked_lines = models.PositiveIntegerField(default=0)
    built_lines = models.PositiveIntegerField(default=0)
    staged_keys = models.PositiveIntegerField(default=0)
    staged_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"register import run {self.pk} ({self.checked_lines}/{self.total_lines})"
