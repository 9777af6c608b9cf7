import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import DIGEST_LENGTH
from ..i18n_text import Picked, pick
from .places import Deputy, District, Mandate
from .register import Voter


class PetitionState(models.TextChoices):
    APPLIED = "applied", _("application received")
    REGISTERED = "registered", _("registered")
    COLLECTING = "collecting", _("collecting signatures")
    THRESHOLD_REACHED = "threshold_reached", _("threshold reached")
    SUBMITTED = "submitted", _("submitted for verification")
    VERIFYING = "verifying", _("verifying")
    SUFFICIENT = "sufficient", _("sufficient signatures")
    RECALL_VOTE = "recall_vote", _("recall vote")
    RECALLED = "recalled", _("deputy recalled")
    RETAINED = "retained", _("deputy retained")
    REFUSED = "refused", _("application refused")
    WITHDRAWN = "withdrawn", _("withdrawn by the initiators")
    EXPIRED = "expired", _("expired short of the threshold")
    INSUFFICIENT = "insufficient", _("insufficient signatures")
    MANDATE_ENDED = "mandate_ended", _("mandate ended otherwise")


OPEN_STATES = (
    PetitionState.APPLIED,
    PetitionState.REGISTERED,
    PetitionState.COLLECTING,
    PetitionState.THRESHOLD_REACHED,
    PetitionState.SUBMITTED,
    PetitionState.VERIFYING,
    PetitionState.SUFFICIENT,
    PetitionState.RECALL_VOTE,
)
# Where a petition ends: its personal data is destroyed a set time after it gets here
# (recall.services.privacy.retention).
FINAL_STATES = tuple(s for s in PetitionState if s not in OPEN_STATES)
# An attempt that failed: the deputy's cooldown before the next recall runs from it.
FAILED_ATTEMPT_STATES = (PetitionState.EXPIRED, PetitionState.INSUFFICIENT, PetitionState.RETAINED)
# Voters may sign while the window is open, including after the threshold is reached
# (a margin against signatures later found invalid).
SIGNABLE_STATES = (PetitionState.COLLECTING, PetitionState.THRESHOLD_REACHED)
# Signatures are still counted and decided (paper sheets, reviews, bulk invalidation).
COUNTING_STATES = (*SIGNABLE_STATES, PetitionState.SUBMITTED, PetitionState.VERIFYING)
# Shown on the public site and in the public API.
PUBLIC_STATES = tuple(s for s in PetitionState if s != PetitionState.APPLIED)


class GroundsCategory(models.TextChoices):
    LOST_TRUST = "lost_trust", _("loss of voters' trust")
    PROGRAMME = "programme", _("failure to fulfil the election programme")


