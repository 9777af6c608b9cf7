from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import DIGEST_LENGTH, DigestArrayField, EncryptedJSONField, EncryptedTextField
from ..iin import mask as iin_mask
from .petitions import Petition
from .register import EMPTY_DIGESTS, ImportJob, JobState, Voter


class SignatureState(models.TextChoices):
    RECEIVED = "received", _("awaiting verification")
    VALID = "valid", _("valid")
    INVALID = "invalid", _("invalid")
    REVIEW = "review", _("awaiting review by an official")
    WITHDRAWN = "withdrawn", _("withdrawn by the signer")
    # An EDS signature verified but for its certificate's revocation status, whose responder
    # did not answer: received, not counted, until a worker asks again (recall.eds.revocation).
    REVOCATION_PENDING = "pending", _("received; the certificate's revocation status is being checked")


class Channel(models.TextChoices):
    WEB = "web", _("web")
    PAPER = "paper", _("paper sheet")
    PARTNER = "partner", _("partner")
    # Signed with the voter's own NCA RK key (recall.services.signing.eds); the IIN and the name
    # come from the certificate.
    EDS = "eds", _("digital signature (EDS)")
    # Signed in the eGov Mobile app (QR code or deep link) with the voter's NCA key; the CMS that
    # comes back is verified like an EDS signature, and the IIN and name come from its certificate.
    EGOV_MOBILE = "egov_mobile", _("eGov Mobile")


class IdentityStrength(models.TextChoices):
    """What a signature's channel proved about who signed, set when it is stored
    (recall.services.signing.channels.strength_of) and never changed."""

    # The voter's own NCA RK key (EDS or eGov Mobile): the certificate names the IIN.
    CERTIFICATE = "certificate", _("NCA certificate of the signer")
    # A text-message code to a number the mobile-citizens database links to the IIN
    # (RECALL_PHONE_OWNERSHIP_BACKEND): the phone is the voter's.
    PHONE_OF_IIN = "phone_of_iin", _("phone registered to the IIN")
    # A text-message code to a typed number: proves only that the signer holds that phone.
    PHONE = "phone", _("phone number (text-message code)")
    # An accredited partner's own identity checks: the service has the partner's word.
    PARTNER = "partner", _("partner's identity check")
    # A handwritten signature on a numbered sheet, seen by the collector and the commission.
    PAPER = "paper", _("handwritten signature on a sheet")


# The strength each channel proves by itself (the web's is raised to PHONE_OF_IIN when the
# number's owner was checked). The public ledger records channels, not strengths; a reader
# derives the strength from the channel with this table (recall.ledger.entries.STRENGTH_OF_CHANNEL
# is the same table, kept apart because the ledger library imports nothing of Django).
STRENGTH_OF_CHANNEL = {
    Channel.EDS: IdentityStrength.CERTIFICATE,
    Channel.EGOV_MOBILE: IdentityStrength.CERTIFICATE,
    Channel.WEB: IdentityStrength.PHONE,
    Channel.PARTNER: IdentityStrength.PARTNER,
    Channel.PAPER: IdentityStrength.PAPER,
}


class IdentityStrengthField(models.CharField):
    """``identity_strength``: a row saved without one (an ORM ``save`` or ``bulk_create``) takes
    its channel's own (STRENGTH_OF_CHANNEL); the sign path sets it explicitly."""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.attname)
        if not value and model_instance.channel in STRENGTH_OF_CHANNEL:
            value = STRENGTH_OF_CHANNEL[model_instance.channel]
            setattr(model_instance, self.attname, value)
        return value


