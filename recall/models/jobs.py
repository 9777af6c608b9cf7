from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PetitionJobKind(models.TextChoices):
    SIGNATURES_PDF = "signatures_pdf", _("PDF of the signatures")
    BULK_INVALIDATION = "bulk_invalidation", _("invalidation by criteria")


class PetitionJobState(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


FINAL_JOB_STATES = (PetitionJobState.DONE, PetitionJobState.FAILED, PetitionJobState.CANCELLED)


class PetitionJob(models.Model):
    """Heavy work on one petition run by a worker, not in the request (recall.services.jobs.petition_jobs):
    its progress is shown while it runs and an official may cancel it."""

    kind = models.CharField(_("kind"), max_length=24, choices=PetitionJobKind)
    petition = models.ForeignKey("Petition", on_delete=models.PROTECT, related_name="jobs", verbose_name=_("petition"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=PetitionJobState, default=PetitionJobState.PENDING)
    # What the job is to do (a bulk invalidation's criteria, ground, note and previewed count).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    cancel_requested_at = models.DateTimeField(_("cancel requested at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Renewed by the running worker (recall.services.jobs.uploads.Lease); beat takes over a job
    # whose lease ran out (its worker died), then fails it.
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The PDF (it holds IINs): deleted a day after the job ends (recall.tasks.purge_expired).
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PetitionJobState.values), name="petition_job_state_valid"),
            models.CheckConstraint(condition=Q(kind__in=PetitionJobKind.values), name="petition_job_kind_valid"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s, petition No. %(petition)s (job #%(id)s)") % {
            "kind": self.get_kind_display(),
            "petition": self.petition_id,
            "id": self.pk,
        }

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_JOB_STATES
