"""The voters' pages: find a petition, sign with a one-time code or with EDS, get a receipt,
check or withdraw. Server-rendered; only the EDS path needs JavaScript (recall/eds.js talks to
NCALayer); every string is translated."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..demo import keys as demo_keys
from ..errors import ChannelNotAccepted, DomainError
from ..models import (
    AWAITING_WORKERS,
    BodyLevel,
    Channel,
    ConfirmPurpose,
    IdentityStrength,
    SignatureState,
)
from ..selectors import (
    BROWSE_GROUPS,
    accepted_channels,
    browse_choices,
    browse_petitions,
    by_election,
    certified_summary_of,
    collecting_petitions,
    collection_closed_at,
    daily_valid,
    days_left,
    district_by_code,
    district_by_elections,
    district_codes,
    district_petitions,
    forecast,
    latest_projection,
    next_attempt,
    open_petition_of,
    public_answers,
    public_history,
    public_petition,
    public_petitions,
    region_names,
    regions_with_collections,
    serving_deputy,
    valid_by_identity,
    vote_result,
)
from ..services import ledger, signing
from ..services.ledger import witnesses
from ..services.privacy import own_data
from ..services.public import public_cache, stations
from ..services.signing import codes, eds, mobile
from . import live, ratelimit, sharing
from .forms import CheckForm, CodeForm, EdsSignForm, EdsWithdrawForm, SignForm, WithdrawForm

RECEIPT_SESSION_KEY = "recall_receipt"
# The signature whose data a confirmed code shows, and until when (an ISO time).
OWN_DATA_SESSION_KEY = "recall_own_data"
OWN_DATA_MINUTES = 10


def _show(form: forms.Form, error: DomainError) -> None:
    """A domain error next to its field (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "recall/too_many.html", status=429)


PAGE_SIZE = 20


