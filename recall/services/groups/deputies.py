"""The deputy's side of a petition: their account, the answers they publish, and what they are
told. See docs/domain.md, "The deputy".

- An official of the commission whose jurisdiction holds the deputy's district creates the
  deputy's account (``create_account``): no staff flag and no commission, so it can never open
  the admin; the deputy gets a one-time link to set a password, then must enrol an
  authenticator (TOTP) before the workspace opens (``recall.web.deputy``): the second factor is
  always required for deputies, whatever RECALL_ADMIN_TWO_FACTOR says for officials, the
  embedded demo included.
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

from accounts import two_factor
from accounts.models import Role, User

from ... import jurisdiction
from ...errors import IllegalTransition, InvalidInput, OutsideJurisdiction, PolicyViolation
from ...models import PUBLIC_STATES, Deputy, DeputyAnswer, GroupDraft, Mandate, OutcomeEvent, Petition, PetitionState
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


def create_account(deputy: Deputy, *, actor: Any | None, email: str) -> Invitation:
    """Create the deputy's account and e-mail the link to set its password (after commit).
    Only for a deputy elected in a district (no petition can be brought against another)."""
    if deputy.mandate != Mandate.SINGLE or deputy.district_id is None:
        raise PolicyViolation(
            _("Only a deputy elected in a single-member district can face a petition and have an account."),
            field="deputy",
            code="party_list_deputy",
        )
    jurisdiction.authorize(actor, deputy.district_id)
    email = (email or "").strip()
    if not email or "@" not in email:
        raise InvalidInput(_("Enter the deputy's e-mail address."), field="email", code="email_required")
    with transaction.atomic():
        # The deputy's row lock: two officials creating the account at once make one.
        Deputy.objects.select_for_update().filter(pk=deputy.pk).first()
        if User.objects.filter(deputy=deputy).exists():
            raise PolicyViolation(_("This deputy already has an account."), field="deputy", code="account_exists")
        user = User(
            username=f"deputy-{deputy.pk}",
            email=email,
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
        invitation = Invitation(user, password_link(user))
        _invite(invitation)
    return invitation


def remember_language(user: User, language: str | None) -> None:
    """The deputy signed in on a page in ``language``: their e-mails go out in it from now on."""
    language = (language or "").split("-")[0]
    if language in dict(settings.LANGUAGES) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def reset_access(deputy: Deputy, *, actor: Any | None) -> Invitation:
    """A deputy who lost the password or the authenticator: the account's password and second
    factor are removed (every earlier link and code stops working) and a new link is e-mailed
    to the address on record, never shown to the official. Audited."""
    jurisdiction.authorize(actor, deputy.district_id)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(deputy=deputy).first()
        if user is None:
            raise PolicyViolation(_("This deputy has no account yet."), field="deputy", code="no_account")
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
        if last is None:  # signers who asked to hear the outcome are told of the first answer
            outcome_notices.after_event(petition.pk, OutcomeEvent.ANSWER)
        if GroupDraft.objects.filter(petition_id=petition.pk).exists():
            outbox.announce("group_answer", petition.pk, answer.pk, petition_id=petition.pk)
    return answer


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
