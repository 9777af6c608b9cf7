from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BodyLevel(models.TextChoices):
    MAZHILIS = "mazhilis", _("Mazhilis")
    REGIONAL = "regional", _("regional maslikhat (region, capital, city of republican significance)")
    CITY = "city", _("maslikhat of a city of regional significance")
    DISTRICT = "district", _("district maslikhat")


class DayCount(models.TextChoices):
    """How the commission's periods are counted (recall.calendar.add_days)."""

    CALENDAR = "calendar", _("calendar days (a due date on a day off moves to the next working day)")
    WORKING = "working", _("working days (weekends and public holidays not counted)")


class RecallPolicy(models.Model):
    """The rules of a recall for one level of representative body.

    The law does not fix most of these numbers publicly, so each is a setting an official can
    edit, with the legal reference it rests on; ``is_assumption`` marks values not yet confirmed.
    """

    level = models.CharField(_("level"), max_length=16, choices=BodyLevel, unique=True)
    threshold_percent = models.DecimalField(
        _("signature threshold, per cent of registered voters"), max_digits=5, decimal_places=2
    )
    collection_days = models.PositiveIntegerField(_("collection period, days"))
    initiative_group_min = models.PositiveIntegerField(_("initiative group minimum size"))
    registration_days = models.PositiveIntegerField(_("days to register an application"))
    verification_days = models.PositiveIntegerField(_("days to verify signatures"))
    deadline_day_count = models.CharField(
        _("the commission's days are"), max_length=16, choices=DayCount, default=DayCount.CALENDAR
    )
    reminder_working_days = models.PositiveIntegerField(
        _("remind the commission this many working days before a deadline"), default=2
    )
    no_recall_after_start_months = models.PositiveIntegerField(_("no recall in the first months of a term"))
    no_recall_before_end_months = models.PositiveIntegerField(_("no recall in the last months of a term"))
    cooldown_months = models.PositiveIntegerField(_("months before another attempt against the same deputy"))
    by_election_days = models.PositiveIntegerField(
        _("days to hold a by-election after a recall"),
        default=60,
        help_text=_(
            "Assumption: the law's period for a by-election after a recall could not be obtained; "
            "60 days by analogy with elections to a vacated seat."
        ),
    )
    sample_percent = models.DecimalField(
        _("random sample, per cent of signatures"), max_digits=5, decimal_places=2, default=3
    )
    sample_minimum = models.PositiveIntegerField(_("random sample, minimum size"), default=500)
    sample_sufficient_percent = models.DecimalField(
        _("projection above this per cent of the requirement is sufficient"),
        max_digits=5,
        decimal_places=2,
        default=110,
    )
    sample_insufficient_percent = models.DecimalField(
        _("projection below this per cent of the requirement is insufficient"),
        max_digits=5,
        decimal_places=2,
        default=95,
    )
    legal_reference = models.TextField(_("legal reference"), blank=True)
    is_assumption = models.BooleanField(
        _("assumption (not confirmed by the law)"),
        default=True,
        help_text=_("Set when the values above are defaults, not numbers taken from the law."),
    )
    # Retention of a closed petition's personal data (recall.services.privacy.retention): destroyed
    # this many days after the petition's final state plus the period for appeals.
    appeal_days = models.PositiveIntegerField(_("period for appeals after the final state, days"), default=30)
    retention_days = models.PositiveIntegerField(_("personal data kept after the appeals period, days"), default=365)
    retention_legal_reference = models.TextField(_("legal reference for retention"), blank=True)
    retention_is_assumption = models.BooleanField(
        _("retention is an assumption (not confirmed by the law)"),
        default=True,
        help_text=_("Set when the retention and appeal periods are defaults, not periods taken from the law."),
    )
    # Which channels a signature may arrive through, and which need an official's confirmation
    # (recall.services.signing.channels). The commission's choice: the law names none. A refused
    # channel is refused at the door (nothing is stored); a confirmed one goes to the review
    # queue where the machine would have found it valid (recall.services.verification.batches).
    accept_eds = models.BooleanField(_("accept signatures with EDS"), default=True)
    accept_egov_mobile = models.BooleanField(_("accept signatures with eGov Mobile"), default=True)
    accept_web = models.BooleanField(_("accept signatures confirmed by a text-message code"), default=True)
    accept_partner = models.BooleanField(_("accept signatures from accredited partners"), default=True)
    accept_paper = models.BooleanField(_("accept paper signature sheets"), default=True)
    confirm_eds = models.BooleanField(_("an official confirms each EDS signature"), default=False)
    confirm_egov_mobile = models.BooleanField(_("an official confirms each eGov Mobile signature"), default=False)
    confirm_web = models.BooleanField(_("an official confirms each text-message signature"), default=False)
    confirm_partner = models.BooleanField(_("an official confirms each partner's signature"), default=False)
    confirm_paper = models.BooleanField(_("an official confirms each paper signature"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("recall policy")
        verbose_name_plural = _("recall policies")
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0, threshold_percent__lte=100),
                name="policy_threshold_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(sample_insufficient_percent__lte=models.F("sample_sufficient_percent")),
                name="policy_sample_bands_ordered",
            ),
            models.CheckConstraint(condition=Q(collection_days__gt=0), name="policy_collection_days_positive"),
            models.CheckConstraint(
                condition=Q(deadline_day_count__in=DayCount.values), name="policy_deadline_day_count_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_level_display())

    def accepts(self, channel: str) -> bool:
        return bool(getattr(self, accept_column(channel)))

    def needs_confirmation(self, channel: str) -> bool:
        return bool(getattr(self, confirm_column(channel)))

    def accepted_channels(self) -> list[str]:
        """The channels accepted, in the order of ``CHANNEL_ORDER`` (strongest proof first)."""
        return [channel for channel in CHANNEL_ORDER if self.accepts(channel)]


# Every signature channel (recall.models.signatures.Channel), strongest proof of identity first:
# the order the admin and the public page list them in. A channel added there needs its two
# columns here (tests/models/test_policy_channels.py holds the two lists together).
CHANNEL_ORDER = ("eds", "egov_mobile", "web", "partner", "paper")


def accept_column(channel: str) -> str:
    if channel not in CHANNEL_ORDER:
        raise ValueError(f"unknown channel {channel!r}")
    return f"accept_{channel}"


def confirm_column(channel: str) -> str:
    if channel not in CHANNEL_ORDER:
        raise ValueError(f"unknown channel {channel!r}")
    return f"confirm_{channel}"


# Defaults until the law's numbers are published. Every one is an assumption (is_assumption)
# and editable in the admin; the sampling defaults are California's recall procedure, the
# verification period is that of candidate signature checks (see docs/domain.md, "Policies").
_ELECTIONS_LAW = (
    "Constitutional Law “On Elections in the Republic of Kazakhstan”, chapter 13-2 "
    "(Law No. 156-VII of 5 November 2022). The threshold, periods and group size are not "
    "published: assumed values. Verification period by analogy with the 10 days for "
    "candidates' signature sheets; sampling bands from California's recall procedure. "
    "By-election after a recall within 60 days: assumed (the article on by-elections to a "
    "seat vacated by a recall could not be obtained). "
    "The commission's periods are calendar days, and a period that ends on a day off ends on "
    "the next working day, as the Civil Code counts periods (Art. 172): an assumption too."
)
DEFAULT_POLICIES = {
    BodyLevel.MAZHILIS: {"threshold_percent": 10, "collection_days": 60, "initiative_group_min": 30},
    BodyLevel.REGIONAL: {"threshold_percent": 10, "collection_days": 45, "initiative_group_min": 20},
    BodyLevel.CITY: {"threshold_percent": 10, "collection_days": 30, "initiative_group_min": 10},
    BodyLevel.DISTRICT: {"threshold_percent": 10, "collection_days": 30, "initiative_group_min": 10},
}
RETENTION_REFERENCE = (
    "Law of the Republic of Kazakhstan No. 94-V of 21 May 2013 “On Personal Data and their "
    "Protection”, Art. 12: personal data are kept no longer than their purpose requires. No "
    "period is published for recall signatures: 30 days for appeals against the commission's "
    "decision and one year after that are assumed."
)
# Kept apart from _COMMON: migration 0003 creates policies from policy_defaults before these
# columns exist (migration 0009 adds and seeds them).
RETENTION_DEFAULTS = {
    "appeal_days": 30,
    "retention_days": 365,
    "retention_legal_reference": RETENTION_REFERENCE,
    "retention_is_assumption": True,
}
_COMMON = {
    "registration_days": 10,
    "verification_days": 10,
    "no_recall_after_start_months": 6,
    "no_recall_before_end_months": 6,
    "cooldown_months": 12,
    "legal_reference": _ELECTIONS_LAW,
    "is_assumption": True,
}


def policy_defaults(level: str) -> dict:
    return {**_COMMON, **DEFAULT_POLICIES[BodyLevel(level)]}


def policy_for(level: str) -> RecallPolicy:
    """The level's policy, created from the defaults the first time it is needed."""
    defaults = {**policy_defaults(level), **RETENTION_DEFAULTS}
    policy, _created = RecallPolicy.objects.get_or_create(level=level, defaults=defaults)
    return policy
