"""What the deputy publishes and what follows a recall: the deputy's answers (every version
kept and public) and the by-election a recall leaves to the district. See docs/domain.md,
"The deputy" and "After the vote"."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .petitions import Petition
from .places import Deputy, District


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


class AddressChangeState(models.TextChoices):
    PENDING = "pending", _("awaiting confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class DeputyAddressChange(models.Model):
    """An e-mail address for a deputy's account, proposed by one official and in effect only once
    a second official, of the central commission, confirms it (recall.services.groups.deputies):
    no one official chooses alone where the deputy's password link goes."""

    deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="address_changes", verbose_name=_("deputy")
    )
    email = models.EmailField(_("proposed e-mail address"))
    state = models.CharField(_("state"), max_length=16, choices=AddressChangeState, default=AddressChangeState.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or cancelled by"),
    )
    decided_at = models.DateTimeField(_("confirmed or cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deputy's e-mail address change")
        verbose_name_plural = _("deputies' e-mail address changes")
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=AddressChangeState.values), name="address_change_state_valid"),
            models.UniqueConstraint(
                fields=["deputy"], condition=Q(state=AddressChangeState.PENDING), name="one_pending_address_change"
            ),
            # Four eyes: whoever proposed an address never confirms it.
            models.CheckConstraint(
                condition=~Q(state=AddressChangeState.CONFIRMED)
                | (Q(decided_by__isnull=False) & ~Q(decided_by=F("proposed_by"))),
                name="address_change_confirmed_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy}: {self.email}"
