"""People who follow a petition without signing it (recall.services.notices.follow)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..crypto import DIGEST_LENGTH, EncryptedJSONField
from .petitions import Petition


class FollowChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("text message")


class PetitionFollower(models.Model):
    """An e-mail address or a phone number told when the petition changes state, once its owner
    confirmed (double opt-in) and until they stop (the link in every message). The address is
    encrypted under the petition's data key, so it goes with the petition's personal data
    (recall.services.privacy.retention); its keyed digest keeps one row per address."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="followers", db_index=False)
    channel = models.CharField(_("channel"), max_length=8, choices=FollowChannel)
    contact = EncryptedJSONField(petition="petition_id")  # {"address": "+77011234567" or "a@b.kz"}
    contact_digest = models.CharField(max_length=DIGEST_LENGTH)
    language = models.CharField(max_length=8)
    # In the confirmation link and in every notice's link to stop.
    token = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirm_sent_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True)
    stopped_at = models.DateTimeField(null=True)
    # The last state this follower was told of: a notice repeated by a retried task is not sent twice.
    told_state = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "contact_digest"], name="one_follower_per_contact"),
            models.CheckConstraint(condition=Q(channel__in=FollowChannel.values), name="follower_channel_valid"),
        ]
        indexes = [
            # recall.services.notices.follow.state_changed: the petition's confirmed followers.
            models.Index(
                fields=["petition", "id"],
                condition=Q(confirmed_at__isnull=False, stopped_at__isnull=True),
                name="follower_active",
            ),
            # The daily limit of confirmation messages to one address.
            models.Index(fields=["contact_digest", "confirm_sent_at"], name="follower_contact_recent"),
        ]
