"""The deputy's side of a petition: their account, the answers they publish, and what they are
told. See docs/domain.md, "The deputy".

- An official of the commission whose jurisdiction holds the deputy's district creates the
  deputy's account (``create_account``): no staff flag and no commission, so it can never open
  the admin. The address the official gives is only proposed (``DeputyAddressChange``): it takes
  effect once a second official, of the central commission, confirms it
  (``confirm_address``); only then is the deputy e-mailed a one-time link to set a password,
  then must enrol an authenticator (TOTP) before the workspace opens (``recall.web.deputy``):
  the second factor is always required for deputies, whatever RECALL_ADMIN_TWO_FACTOR says for
  officials, the embedded demo included. So one official alone can never send the link to an
  address of their own choosing and speak as the deputy.
- Every change to the account (address changed, password set or reset, authenticator enrolled
  or reset, an answer published) is e-mailed to the address on record before the change
  (``tell_deputy``, through the notice outbox in the change's transaction): a deputy whose
  account was taken over hears of it at the address they know.
- ``publish_answer`` stores a new version of the answer (one or more languages); versions are
  never changed and are all public. The deputy publishes in their workspace; an official may
  enter an answer on the deputy's behalf, and the version says so.
- The deputy sees the public counts only (``petitions_of``: the public states and the fields of the public page), never who
  signed: nothing in this module reads a signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import two_factor
from accounts.models import Role, User

from ... import jurisdiction
from ...errors import IllegalTransition, InvalidInput, OutsideJurisdiction, PolicyViolation
from ...models import (
    PUBLIC_STATES,
    AddressChangeState,
    Deputy,
    DeputyAddressChange,
    DeputyAnswer,
    GroupDraft,
    Mandate,
    OutcomeEvent,
    Petition,
    PetitionState,
)
from .. import audit
from ..notices import outbox, outcome_notices
from ..notices.outbox import Outgoing
from ..public import public_cache

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
# When the page's language has no text: Russian, then Kazakh, then English.
FALLBACK = ("ru", "kk", "en")
MAX_ANSWER = 10_000


# --- The account --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    user: User
    link: str


def language_of(user: User) -> str:
    """The language of what the deputy is sent: theirs (recall.web.deputy keeps it), else the
    language the account was created in, else the site's."""
    return user.language or settings.LANGUAGE_CODE


