from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..declension import genitive
from ..i18n_text import TranslatedFields, current_language
from .policy import BodyLevel


class District(TranslatedFields, models.Model):
    """A single-member electoral district of the Mazhilis or of a maslikhat.

    ``name``, ``region`` and ``body`` are the English names (the region's is the value the filters
    and commissions' jurisdictions use); ``*_kk`` and ``*_ru`` the Kazakh and Russian ones, shown
    on pages in those languages (``localized``; recall.i18n_text)."""

    TRANSLATED = ("name", "region", "body")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200, blank=True, default="")
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, db_index=True)
    region_kk = models.CharField(_("region in Kazakh"), max_length=100, blank=True, default="")
    region_ru = models.CharField(_("region in Russian"), max_length=100, blank=True, default="")
    level = models.CharField(_("level"), max_length=16, choices=BodyLevel)
    body = models.CharField(_("representative body"), max_length=200)
    body_kk = models.CharField(_("representative body in Kazakh"), max_length=200, blank=True, default="")
    body_ru = models.CharField(_("representative body in Russian"), max_length=200, blank=True, default="")
    # Derived from the voter register (active voters) after every import.
    registered_voters = models.PositiveIntegerField(_("registered voters"), default=0, editable=False)
    register_updated_at = models.DateTimeField(_("register updated"), null=True, editable=False)

    class Meta:
        verbose_name = _("electoral district")
        verbose_name_plural = _("electoral districts")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(level__in=BodyLevel.values), name="district_level_valid")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_local}"

    @property
    def name_local(self) -> str:
        return self.localized("name")

    @property
    def region_local(self) -> str:
        return self.localized("region")

    @property
    def body_local(self) -> str:
        return self.localized("body")


class Mandate(models.TextChoices):
    SINGLE = "single", _("single-member district")
    PARTY_LIST = "party_list", _("party list")


class DeputyStatus(models.TextChoices):
    SERVING = "serving", _("serving")
    RECALLED = "recalled", _("recalled")
    ENDED = "ended", _("mandate ended")


class Deputy(TranslatedFields, models.Model):
    TRANSLATED = ("party",)

    full_name = models.CharField(_("full name"), max_length=200)
    # The party's English name (empty: self-nominated); Kazakh and Russian beside it.
    party = models.CharField(_("party"), max_length=200, blank=True, help_text=_("Empty: self-nominated."))
    party_kk = models.CharField(_("party in Kazakh"), max_length=200, blank=True, default="")
    party_ru = models.CharField(_("party in Russian"), max_length=200, blank=True, default="")
    mandate = models.CharField(_("mandate"), max_length=16, choices=Mandate)
    level = models.CharField(_("level"), max_length=16, choices=BodyLevel)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deputies",
        verbose_name=_("district"),
    )
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    status = models.CharField(_("status"), max_length=16, choices=DeputyStatus, default=DeputyStatus.SERVING)
    photo_url = models.URLField(_("photo"), blank=True)

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(mandate=Mandate.SINGLE) & Q(district__isnull=False))
                | (Q(mandate=Mandate.PARTY_LIST) & Q(district__isnull=True)),
                name="deputy_district_iff_single_mandate",
            ),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="deputy_term_ends_after_start"),
            models.CheckConstraint(condition=Q(mandate__in=Mandate.values), name="deputy_mandate_valid"),
            models.CheckConstraint(condition=Q(status__in=DeputyStatus.values), name="deputy_status_valid"),
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(status=DeputyStatus.SERVING),
                name="one_serving_deputy_per_district",
            ),
            # Target of the composite foreign key from petitions (see migration 0002): it lets
            # the database refuse a petition against a party-list deputy.
            models.UniqueConstraint(fields=["id", "mandate"], name="deputy_id_mandate_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def party_local(self) -> str:
        return self.localized("party") if self.party else ""

    @property
    def name_as_object(self) -> str:
        """The name where a sentence recalls the deputy ("Recall of …", "the petition to recall
        …"): the genitive in Russian ("Отзыв депутата Есенова Армана"); as written in Kazakh and
        English, whose sentences put it where it does not change (recall.declension)."""
        return genitive(self.full_name) if current_language() == "ru" else self.full_name

    @property
    def is_recallable(self) -> bool:
        return self.mandate == Mandate.SINGLE and self.status == DeputyStatus.SERVING