class Petition(models.Model):
    deputy = models.ForeignKey(Deputy, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("deputy"))
    # Always "single": with the composite foreign key (deputy_id, deputy_mandate) added in
    # migration 0002 the database itself refuses petitions against party-list deputies.
    deputy_mandate = models.CharField(max_length=16, default=Mandate.SINGLE, editable=False)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("district")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=PetitionState, default=PetitionState.APPLIED, db_index=True
    )
    grounds_category = models.CharField(_("grounds"), max_length=16, choices=GroundsCategory)
    # The statement as applied (what the EDS statement quotes); the same statement in each
    # language the applicants gave it in, shown in the page's language (``grounds``).
    grounds_text = models.TextField(_("statement of grounds"))
    grounds_text_kk = models.TextField(_("statement of grounds in Kazakh"), blank=True, default="")
    grounds_text_ru = models.TextField(_("statement of grounds in Russian"), blank=True, default="")
    grounds_text_en = models.TextField(_("statement of grounds in English"), blank=True, default="")
    contact_email = models.EmailField(_("initiative group e-mail"), blank=True)

    applied_at = models.DateTimeField(_("application received"))
    registration_due = models.DateField(_("registration due"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    # Frozen at registration: later register imports do not move the goalposts.
    registered_voters = models.PositiveIntegerField(_("registered voters at registration"), null=True, blank=True)
    threshold_percent = models.DecimalField(
        _("threshold applied, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    required_signatures = models.PositiveIntegerField(_("required signatures"), null=True, blank=True)
    window_start = models.DateTimeField(_("collection starts"), null=True, blank=True)
    window_end = models.DateTimeField(_("collection ends"), null=True, blank=True)
    threshold_reached_at = models.DateTimeField(_("threshold reached at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)

    # Kept by the verification workers in the same transaction as the signatures they
    # change (one UPDATE per petition per batch); the sign path never touches this row.
    received_count = models.PositiveIntegerField(_("received"), default=0)
    valid_count = models.PositiveIntegerField(_("valid"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid"), default=0)
    review_count = models.PositiveIntegerField(_("awaiting review"), default=0)
    withdrawn_count = models.PositiveIntegerField(_("withdrawn"), default=0)
    # The valid ones by the identity their channel proved (IdentityStrength), kept with
    # valid_count in the same UPDATE (recall.services.verification.counts.IDENTITY_COLUMNS).
    valid_certificate_count = models.PositiveIntegerField(_("valid, NCA certificate"), default=0)
    valid_phone_of_iin_count = models.PositiveIntegerField(_("valid, phone registered to the IIN"), default=0)
    valid_phone_count = models.PositiveIntegerField(_("valid, phone number"), default=0)
    valid_partner_count = models.PositiveIntegerField(_("valid, partner"), default=0)
    valid_paper_count = models.PositiveIntegerField(_("valid, paper"), default=0)
    # Signatures stored but not yet reached by the workers (normally a handful for seconds; a
    # backlog after a broker outage). Refreshed every minute by recall.tasks.requeue_unverified
    # and lowered by each verification batch.
    queued_count = models.PositiveIntegerField(_("queued for verification"), default=0)
    counts_reconciled_at = models.DateTimeField(_("counts reconciled"), null=True, blank=True)
    # Entries in the public ledger (recall.services.ledger.log). Changed in the transaction that
    # changes the counts, so a reader sees the counts and the ledger's size of one snapshot.
    ledger_size = models.PositiveBigIntegerField(_("ledger entries"), default=0, editable=False)
    last_milestone = models.PositiveSmallIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-applied_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PetitionState.values), name="petition_state_valid"),
            models.CheckConstraint(
                condition=Q(grounds_category__in=GroundsCategory.values), name="petition_grounds_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="petition_window_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(deputy_mandate=Mandate.SINGLE), name="petition_single_mandate_only"),
            models.UniqueConstraint(
                fields=["deputy"], condition=Q(state__in=OPEN_STATES), name="one_open_petition_per_deputy"
            ),
            # Withdrawn and mandate ended: also from an application never registered.
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        PetitionState.APPLIED,
                        PetitionState.REFUSED,
                        PetitionState.WITHDRAWN,
                        PetitionState.MANDATE_ENDED,
                    ]
                )
                | Q(required_signatures__isnull=False, window_start__isnull=False, window_end__isnull=False),
                name="petition_registered_has_requirement_and_window",
            ),
        ]

    def __str__(self) -> str:
        return _("Recall of %(deputy)s (%(district)s)") % {
            "deputy": self.deputy.name_as_object,
            "district": self.district.code,
        }

    def grounds_translations(self) -> dict[str, str]:
        return {"kk": self.grounds_text_kk, "ru": self.grounds_text_ru, "en": self.grounds_text_en}

    @property
    def grounds(self) -> Picked:
        """The grounds in the page's language, or in the one they were given in (``fallback``)."""
        return pick(self.grounds_translations(), default=self.grounds_text)

    @property
    def awaiting_count(self) -> int:
        """Signatures not yet decided: still queued for the workers, or with an official."""
        reviewing = self.received_count - self.valid_count - self.invalid_count - self.withdrawn_count
        return max(0, reviewing) + self.queued_count

    @property
    def all_received(self) -> int:
        """Every signature stored, counted by the workers or still queued for them."""
        return self.received_count + self.queued_count

    @property
    def progress_percent(self) -> int:
        """Valid signatures as a whole percentage of the required, not capped: 63 of 50 is 126 %
        (a bar drawn from it is capped by its own maximum)."""
        if not self.required_signatures:
            return 0
        return self.valid_count * 100 // self.required_signatures

    def accepts_signatures(self, at: dt.datetime | None = None) -> bool:
        """Open for signing (and withdrawing) now: a signable state and inside the window."""
        at = at or timezone.now()
        return self.state in SIGNABLE_STATES and self.window_start <= at < self.window_end


class InitiativeMember(models.Model):
    """A member of the group as the application names them. ``voter`` is the register's row of
    the IIN (None: not in the register); the commission checks each one at registration."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="initiative_group")
    iin_digest = models.CharField(max_length=DIGEST_LENGTH, default="", editable=False)
    voter = models.ForeignKey(
        Voter, on_delete=models.PROTECT, related_name="+", verbose_name=_("voter"), null=True, blank=True
    )
    is_leader = models.BooleanField(_("leader"), default=False)

    class Meta:
        verbose_name = _("initiative group member")
        verbose_name_plural = _("initiative group")
        constraints = [
            models.UniqueConstraint(fields=["petition", "voter"], name="one_membership_per_voter_per_petition")
        ]

    def __str__(self) -> str:
        return self.voter.full_name if self.voter else str(_("not in the voter register"))


class PetitionTransition(models.Model):
    """Every change of a petition's state: from, to, who, when and why."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("petition")
    )
    from_state = models.CharField(_("from"), max_length=20, choices=PetitionState)
    to_state = models.CharField(_("to"), max_length=20, choices=PetitionState)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (system)"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class DailyTally(models.Model):
    """Valid signatures per petition per day of signing, for the public daily series."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="daily_tallies")
    day = models.DateField()
    valid = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "day"], name="one_tally_per_petition_day")]
        ordering = ["day"]


class RecallVote(models.Model):
    """The district's recall vote (Art. 113-16): valid with a turnout of at least one third;
    the deputy is recalled when more than half of those who voted support the recall."""

    petition = models.OneToOneField(
        Petition, on_delete=models.PROTECT, related_name="recall_vote", verbose_name=_("petition")
    )
    held_on = models.DateField(_("held on"))
    registered_voters = models.PositiveIntegerField(_("registered voters"))
    ballots_cast = models.PositiveIntegerField(_("voters who took part"))
    votes_for = models.PositiveIntegerField(_("votes for the recall"))
    votes_against = models.PositiveIntegerField(_("votes against the recall"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recall vote")
        verbose_name_plural = _("recall votes")
        constraints = [
            models.CheckConstraint(
                condition=Q(ballots_cast__lte=F("registered_voters")), name="vote_turnout_within_register"
            ),
            models.CheckConstraint(
                condition=Q(votes_for__lte=F("ballots_cast") - F("votes_against")),
                name="vote_for_and_against_within_turnout",
            ),
        ]

    def __str__(self) -> str:
        return _("Recall vote on %(date)s") % {"date": self.held_on}
