"""Searching by IIN without putting it in any URL (an IIN names a person, and URLs are logged).

The admin's search box is a GET: a full IIN would land in the access log, the browser's history
and every ``_changelist_filters`` link. For voters and signatures the box posts instead; the
answer redirects to the changelist with ``q=iin:<digest>`` (the IIN's keyed digest, which only
the service can compute from an IIN) and the search reads that. A full IIN in a GET (an old
bookmark) finds nothing and says why."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from .. import iin as iin_module
from ..crypto import iin_digest

PREFIX = "iin:"
INVALID = "iin:invalid"


def search_token(term: str) -> str:
    """What the redirect puts in ``q``: a digest for an IIN, the term itself otherwise."""
    digits = iin_module.normalize(term.strip())
    if not (digits.isdigit() and len(digits) == 12):
        return term.strip()
    return PREFIX + iin_digest(digits) if iin_module.is_valid(digits) else INVALID


def digest_searched(request: HttpRequest, term: str) -> str | None:
    """The IIN digest searched for, "" for an invalid or a plain IIN (with a message), None
    when the term is not an IIN search."""
    term = term.strip()
    if term == INVALID:
        messages.warning(request, _("That is not a valid IIN."))
        return ""
    if term.startswith(PREFIX):
        return term[len(PREFIX) :]
    digits = iin_module.normalize(term)
    if digits.isdigit() and len(digits) == 12:
        messages.warning(request, _("Search by IIN with the search box: it sends the IIN outside the address."))
        return ""
    return None


class IINSearchMixin:
    """The changelist's search box posts; the IIN comes back only as a digest."""

    change_list_template = "admin/recall/iin_search_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST" and "iin_search" in request.POST:
            params = request.GET.copy()
            params.pop("p", None)
            params["q"] = search_token(request.POST.get("q", ""))
            return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")
        extra_context = dict(extra_context or {})
        # The box shows what was searched, never the digest.
        extra_context["iin_searched"] = request.GET.get("q", "").startswith(PREFIX)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]