def password_link(user: User) -> str:
    """The one-time link to set the password (Django's token: it stops working once the
    password changes, and after PASSWORD_RESET_TIMEOUT), to the page in the deputy's language."""
    with translation.override(language_of(user)):
        path = reverse(
            "recall:deputy_password",
            kwargs={
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class Proposed:
    """An account or an address that waits for a central official's confirmation."""

    user: User
    change: DeputyAddressChange


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email or "@" not in email or len(email) > 254:
        raise InvalidInput(_("Enter the deputy's e-mail address."), field="email", code="email_required")
    return email


def _propose(user: User, deputy: Deputy, *, actor: Any, email: str) -> DeputyAddressChange:
    """A pending change replaces one still pending (cancelled, audited): the last proposal is
    the one a central official is asked to confirm."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise OutsideJurisdiction(_("Only an official may propose a deputy's address."))
    now = timezone.now()
    for earlier in DeputyAddressChange.objects.select_for_update().filter(
        deputy=deputy, state=AddressChangeState.PENDING
    ):
        DeputyAddressChange.objects.filter(pk=earlier.pk, state=AddressChangeState.PENDING).update(
            state=AddressChangeState.CANCELLED, decided_by=actor, decided_at=now
        )
        audit.record("deputy.address_cancelled", actor=actor, obj=user, deputy_id=deputy.pk, change_id=earlier.pk)
    change = DeputyAddressChange.objects.create(deputy=deputy, email=email, proposed_by=actor, proposed_at=now)
    audit.record("deputy.address_proposed", actor=actor, obj=user, deputy_id=deputy.pk, change_id=change.pk)
    return change


def create_account(deputy: Deputy, *, actor: Any | None, email: str) -> Proposed:
    """Create the deputy's account, without an address yet: ``email`` is proposed, and the link to
    set the password is e-mailed only once a central official confirms it (``confirm_address``).
    Only for a deputy elected in a district (no petition can be brought against another)."""
    if deputy.mandate != Mandate.SINGLE or deputy.district_id is None:
        raise PolicyViolation(
            _("Only a deputy elected in a single-member district can face a petition and have an account."),
            field="deputy",
            code="party_list_deputy",
        )
    jurisdiction.authorize(actor, deputy.district_id)
    email = _clean_email(email)
    with transaction.atomic():
        # The deputy's row lock: two officials creating the account at once make one.
        Deputy.objects.select_for_update().filter(pk=deputy.pk).first()
        if User.objects.filter(deputy=deputy).exists():
            raise PolicyViolation(_("This deputy already has an account."), field="deputy", code="account_exists")
        user = User(
            username=f"deputy-{deputy.pk}",
            email="",
            first_name=deputy.full_name[:150],
            role=Role.DEPUTY,
            deputy=deputy,
            is_staff=False,
            # The creator's language (the official's admin page) until the deputy signs in.
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        user.set_unusable_password()
        user.save()
        audit.record("deputy.account_created", actor=actor, obj=user, deputy_id=deputy.pk)
        change = _propose(user, deputy, actor=actor, email=email)
    return Proposed(user, change)


def propose_address(deputy: Deputy, *, actor: Any | None, email: str) -> Proposed:
    """A new address for an existing account, in effect once a central official confirms it."""
    jurisdiction.authorize(actor, deputy.district_id)
    email = _clean_email(email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(deputy=deputy).first()
        if user is None:
            raise PolicyViolation(_("This deputy has no account yet."), field="deputy", code="no_account")
        if user.email == email:
            raise PolicyViolation(_("This is already the deputy's address."), field="email", code="same_address")
        change = _propose(user, deputy, actor=actor, email=email)
    return Proposed(user, change)


def may_confirm(actor: Any) -> bool:
    """An official of the central commission (or a superuser) who may change records."""
    return jurisdiction.can_act(actor) and jurisdiction.sees_everything(actor)


def confirm_address(change: DeputyAddressChange, *, actor: Any) -> Invitation | None:
    """A second official, of the central commission, confirms a proposed address: it becomes the
    account's, the address on record before is told, and an account still without a password is
    e-mailed its link (now, and only now). Returns that invitation, if one was sent."""
    if not may_confirm(actor):
        raise OutsideJurisdiction(_("Only an official of the central commission may confirm a deputy's address."))
    if change.proposed_by_id == actor.pk:
        raise PolicyViolation(
            _("A second official must confirm the address you proposed."), field=None, code="own_proposal"
        )
    with transaction.atomic():
        user = User.objects.select_for_update().filter(deputy_id=change.deputy_id).first()
        # Conditional: a change confirmed or cancelled meanwhile is not confirmed again.
        if user is None or not DeputyAddressChange.objects.filter(
            pk=change.pk, state=AddressChangeState.PENDING
        ).exclude(proposed_by=actor).update(
            state=AddressChangeState.CONFIRMED, decided_by=actor, decided_at=timezone.now()
        ):
            raise IllegalTransition(_("This address is no longer awaiting confirmation."), code="not_pending")
        change.refresh_from_db()
        previous = user.email
        tell_deputy(user, "address_changed", new_address=change.email)
        user.email = change.email
        user.save(update_fields=["email"])
        audit.record(
            "deputy.address_confirmed",
            actor=actor,
            obj=user,
            deputy_id=change.deputy_id,
            change_id=change.pk,
            proposed_by=change.proposed_by_id,
            had_address=bool(previous),
        )
        invitation = None
        if not user.has_usable_password():
            invitation = Invitation(user, password_link(user))
            _invite(invitation)
    return invitation


def cancel_address(change: DeputyAddressChange, *, actor: Any) -> None:
    """The proposer, or a central official, withdraws a proposed address."""
    if not (
        may_confirm(actor) or (change.proposed_by_id == getattr(actor, "pk", None) and jurisdiction.can_act(actor))
    ):
        raise OutsideJurisdiction()
    with transaction.atomic():
        if not DeputyAddressChange.objects.filter(pk=change.pk, state=AddressChangeState.PENDING).update(
            state=AddressChangeState.CANCELLED, decided_by=actor, decided_at=timezone.now()
        ):
            raise IllegalTransition(_("This address is no longer awaiting confirmation."), code="not_pending")
        audit.record("deputy.address_cancelled", actor=actor, deputy_id=change.deputy_id, change_id=change.pk)


def pending_change(deputy: Deputy) -> DeputyAddressChange | None:
    return DeputyAddressChange.objects.filter(deputy=deputy, state=AddressChangeState.PENDING).first()


# What the deputy is told of each change to the account, at the address on record before it.
ACCOUNT_CHANGES = {
    "address_changed": (
        gettext_lazy("The e-mail address of your account has been changed"),
        gettext_lazy(
            "The election commission has changed the e-mail address of your account on the recall petitions "
            "service to %(new_address)s. Messages about your account now go there."
        ),
    ),
    "password_set": (
        gettext_lazy("The password of your account has been set"),
        gettext_lazy("A new password has been set for your account on the recall petitions service."),
    ),
    "access_reset": (
        gettext_lazy("The password and authenticator of your account have been reset"),
        gettext_lazy(
            "The election commission has removed the password and the authenticator of your account on the recall "
            "petitions service and sent a link to set a new password to this address."
        ),
    ),
    "two_factor_enrolled": (
        gettext_lazy("An authenticator has been set up for your account"),
        gettext_lazy(
            "An authenticator app has been set up for signing in to your account on the recall petitions service."
        ),
    ),
    "answer_published": (
        gettext_lazy("An answer has been published in your name"),
        gettext_lazy(
            "Version %(version)s of your answer to recall petition No. %(petition)s has been published. %(by)s\n\n"
            "%(link)s"
        ),
    ),
}


def tell_deputy(user: User, change: str, **values: Any) -> None:
    """E-mail the deputy of a change to their account, at the address on record now (call
    before the change, in its transaction): if the change was not theirs, they hear of it where
    they can. Nothing is sent while the account has no confirmed address."""
    if not user.email:
        return
    with translation.override(language_of(user)):
        subject, body = ACCOUNT_CHANGES[change]
        text = str(body) % values if values else str(body)
        text += "\n\n" + _("If this was not you, contact the election commission at once.") + "\n"
        subject = str(subject)
    outbox.announce("account", messages=[Outgoing("email", user.email, text, subject)])


def password_set(user: User, form: Any) -> None:
    """The deputy set a password from the link (``form``: Django's SetPasswordForm, valid)."""
    with transaction.atomic():
        form.save()
        tell_deputy(user, "password_set")
        audit.record("deputy.password_set", actor=None, obj=user, deputy_id=user.deputy_id)


def two_factor_enrolled(user: User, device: Any) -> list[str]:
    """The deputy enrolled an authenticator: its recovery codes, and the deputy is told."""
    with transaction.atomic():
        codes = two_factor.enrol(user, device)
        tell_deputy(user, "two_factor_enrolled")
    return codes


def remember_language(user: User, language: str | None) -> None:
    """The deputy signed in on a page in ``language``: their e-mails go out in it from now on."""
    language = (language or "").split("-")[0]
    if language in dict(settings.LANGUAGES) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def reset_access(deputy: Deputy, *, actor: Any | None) -> Invitation:
    """A deputy who lost the password or the authenticator: the account's password and second
    factor are removed (every earlier link and code stops working) and a new link is e-mailed
    to the address on record (confirmed by a central official), never shown to the official,
    with a notice of the reset. Audited."""
    jurisdiction.authorize(actor, deputy.district_id)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(deputy=deputy).first()
        if user is None:
            raise PolicyViolation(_("This deputy has no account yet."), field="deputy", code="no_account")
        if not user.email:
            raise PolicyViolation(
                _("The deputy's address awaits a central official's confirmation; the link is sent then."),
                field="deputy",
                code="no_confirmed_address",
            )
        tell_deputy(user, "access_reset")
        user.set_unusable_password()  # the old link's token is bound to the password: it stops working
        user.save(update_fields=["password"])
        two_factor.reset(user, actor=actor)
        audit.record("deputy.access_reset", actor=actor, obj=user, deputy_id=deputy.pk)
        invitation = Invitation(user, password_link(user))
        _invite(invitation)
    return invitation


def _invite(invitation: Invitation) -> None:
    """The link by e-mail, through the notice outbox in the account's transaction (the message,
    link included, is stored encrypted until it is sent)."""
    with translation.override(language_of(invitation.user)):
        subject = _("Your account on the recall petitions service")
        text = _(
            "The election commission has created your account on the recall petitions service. Set your "
            "password with this link (it works once), then set up an authenticator app:\n\n%(link)s\n"
        ) % {"link": invitation.link}
    outbox.announce("invitation", messages=[Outgoing("email", invitation.user.email, text, subject)])


def petitions_of(user: Any):
    """The public petitions against the signed-in deputy (public fields and counts only)."""
    if not getattr(user, "is_deputy", False):
        return Petition.objects.none()
    return (
        Petition.objects.filter(state__in=PUBLIC_STATES, deputy_id=user.deputy_id)
        .select_related("deputy", "district")
        .order_by("-applied_at")
    )


# --- Answers ------------------------------------------------------------------------------------


def clean_texts(texts: dict[str, str]) -> dict[str, str]:
    unknown = set(texts) - set(LANGUAGES)
    if unknown:
        raise InvalidInput(
            _("Unknown languages: %(languages)s.") % {"languages": ", ".join(sorted(unknown))},
            field="texts",
            code="invalid_language",
        )
    cleaned = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES if (texts.get(lang) or "").strip()}
    if not cleaned:
        raise InvalidInput(_("Write the answer in at least one language."), field="texts", code="answer_required")
    for lang, text in cleaned.items():
        if len(text) > MAX_ANSWER or "\x00" in text:
            raise InvalidInput(
                _("An answer is at most %(n)s characters of text.") % {"n": MAX_ANSWER},
                field=f"text_{lang}",
                code="answer_too_long",
            )
    return cleaned


def _check_author(petition: Petition, actor: Any) -> bool:
    """True when an official enters the answer on the deputy's behalf; raise for anyone else."""
    if getattr(actor, "is_deputy", False):
        if actor.deputy_id != petition.deputy_id:
            raise OutsideJurisdiction(_("This petition is not about you."))
        return False
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise OutsideJurisdiction(_("Sign in to publish an answer."))
    jurisdiction.authorize(actor, petition.district_id)
    return True


def publish_answer(petition: Petition, *, actor: Any, texts: dict[str, str]) -> DeputyAnswer:
    """Publish a new version of the deputy's answer. The petition's row lock numbers versions
    one after another under concurrent publications; earlier versions stay as they are."""
    on_behalf = _check_author(petition, actor)
    cleaned = clean_texts(texts)
    with transaction.atomic():
        locked = Petition.objects.select_for_update().filter(pk=petition.pk).values("state").first()
        if locked is None or locked["state"] not in PUBLIC_STATES:
            raise IllegalTransition(
                _("An answer can be published once the commission has registered the petition."), code="not_public"
            )
        last = DeputyAnswer.objects.filter(petition_id=petition.pk).order_by("-version").first()
        answer = DeputyAnswer.objects.create(
            petition_id=petition.pk,
            version=(last.version + 1) if last else 1,
            texts=cleaned,
            published_at=timezone.now(),
            author=actor,
            on_behalf=on_behalf,
        )
        audit.record(
            "deputy_answer.published",
            actor=actor,
            petition_id=petition.pk,
            obj=answer,
            version=answer.version,
            languages=sorted(cleaned),
            on_behalf=on_behalf,
        )
        public_cache.changed(petition.pk, content=True)
        _tell_of_answer(petition, answer, actor, on_behalf)
        if last is None:  # signers who asked to hear the outcome are told of the first answer
            outcome_notices.after_event(petition.pk, OutcomeEvent.ANSWER)
        if GroupDraft.objects.filter(petition_id=petition.pk).exists():
            outbox.announce("group_answer", petition.pk, answer.pk, petition_id=petition.pk)
    return answer


def _tell_of_answer(petition: Petition, answer: DeputyAnswer, actor: Any, on_behalf: bool) -> None:
    user = User.objects.filter(deputy_id=petition.deputy_id, role=Role.DEPUTY).first()
    if user is None:
        return
    with translation.override(language_of(user)):
        if on_behalf:
            by = _("An official of the election commission entered it on your behalf.")
        else:
            by = _("It was published from your workspace.")
        link = f"{settings.SITE_URL}{reverse('recall:petition', args=[petition.pk])}"
    tell_deputy(user, "answer_published", version=answer.version, petition=petition.pk, by=by, link=link)


def answers(petition: Petition) -> list[DeputyAnswer]:
    """Every published version, the newest first."""
    return list(DeputyAnswer.objects.filter(petition_id=petition.pk).order_by("-version"))


# --- What the deputy is told --------------------------------------------------------------------


def _told(petition_id: int) -> tuple[Petition, User] | None:
    petition = Petition.objects.select_related("deputy", "district").filter(pk=petition_id).first()
    if petition is None:
        return None
    user = User.objects.filter(deputy_id=petition.deputy_id, role=Role.DEPUTY, is_active=True).exclude(email="").first()
    return (petition, user) if user is not None else None


TOLD_STATES = (PetitionState.APPLIED, PetitionState.REGISTERED)


def deputy_messages(petition_id: int, state: str) -> list[Outgoing]:
    """The deputy's e-mail (if they have an account) that the group submitted a petition against
    them, or that the commission registered it."""
    found = _told(petition_id)
    if found is None or state not in TOLD_STATES:
        return []
    petition, user = found
    with translation.override(language_of(user)):
        values = {"id": petition.pk, "district": petition.district.code}
        if state == PetitionState.APPLIED:
            subject = _("A recall petition No. %(id)s has been submitted against you (%(district)s)") % values
            body = _(
                "An initiative group of your district has submitted an application to recall you. The commission "
                "will decide whether to register it."
            )
        else:
            subject = _("Recall petition No. %(id)s against you has been registered (%(district)s)") % values
            body = _(
                "The commission has registered the petition to recall you; signatures are collected from %(start)s. "
                "You may publish an answer in your workspace."
            ) % {"start": formats.date_format(timezone.localtime(petition.window_start), "DATE_FORMAT")}
        link = f"{settings.SITE_URL}{reverse('recall:deputy_home')}"
    return [Outgoing("email", user.email, f"{body}\n\n{link}\n", subject)]
