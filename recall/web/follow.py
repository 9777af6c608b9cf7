"""Following a petition without signing it (recall.services.notices.follow): the form, the
page that asks to check the inbox, and the confirmation and stop pages. The petition's own page
is a shared copy with no form on it (no CSRF cookie), so it links here."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..models import FollowChannel
from ..selectors import public_petitions
from ..services.notices import follow
from . import ratelimit

FOLLOW_SESSION_KEY = "recall_follow_sent"


class FollowForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How should we tell you?"),
        choices=FollowChannel.choices,
        initial=FollowChannel.EMAIL,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("E-mail address or mobile number"),
        max_length=254,
        help_text=_("For a text message, a Kazakh mobile number, for example +7 701 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "on"}),
    )


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, pk: int) -> HttpResponse:
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    form = FollowForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "follow"):
            return render(request, "recall/too_many.html", status=429)
        if form.is_valid():
            try:
                follow.start(petition, channel=form.cleaned_data["channel"], address=form.cleaned_data["address"])
            except DomainError as error:
                form.add_error("address" if error.field in (None, "address", "phone") else None, str(error.message))
            else:
                request.session[FOLLOW_SESSION_KEY] = form.cleaned_data["channel"]
                return redirect("recall:follow_sent", pk=petition.pk)
    return render(request, "recall/follow/start.html", {"petition": petition, "form": form})


def sent(request: HttpRequest, pk: int) -> HttpResponse:
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    channel = request.session.get(FOLLOW_SESSION_KEY, FollowChannel.EMAIL)
    return render(request, "recall/follow/sent.html", {"petition": petition, "channel": channel})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A page with a button: a link a mail scanner or a messenger's preview opens confirms nothing."""
    return _link_page(request, token, follow.confirm, "recall/follow/confirm.html")


@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(request, token, follow.stop, "recall/follow/stop.html")


def _link_page(request: HttpRequest, token: str, act, template: str) -> HttpResponse:
    try:
        follower = follow.open_link(token)
    except DomainError as error:
        return render(request, "recall/follow/gone.html", {"message": error.message}, status=404)
    done = False
    if request.method == "POST":
        if ratelimit.exceeded(request, "follow"):
            return render(request, "recall/too_many.html", status=429)
        follower = act(token)
        done = True
    return render(request, template, {"follower": follower, "petition": follower.petition, "done": done})