class Ground(models.TextChoices):
    """Grounds for an invalid signature: the commission's nine, then those the machine finds."""

    INCOMPLETE = "incomplete", _("incomplete voter data")
    PENCIL = "pencil", _("written in pencil")
    FORGERY = "forgery", _("erasures or signs of forgery")
    SIGNED_BY_OTHER = "signed_by_other", _("signed by someone else for the voter")
    DUPLICATE = "duplicate", _("the same person signed more than once")
    ONE_FOR_MANY = "one_for_many", _("one person signed for several people")
    DECEASED = "deceased", _("signed for a deceased person")
    NO_RIGHT_TO_VOTE = "no_right_to_vote", _("the signer has no right to vote")
    WITHDRAWN_IN_WRITING = "withdrawn_in_writing", _("withdrawn in writing")
    IIN_CHECKSUM = "iin_checksum", _("the IIN's checksum fails")
    NOT_IN_REGISTER = "not_in_register", _("not in the voter register")
    OUTSIDE_DISTRICT = "outside_district", _("registered in another district")
    UNDER_18 = "under_18", _("under 18 on the day of signing")
    OUTSIDE_WINDOW = "outside_window", _("signed outside the collection window")
    CERTIFICATE_NOT_VALID = "certificate_not_valid", _("the signing certificate was revoked or is not valid")


# What a partner may be told, and a voter checking a partner's signature (the partner holds its
# receipt and IIN too): grounds about the submission itself. Grounds that reveal facts about the
# person (register status, another signature) are reported as "not_counted".
DISCLOSED_FOR_PARTNERS = (
    Ground.IIN_CHECKSUM,
    Ground.INCOMPLETE,
    Ground.OUTSIDE_WINDOW,
    Ground.PENCIL,
    Ground.FORGERY,
    Ground.SIGNED_BY_OTHER,
    Ground.ONE_FOR_MANY,
    Ground.WITHDRAWN_IN_WRITING,
    Ground.CERTIFICATE_NOT_VALID,
)
# The commission's nine grounds: what an official records (a sample finding may also confirm
# one of the machine's).
OFFICIAL_GROUNDS = tuple(Ground)[:9]
OFFICIAL_GROUND_CHOICES = [(g.value, g.label) for g in OFFICIAL_GROUNDS]


# A signer may withdraw a signature in these states (while the window is open).
WITHDRAWABLE_STATES = (SignatureState.RECEIVED, SignatureState.REVIEW, SignatureState.VALID)
# Stored, not yet decided by the workers (nor counted): what they still have to do.
AWAITING_WORKERS = (SignatureState.RECEIVED, SignatureState.REVOCATION_PENDING)


class ReviewReason(models.TextChoices):
    """Why a signature waits for an official instead of being decided by the machine."""

    IIN_DATA_MISMATCH = "iin_data_mismatch", _("the IIN's digits do not match the birth date")
    NAME_MISMATCH = "name_mismatch", _("the name differs from the register")
    BIRTH_DATE_MISMATCH = "birth_date_mismatch", _("the birth date differs from the register")
    SAMPLED = "sampled", _("drawn in a random sample")
    # The level's policy has an official confirm every signature of this channel
    # (RecallPolicy.confirm_<channel>).
    CHANNEL_CONFIRMATION = "channel_confirmation", _("the policy has an official confirm this channel's signatures")


