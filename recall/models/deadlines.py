from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PublicHoliday(models.Model):
    """A day off in Kazakhstan, which the commissions' deadlines skip (recall.calendar).

    Seeded from the ``holidays`` package (Kazakhstan, ``KZ``) by migration 0010 and the
    ``load_public_holidays`` command; an official adds what the package does not know (a
    day off moved by a government decree) or marks a seeded day as a working day."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("holidays package")
        OFFICIAL = "official", _("entered by an official")

    day = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_day_off = models.BooleanField(
        _("day off"),
        default=True,
        help_text=_("Clear it for a day the government made a working day (a deadline then counts it)."),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.OFFICIAL)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.name}"


class DeadlineKind(models.TextChoices):
    REGISTRATION = "registration", _("registration of the application")
    VERIFICATION = "verification", _("verification of the signatures")


class DeadlineReminder(models.Model):
    """One reminder to the commission per petition, deadline and due date: the row is claimed
    before the e-mail goes, so a second beat run (or a re-delivered task) sends nothing."""

    petition = models.ForeignKey(
        "Petition", on_delete=models.CASCADE, related_name="deadline_reminders", verbose_name=_("petition")
    )
    kind = models.CharField(_("deadline"), max_length=16, choices=DeadlineKind)
    due = models.DateField(_("due"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "due"], name="one_reminder_per_petition_deadline"),
            models.CheckConstraint(condition=Q(kind__in=DeadlineKind.values), name="deadline_reminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due:%d.%m.%Y}"
