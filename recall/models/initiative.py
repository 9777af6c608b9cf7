"""An initiative group forming on the web, before its application reaches the commission.

A voter of the district starts a draft (deputy and grounds), invites members by link, and each
member confirms with their own one-time code. The Petition row is created only when the
initiator submits: until then nothing is public and nothing enters the lifecycle, so the
transition table keeps its single entry point ("applied"). See docs/domain.md, "Applying".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..crypto import DIGEST_LENGTH, EncryptedJSONField
from .petitions import GroundsCategory, Petition
from .places import Deputy
from .register import Voter


class GroupDraft(models.Model):
    deputy = models.ForeignKey(Deputy, on_delete=models.PROTECT, related_name="+", verbose_name=_("deputy"))
    grounds_category = models.CharField(_("grounds"), max_length=16, choices=GroundsCategory)
    # {"kk": "...", "ru": "...", "en": "..."}: one or more languages; the first given becomes
    # the petition's statement of grounds, the others travel with it.
    grounds = models.JSONField(_("statement of grounds"), default=dict)
    contact_email = models.EmailField(_("initiative group e-mail"), blank=True)
    # The initiator's page language: the group's notices are written in it.
    language = models.CharField(max_length=8, default="kk")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, by a conditional UPDATE, when the application is submitted.
    petition = models.OneToOneField(
        Petition, on_delete=models.SET_NULL, null=True, blank=True, related_name="group_draft"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("initiative group draft")

    def __str__(self) -> str:
        return f"draft {self.pk} ({self.deputy})"


class GroupDraftMember(models.Model):
    """A voter who confirmed a code to be in the group. Anyone with a phone may join: whether
    the register gives the IIN a place in the group is decided by the commission when it
    registers the application, never told to whoever typed the IIN."""

    draft = models.ForeignKey(GroupDraft, on_delete=models.CASCADE, related_name="members")
    iin_digest = models.CharField(max_length=DIGEST_LENGTH, default="")
    # The register's row of the IIN, if it has one (whatever the row says).
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    is_leader = models.BooleanField(default=False)
    # The member's phone and IIN (encrypted): where the group's notices go, what is submitted.
    contact = EncryptedJSONField(default=dict)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "iin_digest"], name="one_draft_membership_per_iin"),
            models.UniqueConstraint(fields=["draft"], condition=Q(is_leader=True), name="one_leader_per_draft"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        # A member given by their register row is known by its IIN's digest.
        if not self.iin_digest and self.voter_id:
            self.iin_digest = self.voter.iin_digest
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class GroupInvitation(models.Model):
    draft = models.ForeignKey(GroupDraft, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)


class GroupCodePurpose(models.TextChoices):
    START = "start", _("start an application")
    JOIN = "join", _("join an initiative group")
    ENTER = "enter", _("open the group's dashboard")


class GroupCode(models.Model):
    """A one-time code for an initiative group's act. Like CodeRequest (the code stored as
    an HMAC, attempts counted by a conditional UPDATE) but not tied to a petition, which does
    not exist yet when a group forms."""

    token = models.CharField(max_length=43, unique=True)
    purpose = models.CharField(max_length=8, choices=GroupCodePurpose)
    draft = models.ForeignKey(GroupDraft, on_delete=models.CASCADE, null=True, related_name="+")
    invitation = models.ForeignKey(GroupInvitation, on_delete=models.CASCADE, null=True, related_name="+")
    voter_digest = models.CharField(max_length=DIGEST_LENGTH)
    # Requests are limited per IIN and number pair, never per IIN alone: a stranger who knows
    # a voter's IIN must not lock the voter out (as for signing, recall.services.signing.codes).
    phone_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True)
    payload = EncryptedJSONField()
    phone_masked = models.CharField(max_length=32)
    language = models.CharField(max_length=8, default="kk")
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=GroupCodePurpose.values), name="group_code_purpose_valid")
        ]
        indexes = [
            # recall.services.groups.initiative limits requests per IIN per day.
            models.Index(fields=["voter_digest", "created_at"], name="group_code_voter_recent"),
        ]


class SheetBatch(models.Model):
    """Numbered paper signature sheets issued to one collector of the initiative group. The
    commission's paper import accepts only sheet numbers issued here (once any batch exists)
    and knows each sheet's collector from it."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="sheet_batches")
    collector = models.CharField(_("collector"), max_length=200)
    first_number = models.PositiveIntegerField(_("first sheet"))
    last_number = models.PositiveIntegerField(_("last sheet"))
    issued_by = models.ForeignKey(GroupDraftMember, on_delete=models.SET_NULL, null=True, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("batch of signature sheets")
        ordering = ["first_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_number__gte=1) & Q(last_number__gte=models.F("first_number")),
                name="sheet_batch_numbers_ordered",
            ),
            models.UniqueConstraint(fields=["petition", "first_number"], name="one_batch_per_first_sheet"),
        ]

    def __str__(self) -> str:
        return f"{self.first_number}–{self.last_number} ({self.collector})"
