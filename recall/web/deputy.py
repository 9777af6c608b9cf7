"""The deputy's workspace on the public site (not the officials' admin): set the password from
the commission's link, sign in with a second factor (always: an authenticator app, or a
recovery code), see the petitions against them with the public counts, and publish answers.
Nothing here reads a signature. Logic lives in recall.services.groups.deputies."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import two_factor

from ..errors import DomainError
from ..selectors import public_answers
from ..services.groups import deputies
from .deputy_forms import AnswerForm, DeputyLoginForm


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_deputy", False))


def deputy_required(view: Callable) -> Callable:
    """A signed-in deputy whose session was verified by a code; anyone else goes to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _signed_in(request.user):
            return redirect("recall:deputy_login")
        if not two_factor.is_verified(request.user):
            if not two_factor.has_device(request.user):
                return redirect("recall:deputy_two_factor")
            logout(request)
            return redirect("recall:deputy_login")
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


@never_cache
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """The commission's one-time link: set the password (the link stops working after that)."""
    try:
        user = get_user_model().objects.get(pk=int(urlsafe_base64_decode(uid).decode()))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or not user.is_deputy or not default_token_generator.check_token(user, token):
        return render(request, "recall/deputy/link_gone.html", status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        deputies.password_set(user, form)
        return redirect("recall:deputy_login")
    return render(request, "recall/deputy/password.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = DeputyLoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        deputies.remember_language(request.user, get_language())
        if not two_factor.is_verified(request.user):
            return redirect("recall:deputy_two_factor")
        return redirect("recall:deputy_home")
    return render(request, "recall/deputy/login.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol the authenticator: for a deputy signed in with the password who has none yet."""
    user = request.user
    if not _signed_in(user):
        return redirect("recall:deputy_login")
    if two_factor.is_verified(user) or two_factor.has_device(user):
        return redirect("recall:deputy_home")
    device = two_factor.pending_device(user)
    form = two_factor.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].replace(" ", "")):
            codes = deputies.two_factor_enrolled(user, device)
            otp_login(request, device)
            return render(request, "recall/deputy/codes.html", {"codes": codes})
        form.add_error("otp_token", _("This code is not valid. Check the phone's clock and try the next code."))
    context = {"form": form, **two_factor.setup_picture(device)}
    return render(request, "recall/deputy/two_factor.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("recall:deputy_login")


@deputy_required
def home(request: HttpRequest) -> HttpResponse:
    petitions = list(deputies.petitions_of(request.user))
    for petition in petitions:
        petition.versions = petition.answers.count()
    return render(request, "recall/deputy/home.html", {"petitions": petitions, "deputy": request.user.deputy})


@deputy_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    petition = deputies.petitions_of(request.user).filter(pk=pk).first()
    if petition is None:
        raise Http404
    latest = petition.answers.order_by("-version").first()
    initial = {f"text_{lang}": text for lang, text in (latest.texts if latest else {}).items()}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            published = deputies.publish_answer(petition, actor=request.user, texts=form.texts())
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            request.session["recall_deputy_published"] = published.version
            return redirect("recall:deputy_answer", pk=petition.pk)
    published = request.session.pop("recall_deputy_published", None)
    context = {
        "petition": petition,
        "form": form,
        "answers": public_answers(petition, get_language()),
        "published": published,
    }
    return render(request, "recall/deputy/answer.html", context)