def _query_without_page(request: HttpRequest) -> str:
    """The filters of this listing, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# What the listings' addresses may say (recall.services.public.public_cache.Query): values the
# filters offer, and pages up to the number of public petitions' (an upper bound for any filter).
@public_cache.memo(60)
def _regions() -> frozenset[str]:
    return frozenset(region_names())


@public_cache.memo(60)
def _district_codes() -> frozenset[str]:
    return frozenset(district_codes())


@public_cache.memo(60)
def _public_count() -> int:
    return public_petitions().count()


_PAGE = public_cache.page_number(public_cache.pages_of(_public_count, PAGE_SIZE))
HOME_QUERY = public_cache.Query({"q": public_cache.text(100), "region": public_cache.one_of(_regions), "page": _PAGE})
BROWSE_QUERY = public_cache.Query(
    {
        "group": public_cache.one_of(lambda: BROWSE_GROUPS),
        "level": public_cache.one_of(lambda: BodyLevel.values),
        "region": public_cache.one_of(_regions),
        "district": public_cache.one_of(_district_codes),
        "page": _PAGE,
    }
)


@public_cache.cached_view(query=HOME_QUERY)
def home(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    region = request.GET.get("region", "").strip()[:100]
    page = Paginator(collecting_petitions(search=search, region=region), PAGE_SIZE).get_page(request.GET.get("page"))
    for petition in page:
        petition.days_left = days_left(petition)
    context = {
        "page": page,
        "petitions": page.object_list,
        "query": _query_without_page(request),
        "search": search,
        "region": region,
        "regions": regions_with_collections(),
    }
    return render(request, "recall/home.html", context)


@public_cache.cached_view(query=BROWSE_QUERY)
def browse(request: HttpRequest) -> HttpResponse:
    """Every public petition, whatever its state, with filters and pages."""
    filters = {name: request.GET.get(name, "").strip()[:100] for name in ("group", "level", "region", "district")}
    page = Paginator(browse_petitions(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    groups = [
        ("collecting", _("Collecting signatures")),
        ("closed_short", _("Closed short of the threshold")),
        ("verification", _("Under verification or vote")),
        ("recalled", _("Deputy recalled")),
        ("retained", _("Deputy retained")),
        ("refused", _("Application refused")),
        ("ended", _("Withdrawn or mandate ended")),
    ]
    context = {
        "page": page,
        "petitions": page.object_list,
        "query": _query_without_page(request),
        "filters": filters,
        "groups": groups,
        "levels": BodyLevel.choices,
        **browse_choices(),
    }
    return render(request, "recall/petitions.html", context)


def _once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """A value the template reads only if it renders the part that shows it (a callable in the
    context is called when resolved), and then once."""
    return functools.cache(compute)


# The ways of signing as the public pages name them (RecallPolicy's accepted channels).
CHANNEL_NAMES = {
    Channel.EDS: gettext_lazy("a digital signature (EDS) on this site"),
    Channel.EGOV_MOBILE: gettext_lazy("the eGov Mobile app"),
    Channel.WEB: gettext_lazy("a code by text message on this site"),
    Channel.PARTNER: gettext_lazy("the services of accredited partners"),
    Channel.PAPER: gettext_lazy("paper signature sheets of the initiative group"),
}
IDENTITY_NAMES = dict(IdentityStrength.choices)


def _offered(petition: Any) -> list[str]:
    """The ways of signing the level's policy accepts that this site can take: EDS needs the
    EDS verification backend (RECALL_EDS_BACKEND), eGov Mobile that and a QR signing service."""
    available = {Channel.EDS: eds.enabled(), Channel.EGOV_MOBILE: eds.enabled() and mobile.enabled()}
    return [str(CHANNEL_NAMES[c]) for c in accepted_channels(petition) if available.get(c, True)]


# The page's live parts (recall.web.live), and where the shell has them: what changes with the
# counts (the description shared links show, the counts and chart, the ledger's size and
# witnesses, the polling stations, the daily series).
LIVE_PARTS = ("description", "counts", "ledger", "stations", "series")
_LIVE_PLACES = {name: mark_safe(f"<!--live:{name}-->") for name in LIVE_PARTS}


@public_cache.cached_view
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A petition's page: a shell built once per content version and kept per process (the
    deputy, grounds, answers, sample, vote, by-election, history, the certified summary:
    public_cache.fragment_key), and its live parts (LIVE_PARTS) built on every request, so a
    count batch costs two or three queries and a few strings (recall.web.live)."""
    petition = public_petition(pk)
    if petition is None:
        raise Http404
    key = f"page:{public_cache.fragment_key(request, petition)}:{request.scheme}://{request.get_host()}{request.path}"
    kept = public_cache.fragments()
    shell = kept.get(key)
    history = _once(lambda: public_history(petition))
    if shell is None:
        shell = get_template("recall/petition.html").render(
            {
                "petition": petition,
                "share": sharing.share_links(request, petition, description=_LIVE_PLACES["description"]),
                "history": history,
                "sample": _once(lambda: latest_projection(petition)),
                "vote": _once(lambda: vote_result(petition)),
                "ledger_origin": ledger.origin(petition.pk),
                "accredited": witnesses.accredited(),
                "certified": _once(lambda: certified_summary_of(petition.pk, with_pdf=False)),
                "answers": _once(lambda: public_answers(petition, get_language())),
                "by_election": _once(lambda: by_election(petition)),
                "next_attempt": _once(lambda: next_attempt(petition)),
                # Content: a policy edit bumps the content version of its level's petitions.
                "accepted": _offered(petition),
                "live": _LIVE_PLACES,
            },
            request,
        )
        kept.set(key, shell, public_cache.fragment_seconds())
    series = daily_valid(petition)
    by_station = stations.breakdown(petition.pk)
    outlook = forecast(petition, [(d.date, d.valid) for d in series])
    built = live.parts(
        live.Live(
            petition=petition,
            description=sharing.description_of(petition),
            stations=by_station,
            stations_chart=sharing.stations_chart(by_station) if by_station else "",
            days_left=days_left(petition),
            signable=petition.accepts_signatures(),
            closed_at=lambda: collection_closed_at(petition, history()),
            forecast=outlook,
            series=series,
            witness_names=witnesses.cosigned_by(petition),
            by_identity=[(str(IDENTITY_NAMES[k]), n) for k, n in valid_by_identity(petition).items() if n],
        )
    )
    for name in LIVE_PARTS:
        shell = shell.replace(_LIVE_PLACES[name], built[name])
    return HttpResponse(shell)


