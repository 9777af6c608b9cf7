"""The notice outbox (recall.services.notices.outbox): e-mails and text messages that announce a
change are written in the transaction of the change, then sent by the workers and beat."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedJSONField
from .petitions import Petition


class NoticeState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notice(models.Model):
    """One announcement (the threshold reached, a milestone, a change of state...), written in
    the transaction of the change it announces. Its messages are written from it by a worker
    (``expanded_at`` once all are), under a lease so that one worker at a time does it."""

    kind = models.CharField(max_length=32)
    args = models.JSONField(default=list)
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    leased_until = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expanded_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # Beat's sweep: announcements not yet turned into messages.
            models.Index(fields=["created_at"], condition=Q(expanded_at__isnull=True), name="notice_unexpanded"),
            models.Index(fields=["petition"], name="notice_petition"),
        ]


class NoticeMessage(models.Model):
    """One e-mail or text message to one address. Claimed (``next_attempt_at`` moved past a
    lease) before it is sent and marked sent after; ``key`` is unique, so a message is written once per announcement and
    recipient, and it is what the backends receive to recognise a message sent twice (the
    e-mail's Message-ID, the gateway's Idempotency-Key). The address and text are encrypted
    under the petition's data key: they go with the petition's personal data."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="messages")
    petition_id = models.BigIntegerField(null=True)
    key = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8)  # "email" or "sms"
    message = EncryptedJSONField(petition="petition_id")  # {"to", "subject", "text"}
    state = models.CharField(max_length=16, choices=NoticeState, default=NoticeState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it is due; a worker that claims it moves this past its lease (as a webhook delivery's).
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(state__in=NoticeState.values), name="notice_message_state_valid"),
            models.CheckConstraint(condition=Q(channel__in=("email", "sms")), name="notice_message_channel_valid"),
        ]
        indexes = [
            # Beat's sweep and each notice's task: pending messages whose next try is due.
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="notice_message_due"),
            models.Index(fields=["petition_id"], name="notice_message_petition"),
        ]
