"""What the deputy publishes and what follows a recall: the deputy's answers (every version
kept and public) and the by-election a recall leaves to the district. See docs/domain.md,
"The deputy" and "After the vote"."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .petitions import Petition
from .places import District


class DeputyAnswer(models.Model):
    """One published version of the deputy's answer to a petition. Versions are never edited
    or deleted: a new text is a new version, and the public sees them all with their dates."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="answers", verbose_name=_("petition"))
    version = models.PositiveSmallIntegerField(_("version"))
    # {language code: text}, one or more of the site's languages.
    texts = models.JSONField(_("texts"))
    published_at = models.DateTimeField(_("published at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    # Entered by an official of the commission on the deputy's behalf (a letter, a hearing),
    # not by the deputy in their own workspace.
    on_behalf = models.BooleanField(_("entered by the commission on the deputy's behalf"), default=False)

    class Meta:
        verbose_name = _("deputy's answer")
        verbose_name_plural = _("deputy's answers")
        ordering = ["petition", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "version"], name="one_answer_per_petition_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="answer_version_positive"),
        ]

    def __str__(self) -> str:
        return _("Answer, version %(version)s") % {"version": self.version}


class ByElection(models.Model):
    """The by-election a recall leaves to the district: created once, in the transaction that
    records the vote's result (recall.services.lifecycle.outcome)."""

    petition = models.OneToOneField(
        Petition, on_delete=models.PROTECT, related_name="by_election", verbose_name=_("petition")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="by_elections", verbose_name=_("district")
    )
    vacated_on = models.DateField(_("seat vacated on"))
    due_by = models.DateField(_("to be held by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("by-election")
        verbose_name_plural = _("by-elections")
        ordering = ["-due_by"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_by__gte=models.F("vacated_on")), name="by_election_due_after_vacancy"
            )
        ]

    def __str__(self) -> str:
        return _("By-election in %(district)s by %(date)s") % {"district": self.district.code, "date": self.due_by}