class Signature(models.Model):
    """One signature of one petition.

    Indexes are few on purpose: verification changes ``state``, which partial indexes use, so
    its UPDATE is never a HOT update and every index of this table costs one write per
    signature verified. Only indexes that queries use exist; the foreign keys below that are
    never searched on their own (client, paper import, duplicate, decided by) carry none, and
    every by-petition lookup uses the (petition, state) index.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="signatures", db_index=False, verbose_name=_("petition")
    )
    # The keyed digest of the IIN, joined to the register by verification. Not a real
    # constraint: a signer missing from the register is a finding, not an error.
    voter = models.ForeignKey(
        Voter,
        to_field="iin_digest",
        db_column="voter_digest",
        db_constraint=False,
        db_index=False,  # the (petition, voter) unique index serves every lookup
        on_delete=models.DO_NOTHING,
        related_name="+",
        # Null once the petition's personal data is purged (recall.services.privacy.retention).
        null=True,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    # What the channel proved about the signer (IdentityStrength), fixed at the INSERT.
    identity_strength = IdentityStrengthField(_("identity proven by"), max_length=16, choices=IdentityStrength)
    client = models.ForeignKey(
        "accounts.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("partner"),
        db_index=False,
    )
    receipt = models.CharField(_("receipt"), max_length=16, null=True, blank=True)
    # A partner's Idempotency-Key and the fingerprint of its request: a retry is answered from
    # this row (recall.api.views.SignatureCreate), so the sign path stays one INSERT.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    paper_import = models.ForeignKey(
        "PaperImport", on_delete=models.PROTECT, null=True, blank=True, related_name="signatures", db_index=False
    )
    sheet_number = models.PositiveIntegerField(_("sheet"), null=True, blank=True)
    sheet_line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    collector = models.CharField(_("collector"), max_length=200, blank=True)

    signed_at = models.DateTimeField(_("signed at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=16, choices=SignatureState, default=SignatureState.RECEIVED)
    ground = models.CharField(_("ground"), max_length=24, choices=Ground, blank=True)
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    # Which parts of the name matched when the name sent the signature to review
    # ({"surname": "exact", "given": "different", "patronymic": "absent", "extra": 1}), set by
    # verification (recall.names.REASONS_SQL); null otherwise.
    name_parts = models.JSONField(_("name parts"), null=True, blank=True, editable=False)

    # Facts fixed when the signature is stored, read by verification.
    iin_checksum_ok = models.BooleanField(default=True)
    # Paper lines may lack a name, birth date or address: invalid ground "incomplete".
    data_complete = models.BooleanField(default=True)
    iin_data_mismatch = models.BooleanField(default=False)
    name_digest = models.CharField(max_length=DIGEST_LENGTH)
    # The typed name's words and their one-letter neighbourhoods, digested under the typed IIN
    # (recall.names); verification matches them against the register's name_* arrays.
    name_tokens = DigestArrayField(db_default=EMPTY_DIGESTS)
    name_near = DigestArrayField(db_default=EMPTY_DIGESTS)
    birth_digest = models.CharField(max_length=DIGEST_LENGTH)
    # iin, full_name, birth_date, address and (web) phone as the signer entered them; for EDS
    # the IIN and name from the certificate, its serial and issuer, and the address typed.
    # Under the petition's data key; null once the petition's personal data is purged.
    personal = EncryptedJSONField(_("personal data"), petition="petition_id", null=True)
    # EDS only: the CMS as received (base64), encrypted like ``personal`` and destroyed with it,
    # so the commission can verify it again.
    eds_cms = EncryptedTextField(null=True, blank=True, editable=False, petition="petition_id")
    # A paper or partner line repeating a signature already on this petition; stored so the
    # commission sees the attempt, counted as invalid (ground "duplicate").
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
        verbose_name=_("duplicate of"),
    )

    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        db_index=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            # Paper lines have no receipt: the index holds web and partner signatures only.
            models.UniqueConstraint(
                fields=["receipt"], condition=Q(receipt__isnull=False), name="one_signature_per_receipt"
            ),
            models.UniqueConstraint(
                fields=["petition", "voter"],
                condition=Q(duplicate_of__isnull=True),
                name="one_signature_per_voter_per_petition",
            ),
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="one_signature_per_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["petition", "sheet_number", "sheet_line"],
                condition=Q(channel=Channel.PAPER),
                name="one_signature_per_sheet_line",
            ),
            models.CheckConstraint(condition=Q(state__in=SignatureState.values), name="signature_state_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="signature_channel_valid"),
            # Each channel proves what it can and no more: a certificate only with a key, a
            # phone (of the IIN or not) only with a text-message code.
            models.CheckConstraint(
                condition=Q(
                    channel__in=[Channel.EDS, Channel.EGOV_MOBILE], identity_strength=IdentityStrength.CERTIFICATE
                )
                | Q(channel=Channel.WEB, identity_strength__in=[IdentityStrength.PHONE, IdentityStrength.PHONE_OF_IIN])
                | Q(channel=Channel.PARTNER, identity_strength=IdentityStrength.PARTNER)
                | Q(channel=Channel.PAPER, identity_strength=IdentityStrength.PAPER),
                name="signature_identity_strength_of_channel",
            ),
            models.CheckConstraint(
                condition=(Q(state=SignatureState.INVALID) & Q(ground__in=Ground.values))
                | (~Q(state=SignatureState.INVALID) & Q(ground="")),
                name="signature_invalid_iff_ground",
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.PAPER) | Q(sheet_number__isnull=False, sheet_line__isnull=False),
                name="signature_paper_has_sheet_line",
            ),
        ]
        indexes = [
            # recall.services.verification.batches.verify_batch claims work through this index.
            models.Index(fields=["id"], condition=Q(state=SignatureState.RECEIVED), name="signature_awaiting_verif"),
            # The officials' review queue (recall.admin.ReviewQueueAdmin).
            models.Index(
                fields=["petition", "id"], condition=Q(state=SignatureState.REVIEW), name="signature_awaiting_review"
            ),
            # Reconciliation, exports and sampling read a petition's signatures by state.
            models.Index(fields=["petition", "state"], name="signature_petition_state"),
        ]

    def __str__(self) -> str:
        return self.receipt or _("sheet %(sheet)s line %(line)s") % {
            "sheet": self.sheet_number,
            "line": self.sheet_line,
        }

    @property
    def shown_ground(self) -> str:
        """The ground as its checker may see it (see DISCLOSED_FOR_PARTNERS): a partner's
        signature, EDS ones included, tells its partner no facts about the person."""
        if self.state != SignatureState.INVALID:
            return ""
        from_partner = self.channel == Channel.PARTNER or self.client_id is not None
        if from_partner and self.ground not in DISCLOSED_FOR_PARTNERS:
            return "not_counted"
        return self.ground

    @property
    def shown_ground_label(self) -> str:
        ground = self.shown_ground
        if ground == "not_counted":
            return str(_("not counted; the election commission can tell you why"))
        return str(Ground(ground).label) if ground else ""

    @property
    def hidden_repeat(self) -> bool:
        """A repeat made with a code on the web, or submitted by a partner: whoever made it sees
        it like a first signature (recall.services.signing.codes.as_seen_by_signer), so nobody
        learns from it that the IIN had signed (until an official decides it)."""
        return self.is_hidden_repeat(self.channel, self.duplicate_of_id)

    @staticmethod
    def is_hidden_repeat(channel: str, duplicate_of_id: int | None) -> bool:
        return channel in (Channel.WEB, Channel.PARTNER) and duplicate_of_id is not None

    def withdrawable_by_signer(self) -> bool:
        return self.state in WITHDRAWABLE_STATES or (self.hidden_repeat and self.state == SignatureState.INVALID)

    @property
    def masked_iin(self) -> str:
        return iin_mask((self.personal or {}).get("iin", ""))


class PaperImport(ImportJob):
    """A CSV of a petition's paper sheets, imported in the background."""

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="paper_imports", verbose_name=_("petition")
    )
    imported_count = models.PositiveIntegerField(_("signatures imported"), default=0)
    duplicate_count = models.PositiveIntegerField(_("repeats of earlier signatures"), default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("paper sheet import")
        verbose_name_plural = _("paper sheet imports")
        constraints = [models.CheckConstraint(condition=Q(state__in=JobState.values), name="paper_import_state_valid")]

    def __str__(self) -> str:
        return _("Paper sheets #%(id)s") % {"id": self.pk}


class ConfirmPurpose(models.TextChoices):
    SIGN = "sign", _("sign")
    WITHDRAW = "withdraw", _("withdraw")
    # The voter's own-data page (recall.services.privacy.own_data): nothing changes, data is shown.
    VIEW = "view", _("see my data")


class EdsStatement(models.Model):
    """A statement issued to be signed with EDS (recall.services.signing.eds).

    ``challenge`` is the one-time value inside the statement and the page's address; the exact
    statement bytes are kept, so the signature is checked against what was issued, not against
    anything the browser sends back. ``used_at`` is set once, by a conditional UPDATE: a
    signature over this statement is accepted at most once.
    """

    challenge = models.CharField(max_length=43, unique=True)
    purpose = models.CharField(max_length=16, choices=ConfirmPurpose)
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    # Withdrawals: the signature to withdraw (its signer's IIN must be the certificate's).
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, null=True, related_name="+")
    # The partner that asked for the statement through the API; null for the site's own page.
    # A statement is accepted only from where it was issued.
    client = models.ForeignKey(
        "accounts.ApiClient", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    statement = models.TextField()
    language = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConfirmPurpose.values), name="eds_challenge_purpose_valid")
        ]