def certified_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest certified summary as the commission issued it (signed PDF, RFC 3161 timestamp)."""
    petition = public_petitions().filter(pk=pk).first()
    issued = certified_summary_of(petition.pk) if petition else None
    if issued is None:
        raise Http404
    response = HttpResponse(bytes(issued.pdf), content_type="application/pdf")
    name = f"petition-{pk}-certified-summary-{issued.checkpoint_size}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@public_cache.cached_view
def verify_guide(request: HttpRequest, pk: int) -> HttpResponse:
    """How to recompute a petition's counts from its public ledger, for those who want to."""
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    context = {
        "petition": petition,
        "site": f"{request.scheme}://{request.get_host()}",
        "ledger_origin": ledger.origin(petition.pk),
        "witnesses": witnesses.witness_count(petition),
        "accredited": witnesses.accredited(),
    }
    return render(request, "recall/verify.html", context)


@public_cache.cached_view
def petition_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The picture a link to the petition shows in a messenger or a social network (Open Graph)."""
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    return HttpResponse(sharing.card_png(petition), content_type="image/png")


@public_cache.cached_view
def district(request: HttpRequest, code: str) -> HttpResponse:
    """A district: its serving deputy, its public petitions and any by-election after a recall."""
    place = district_by_code(code)
    if place is None:
        raise Http404
    deputy = serving_deputy(place)
    context = {
        "district": place,
        "deputy": deputy,
        # A recall already under way: the page leads to it rather than to a second application.
        "open_petition": open_petition_of(deputy),
        "petitions": district_petitions(place),
        "by_elections": district_by_elections(place.pk),
    }
    return render(request, "recall/district.html", context)


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    form = SignForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "sign"):
            return _too_many(request)
        if Channel.WEB not in accepted_channels(petition):
            # Not offered on the page: a direct POST is told why, before its fields are read
            # (the service refuses it too: recall.services.signing.channels).
            return _sign_page(request, petition, SignForm(), refused=str(ChannelNotAccepted().message), status=403)
        if form.is_valid():
            try:
                started = codes.start_signing(
                    petition.pk, form.signer, notify_outcome=form.cleaned_data["notify_outcome"]
                )
            except DomainError as error:
                _show(form, error)
            else:
                return redirect("recall:confirm", token=started.token)
    return _sign_page(request, petition, form)


def _sign_page(
    request: HttpRequest,
    petition: Any,
    form: forms.Form,
    eds_error: str = "",
    refused: str = "",
    status: int = 200,
    mobile_error: str = "",
) -> HttpResponse:
    accepted = accepted_channels(petition)
    context = {
        "petition": petition,
        "form": form,
        "signable": petition.accepts_signatures(),
        # Only the ways the level's policy accepts are offered (a POST to another is refused by
        # the service: recall.services.signing.channels).
        "eds_enabled": eds.enabled() and Channel.EDS in accepted,
        "web_accepted": Channel.WEB in accepted,
        "accepted": _offered(petition),
        "eds_error": eds_error,
        "refused": refused,
        "mobile_enabled": mobile.enabled() and Channel.EGOV_MOBILE in accepted,
        "mobile_error": mobile_error,
    }
    return render(request, "recall/sign.html", context, status=status)


@require_POST
def sign_eds(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a statement to sign with EDS, then show it (a POST: each one is a stored row)."""
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    if ratelimit.exceeded(request, "sign"):
        return _too_many(request)
    try:
        challenge = eds.issue(petition)
    except ChannelNotAccepted as error:
        return _sign_page(request, petition, SignForm(), refused=str(error.message), status=error.status)
    except DomainError as error:
        return _sign_page(request, petition, SignForm(), eds_error=str(error.message))
    return redirect("recall:eds", challenge=challenge.challenge)


def _gone(challenge: str) -> str:
    """Why a statement can no longer be signed (used, expired), or "" while it can."""
    try:
        eds.open_challenge(challenge)
    except DomainError as error:
        return str(error.message)
    return ""


