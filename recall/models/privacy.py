"""The per-petition data key of crypto-shredding (recall.crypto, recall.services.privacy.retention)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .petitions import Petition


class PetitionDataKey(models.Model):
    """A petition's own Fernet key, stored wrapped (encrypted) by the master keys.

    Every token of the petition's personal data is made with it. Purging the petition's
    personal data deletes ``wrapped_key`` and stamps ``destroyed_at``: the key exists nowhere
    else, so no copy of those tokens (a backup, a replica) can be read again. Rotating the
    master keys re-wraps this one value instead of re-encrypting every signature.
    """

    petition = models.OneToOneField(
        Petition, on_delete=models.PROTECT, primary_key=True, related_name="data_key", verbose_name=_("petition")
    )
    wrapped_key = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, editable=False)
    destroyed_at = models.DateTimeField(_("personal data destroyed"), null=True, editable=False)

    class Meta:
        verbose_name = _("petition data key")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(destroyed_at__isnull=True, wrapped_key__isnull=False)
                | models.Q(destroyed_at__isnull=False, wrapped_key__isnull=True),
                name="data_key_present_until_destroyed",
            )
        ]