class MobileSigning(models.Model):
    """A statement being signed in eGov Mobile through the QR signing service
    (recall.services.signing.mobile): the procedure the service registered for it, at most one
    per statement (starting again replaces it). ``data_sent_at``: the phone took the statement."""

    statement = models.OneToOneField(EdsStatement, on_delete=models.CASCADE, related_name="mobile")
    qr_code = models.TextField()  # PNG, base64, as the service drew it
    mobile_link = models.TextField()
    business_link = models.TextField(blank=True)
    data_url = models.TextField()
    sign_url = models.TextField()
    expire_at = models.DateTimeField()
    data_sent_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class CodeRequest(models.Model):
    """A one-time code sent to a voter's phone before signing or withdrawing.

    The code is stored hashed; every challenge gets a code, whether its IIN has signed or not
    (recall.services.signing.codes).
    """

    token = models.CharField(max_length=43, unique=True)
    purpose = models.CharField(max_length=16, choices=ConfirmPurpose)
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, null=True, related_name="+")
    voter_digest = models.CharField(max_length=DIGEST_LENGTH)
    # Limits per number and per IIN count challenges by these digests.
    phone_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True)
    payload = EncryptedJSONField(petition="petition_id")
    phone_masked = models.CharField(max_length=32)
    # The page's language: the text messages are written in it.
    language = models.CharField(max_length=8, default="kk")
    # False only on requests stored before every typed number got a code, for a voter who had
    # signed (such a request sent none): nothing confirms them.
    can_confirm = models.BooleanField(default=True)
    # The phone ownership backend's answer (RECALL_PHONE_OWNERSHIP_BACKEND), written by the
    # notification worker before it texts a code: True, the number is the IIN's (the signature
    # is stored as PHONE_OF_IIN); False, it is not (no code is sent and nothing can confirm
    # the request); None, not asked (no backend, or not a signing request).
    phone_of_iin = models.BooleanField(null=True, editable=False)
    # Written by the notification worker when it sends the code (recall.tasks.send_challenge_code).
    code_hash = models.CharField(max_length=64, blank=True)
    sends = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConfirmPurpose.values), name="challenge_purpose_valid")
        ]
        indexes = [
            # recall.services.signing.codes counts recent requests per number and per IIN.
            models.Index(fields=["phone_digest", "created_at"], name="challenge_phone_recent"),
            models.Index(fields=["voter_digest", "created_at"], name="challenge_voter_recent"),
        ]