@require_http_methods(["GET", "POST"])
def eds_page(request: HttpRequest, challenge: str) -> HttpResponse:
    """The statement, signed in NCALayer by recall/eds.js; the CMS is posted back here."""
    issued = eds.site_statement(challenge)
    if issued is None:
        raise Http404
    signing_up = issued.purpose == ConfirmPurpose.SIGN
    form = (EdsSignForm if signing_up else EdsWithdrawForm)(request.POST or None)
    gone = ""
    if request.method == "POST":
        if ratelimit.exceeded(request, "confirm"):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if signing_up:
                    signature = eds.sign_with_eds(
                        challenge, data["cms"], petition_id=issued.petition_id, address=data["address"]
                    )
                    request.session[RECEIPT_SESSION_KEY] = {
                        "receipt": signature.receipt,
                        "petition": signature.petition_id,
                    }
                    return redirect("recall:receipt")
                eds.withdraw_with_eds(challenge, data["cms"])
                return redirect("recall:withdrawn")
            except DomainError as error:
                if error.field not in form.fields or error.field == "cms":
                    error.field = None
                _show(form, error)
                # A refused signature is not posted again: the voter signs anew.
                form.data = form.data.copy()
                form.data["cms"] = ""
    else:
        gone = _gone(challenge)
    context = {
        "issued": issued,
        "petition": issued.petition,
        "form": form,
        "gone": gone,
        "statement_b64": eds.statement_base64(issued),
        # The demo of `make run` has no NCALayer: a dialog of its key holders plays it.
        "demo_holders": demo_keys.holders() if demo_keys.enabled() else [],
    }
    return render(request, "recall/eds.html", context)


