from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from recall import jurisdiction
from recall.ledger import note


class Commission(models.Model):
    """An election commission. Its jurisdiction is a set of districts; the central one has all."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_central = models.BooleanField(_("central commission"), default=False)
    email = models.EmailField(_("notification e-mail"), blank=True)
    districts = models.ManyToManyField(
        "recall.District", blank=True, related_name="commissions", verbose_name=_("jurisdiction")
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-is_central", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_central"], condition=Q(is_central=True), name="one_central_commission")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICIAL = "official", _("election official")
    OBSERVER = "observer", _("observer (read only)")
    # A deputy's own account (recall.services.groups.deputies): the deputy's workspace on the public
    # site, never the officials' admin (no staff flag, no commission).
    DEPUTY = "deputy", _("deputy")


class User(AbstractUser):
    commission = models.ForeignKey(
        Commission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("commission"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.OFFICIAL)
    deputy = models.OneToOneField(
        "recall.Deputy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("deputy"),
    )
    # The language of the e-mails this person is sent (kk, ru, en): a deputy's is the one its
    # account was created in, then the one the deputy signs in with. Empty: the site's default.
    language = models.CharField(_("language of notices"), max_length=8, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            # A deputy's account is linked to its deputy and can never open the admin; no
            # other account is linked to a deputy.
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.DEPUTY,
                        deputy__isnull=False,
                        is_staff=False,
                        is_superuser=False,
                        commission__isnull=True,
                    )
                    | (~Q(role=Role.DEPUTY) & Q(deputy__isnull=True))
                ),
                name="user_deputy_iff_deputy_role",
            ),
        ]

    @property
    def is_deputy(self) -> bool:
        return self.role == Role.DEPUTY and self.deputy_id is not None

    @property
    def is_observer(self) -> bool:
        return self.role == Role.OBSERVER and not self.is_superuser

    # The jurisdiction rule itself lives in recall.jurisdiction; these read it for templates.
    @property
    def sees_everything(self) -> bool:
        return jurisdiction.sees_everything(self)

    @property
    def can_act(self) -> bool:
        return jurisdiction.can_act(self)


def validate_witness_vkey(value: str) -> None:
    """A witness key is a cosignature/v1 (Ed25519) verifier key: anything else cannot cosign."""
    from django.core.exceptions import ValidationError

    try:
        verifier = note.Verifier.from_vkey(value)
    except (ValueError, note.NoteError) as error:
        raise ValidationError(_("Not a verifier key: %(error)s") % {"error": error}) from error
    if verifier.alg != note.ALG_COSIGNATURE_V1:
        raise ValidationError(_("A witness key must be a cosignature/v1 key (tools/witness.py --generate-key)."))


class Scope(models.TextChoices):
    READ = "read", _("read own submissions")
    SIGN = "sign", _("submit signatures")
    WEBHOOKS = "webhooks", _("manage webhooks")
    WITNESS = "witness", _("cosign the public ledger as a witness")
    # A voter who signed through a partner without a phone number withdraws through it; each
    # withdrawal is in the audit log with the partner's name.
    WITHDRAW = "withdraw", _("withdraw signatures it submitted, at the voter's request")


class ApiClient(models.Model):
    """An accredited partner organisation. It holds one or more API keys (for rotation)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    accreditation = models.TextField(
        _("accreditation"), blank=True, help_text=_("Decision and date of the accreditation.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A witness's cosignature/v1 verifier key (tools/witness.py --generate-key); its name is the
    # witness's identity. One key per witness; empty for partners that are not witnesses.
    witness_vkey = models.CharField(
        _("witness key"),
        max_length=400,
        blank=True,
        validators=[validate_witness_vkey],
        help_text=_("The witness's public key (cosignature/v1), from tools/witness.py --generate-key."),
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(AbstractAPIKey):
    """A partner's key. Shown once when created and stored hashed (SHA-512) by the library."""

    objects = BaseAPIKeyManager()

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client"))
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def revoke(self) -> None:
        # Conditional so the first revocation time is kept.
        ApiKey.objects.filter(pk=self.pk, revoked=False).update(revoked=True, revoked_at=timezone.now())
        self.refresh_from_db(fields=["revoked", "revoked_at"])


# The library's fields have English names (or none) and no Kazakh or Russian catalogue: this
# model's copies of them are named here, for the admin's headers and labels.
for _field, _label in {
    "prefix": _("prefix"),
    "created": _("created"),
    "name": _("name"),
    "revoked": _("revoked"),
    "expiry_date": _("expires"),
}.items():
    ApiKey._meta.get_field(_field).verbose_name = _label