class OutcomeEvent(models.TextChoices):
    ANSWER = "answer", _("the deputy's answer")
    THRESHOLD = "threshold", _("the threshold reached")
    CERTIFIED = "certified", _("the certification of the signatures")
    VOTE = "vote", _("the result of the recall vote")


class OutcomeSubscription(models.Model):
    """A signer's wish to be texted the petition's outcome (recall.services.notices.outcome_notices).

    Keyed by the signature and deleted with it (and on withdrawal): the number is the one in the
    signature's encrypted personal data, so nothing personal is held here, and destroying the
    signature's data destroys this too. Each event is texted once: its column is claimed by a
    conditional UPDATE before the message leaves."""

    signature = models.OneToOneField(
        Signature, on_delete=models.CASCADE, primary_key=True, related_name="outcome_subscription"
    )
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The page's language: the messages are written in it.
    language = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    answer_sent_at = models.DateTimeField(null=True, editable=False)
    threshold_sent_at = models.DateTimeField(null=True, editable=False)
    certified_sent_at = models.DateTimeField(null=True, editable=False)
    vote_sent_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("outcome notice request")
        verbose_name_plural = _("outcome notice requests")
        indexes = [
            # recall.services.notices.outcome_notices.send: a petition's subscribers.
            models.Index(fields=["petition"], name="outcome_subscription_petition"),
        ]


class ReviewQueue(Signature):
    """The officials' review queue: signatures the machine could not decide (admin only)."""

    class Meta:
        proxy = True
        verbose_name = _("signature awaiting review")
        verbose_name_plural = _("review queue")