@require_POST
def sign_mobile(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the EDS path's statement, to be signed in eGov Mobile instead of NCALayer."""
    petition = public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    if ratelimit.exceeded(request, "sign"):
        return _too_many(request)
    if not mobile.enabled():
        raise Http404
    try:
        challenge = eds.issue(petition, channel=Channel.EGOV_MOBILE)
    except ChannelNotAccepted as error:
        return _sign_page(request, petition, SignForm(), refused=str(error.message), status=error.status)
    except DomainError as error:
        return _sign_page(request, petition, SignForm(), mobile_error=str(error.message))
    return redirect("recall:mobile", challenge=challenge.challenge)


# The address typed before the QR code is shown, kept until the signed statement comes back.
MOBILE_ADDRESS_SESSION_KEY = "mobile_sign_address"
# A poll's lock outlives the longest poll (one request to SIGEX) if its process dies holding it.
POLL_LOCK_SECONDS = 10


@require_http_methods(["GET", "POST"])
def mobile_page(request: HttpRequest, challenge: str) -> HttpResponse:
    """The statement; then the QR code and the deep link of eGov Mobile, which
    recall/static/recall/mobile.js polls here (POST "poll", JSON) until the statement is signed."""
    issued = eds.site_statement(challenge)
    if issued is None or not mobile.enabled():
        raise Http404
    signing_up = issued.purpose == ConfirmPurpose.SIGN
    form = EdsSignForm(request.POST if request.method == "POST" and "start" in request.POST else None)
    wants_json = "application/json" in request.headers.get("Accept", "")
    gone = error_text = ""
    if request.method == "POST":
        # A poll is not a form: the page makes one every 1.5 s. What bounds it is one poll in
        # flight per statement (each asks SIGEX once); starting, which registers, is a form.
        if "start" in request.POST and ratelimit.exceeded(request, "confirm"):
            return _too_many(request)
        if "start" not in request.POST and not cache.add(f"mobile-poll:{challenge}", 1, POLL_LOCK_SECONDS):
            if wants_json:
                return JsonResponse({"state": mobile.WAITING})
            return redirect("recall:mobile", challenge=challenge)
        if "start" in request.POST:
            if not signing_up or form.is_valid():
                try:
                    mobile.start(challenge)
                except DomainError as error:
                    error_text = str(error.message)
                else:
                    if signing_up:
                        request.session[MOBILE_ADDRESS_SESSION_KEY] = {challenge: form.cleaned_data["address"]}
                    return redirect("recall:mobile", challenge=challenge)
        else:
            address = request.session.get(MOBILE_ADDRESS_SESSION_KEY, {}).get(challenge, "")
            try:
                outcome = mobile.advance(challenge, address=address)
            except DomainError as error:
                outcome = None
                error_text = str(error.message)
            finally:
                cache.delete(f"mobile-poll:{challenge}")
            if isinstance(outcome, mobile.Done):
                request.session.pop(MOBILE_ADDRESS_SESSION_KEY, None)
                target = _mobile_done(request, outcome)
                return JsonResponse({"state": "done", "next": target}) if wants_json else redirect(target)
            if wants_json:
                if error_text:
                    return JsonResponse({"state": "error", "message": error_text})
                return JsonResponse({"state": outcome})
    gone = _gone(challenge)
    context = {
        "issued": issued,
        "petition": issued.petition,
        "form": form,
        "gone": gone,
        "error_text": error_text,
        "procedure": None if gone else mobile.procedure(issued),
        # The demo of `make run` has no phone: its stand-in's phone page opens from a link.
        "demo_phone": demo_keys.enabled(),
    }
    return render(request, "recall/mobile.html", context)


def _mobile_done(request: HttpRequest, outcome: Any) -> str:
    if outcome.purpose == ConfirmPurpose.SIGN:
        signature = outcome.signature
        request.session[RECEIPT_SESSION_KEY] = {"receipt": signature.receipt, "petition": signature.petition_id}
        return reverse("recall:receipt")
    if outcome.purpose == ConfirmPurpose.WITHDRAW:
        return reverse("recall:withdrawn")
    until = timezone.now() + dt.timedelta(minutes=OWN_DATA_MINUTES)
    request.session[OWN_DATA_SESSION_KEY] = {"signature": outcome.signature_id, "until": until.isoformat()}
    return reverse("recall:my_data_view")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    challenge = codes.request_by_token(token)
    if challenge is None:
        return render(request, "recall/confirm_gone.html", status=404)
    form = CodeForm(request.POST or None)
    notice = ""
    if request.method == "POST":
        if ratelimit.exceeded(request, "confirm"):
            return _too_many(request)
        try:
            if "resend" in request.POST:
                codes.resend(token)
                notice = _("A new code has been sent.")
                form = CodeForm()
            elif challenge.purpose == ConfirmPurpose.VIEW:
                signature_id = codes.confirm_data_view(token, request.POST.get("code", ""))
                until = timezone.now() + dt.timedelta(minutes=OWN_DATA_MINUTES)
                request.session[OWN_DATA_SESSION_KEY] = {"signature": signature_id, "until": until.isoformat()}
                return redirect("recall:my_data_view")
            elif challenge.purpose == ConfirmPurpose.SIGN:
                signature = codes.confirm_signing(token, request.POST.get("code", ""))
                request.session[RECEIPT_SESSION_KEY] = {"receipt": signature.receipt, "petition": signature.petition_id}
                return redirect("recall:receipt")
            else:
                codes.confirm_withdrawal(token, request.POST.get("code", ""))
                return redirect("recall:withdrawn")
        except DomainError as error:
            if error.field is None:
                error.field = "code"
            _show(form, error)
    context = {
        "challenge": challenge,
        "form": form,
        "notice": notice,
        "valid_minutes": codes.valid_minutes(),
    }
    return render(request, "recall/confirm.html", context)


def receipt(request: HttpRequest) -> HttpResponse:
    data = request.session.get(RECEIPT_SESSION_KEY)
    if not data:
        return redirect("recall:home")
    petition = public_petitions().filter(pk=data["petition"]).first()
    shown = codes.receipt_status(data["receipt"])
    return render(
        request,
        "recall/receipt.html",
        {
            "receipt": signing.format_receipt(data["receipt"]),
            "petition": petition,
            "state_label": SignatureState(shown.state).label,
            "decided": shown.state not in AWAITING_WORKERS,
            "outcome_notices": shown.outcome_notices,
            "texted": shown.texted,
        },
    )


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    # "Check my signature" on the receipt page links here with ?receipt= (never the IIN).
    initial = {"receipt": signing.format_receipt(signing.normalize_receipt(request.GET.get("receipt", "")))}
    form = CheckForm(request.POST or None, initial=initial)
    found: Any = None
    if request.method == "POST":
        if ratelimit.exceeded(request, "check"):
            return _too_many(request)
        if form.is_valid():
            gone = own_data.destroyed(form.cleaned_data["receipt"])
            if gone is not None:
                return render(request, "recall/my_data.html", {"form": CheckForm(), "destroyed": gone})
            try:
                found = codes.as_seen_by_signer(
                    codes.find_signature(form.cleaned_data["receipt"], form.cleaned_data["iin"])
                )
            except DomainError as error:
                _show(form, error)
    inclusion = ledger.signature_inclusion(found) if found is not None else None
    return render(request, "recall/check.html", {"form": form, "signature": found, "inclusion": inclusion})


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.exceeded(request, "withdraw"):
            return _too_many(request)
        if "eds" in request.POST or "mobile" in request.POST:
            return _withdraw_with_eds(request)
        if form.is_valid():
            try:
                started = codes.start_withdrawal(form.cleaned_data["receipt"], form.cleaned_data["iin"])
            except DomainError as error:
                _show(form, error)
            else:
                return redirect("recall:confirm", token=started.token)
    return render(request, "recall/withdraw.html", _withdraw_context(form))


def _withdraw_context(form: forms.Form) -> dict[str, Any]:
    return {"form": form, "eds_enabled": eds.enabled(), "mobile_enabled": mobile.enabled()}


def _withdraw_with_eds(request: HttpRequest) -> HttpResponse:
    """The same form's other buttons: a statement to sign with the signer's key, in NCALayer
    or in eGov Mobile."""
    form = WithdrawForm(request.POST)
    with_mobile = "mobile" in request.POST and mobile.enabled()
    if form.is_valid():
        try:
            issued = eds.start_withdrawal(form.cleaned_data["receipt"], form.cleaned_data["iin"])
        except DomainError as error:
            _show(form, error)
        else:
            return redirect("recall:mobile" if with_mobile else "recall:eds", challenge=issued.challenge)
    return render(request, "recall/withdraw.html", _withdraw_context(form))


def withdrawn(request: HttpRequest) -> HttpResponse:
    return render(request, "recall/withdrawn.html")


@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """Receipt and IIN, then a code to the number on record, open the voter's own-data page."""
    form = CheckForm(request.POST or None)
    gone = None
    if request.method == "POST":
        if ratelimit.exceeded(request, "check"):
            return _too_many(request)
        if form.is_valid():
            gone = own_data.destroyed(form.cleaned_data["receipt"])
            if gone is None and "mobile" in request.POST and mobile.enabled():
                try:
                    issued = eds.start_data_view(form.cleaned_data["receipt"], form.cleaned_data["iin"])
                except DomainError as error:
                    _show(form, error)
                else:
                    return redirect("recall:mobile", challenge=issued.challenge)
            elif gone is None:
                try:
                    started = codes.start_data_view(form.cleaned_data["receipt"], form.cleaned_data["iin"])
                except DomainError as error:
                    _show(form, error)
                else:
                    return redirect("recall:confirm", token=started.token)
    return render(request, "recall/my_data.html", {"form": form, "destroyed": gone, "mobile_enabled": mobile.enabled()})


def my_data_view(request: HttpRequest) -> HttpResponse:
    opened = request.session.get(OWN_DATA_SESSION_KEY)
    if not opened or dt.datetime.fromisoformat(opened["until"]) <= timezone.now():
        request.session.pop(OWN_DATA_SESSION_KEY, None)
        return redirect("recall:my_data")
    gone = own_data.destroyed_signature(opened["signature"])
    if gone is not None:
        return render(request, "recall/my_data.html", {"form": CheckForm(), "destroyed": gone})
    return render(request, "recall/my_data_view.html", {"report": own_data.report(opened["signature"])})
