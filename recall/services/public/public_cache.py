"""The public reads, shared: a petition in the news is read far more than it is signed.

The public petition page, the home page and the API's petition detail are the same for every
reader of a language, so each is built once and kept in the shared cache (Redis) for a few
seconds; every reader in between costs one cache round trip, whatever the number of signatures.

Freshness: a cached answer lives at most RECALL_PUBLIC_CACHE_SECONDS (5), and it is dropped sooner when counts
or state change: the workers' count batches (services.counts.apply) and every lifecycle step
(lifecycle.transitions.move) bump the petition's version and the site's version; the version is part of the key, so the next reader builds anew. The HTTP
answer says the same to a reverse proxy or CDN: ``Cache-Control: public, max-age=5``, an
ETag (a repeat reader with ``If-None-Match`` gets 304) and ``Vary: Accept-Language`` (the
pages also carry the language in the URL prefix).

Nothing personal is in these answers (they are the public pages), and they set no cookie: the
language switcher is a set of links, not a form with a CSRF token, so a shared copy is right for
everybody. A cache outage only costs speed: the answer is built as if nothing was cached.

The key is the *canonical* URL, so no query string can make a reader miss the cache on purpose:
each cached view declares the parameters it reads (``Query``); their values are normalised
(spacing, known values only, page numbers within the listing's bounds, defaults left out) and
put in one order; anything else is dropped. A page whose address is not canonical is redirected
to the canonical one (no database work: the redirect is decided from the query string alone); the
API ignores what it does not read (clients add cache-busters of their own). The view itself is
handed the canonical query, so what is kept under a key is exactly what that key means.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from config import db_router
from config.errors import database_down


def ttl() -> int:
    """Seconds a shared answer may be served (the counts "at most a few seconds old")."""
    return settings.RECALL_PUBLIC_CACHE_SECONDS


SITE = "public:v:site"
KEY_PREFIX = "public:page"
# The built answer's headers a shared copy repeats (the open data's licence link and file name).
KEPT_HEADERS = ("Content-Type", "Vary", "Link", "Content-Disposition")


# A second, smaller tier in each process's memory: an answer fetched from Redis is kept here for
# RECALL_PUBLIC_LOCAL_SECONDS (1) and served with no round trip at all, so a rush on one
# petition costs each worker one Redis read a second. Another process's change shows within
# that second (this process's own at once: ``changed`` empties it); the counts stay "at most a
# few seconds old". Bounded: emptied when it holds LOCAL_ENTRIES answers.
LOCAL_ENTRIES = 256
_local: dict[str, tuple[float, tuple[bytes, dict[str, str], str]]] = {}


def _local_get(key: str) -> tuple[bytes, dict[str, str], str] | None:
    hit = _local.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    return None


def _local_put(key: str, stored: tuple[bytes, dict[str, str], str]) -> None:
    seconds = settings.RECALL_PUBLIC_LOCAL_SECONDS
    if seconds <= 0:
        return
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()
    _local[key] = (time.monotonic() + seconds, stored)


def _petition_version_key(petition_id: int) -> str:
    return f"public:v:p{petition_id}"


# What changes rarely (the deputy, the grounds, the answers, the history, the sample, the vote, the
# by-election; the names of places) has versions of its own, so the fragments of a page that show
# it outlive the count batches, which change the page every second in a rush.
CONTENT_SITE = "public:v:content"


def _content_version_key(petition_id: int) -> str:
    return f"public:v:c{petition_id}"


def changed(*petition_ids: int, content: bool = False) -> None:
    """Counts or state of these petitions changed: drop their shared answers (and the lists').

    ``content``: what the fragments show changed too (a step of the lifecycle, an answer, a
    sample's result; with no petition, the names of places, on every page).

    Bumped at once, inside the caller's transaction, not after its commit: the commit hooks are
    the webhooks' and the tasks' (a reader who rebuilds from the old rows in the milliseconds
    before the commit keeps a copy at most RECALL_PUBLIC_CACHE_SECONDS old, the stated bound)."""
    forget()
    ids = sorted(set(petition_ids))
    keys = [SITE, *(_petition_version_key(pk) for pk in ids)]
    if content:
        keys += [_content_version_key(pk) for pk in ids] if ids else [CONTENT_SITE]
    _bump(keys)


def _bump(keys: list[str]) -> None:
    try:
        for key in keys:
            # incr raises on a missing key; add then incr keeps the number moving either way.
            cache.add(key, 0, timeout=None)
            cache.incr(key)
    except Exception:  # noqa: BLE001 - a cache outage must not fail a worker's batch; TTL bounds staleness
        return


def _versions(petition_id: int | None) -> tuple[str, str]:
    """(the answer's versions, the content's versions), in one round trip."""
    keys = [SITE, CONTENT_SITE]
    if petition_id is not None:
        keys += [_petition_version_key(petition_id), _content_version_key(petition_id)]
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001
        return "x", f"x{time.monotonic() // 60}"  # without Redis, fragments live a minute at most
    numbers = [str(found.get(key, 0)) for key in keys]
    return ".".join(numbers), ".".join(numbers[1::2])


# --- Fragments ---------------------------------------------------------------------------------
# The parts of a petition's page and API detail that only change with its content are kept in
# each process's memory (the "fragments" cache, LocMemCache) under a key made of the content
# versions above, the petition's state and last edit, the language and the day: a count batch
# rebuilds only the counts around them. A change elsewhere shows at once (the versions); one that
# no version announces, within RECALL_PUBLIC_FRAGMENT_SECONDS.
_VERSIONS_ON_REQUEST = "_public_content_versions"


def fragment_seconds() -> int:
    return settings.RECALL_PUBLIC_FRAGMENT_SECONDS


def fragment_key(request: HttpRequest, petition: Any) -> str:
    """The key of ``petition``'s content fragments for this request's language."""
    content = getattr(request, _VERSIONS_ON_REQUEST, None)
    if content is None:
        content = _versions(petition.pk)[1]
    return ":".join(
        [
            str(petition.pk),
            content,
            petition.state,
            petition.updated_at.isoformat() if petition.updated_at else "",
            get_language() or "",
            timezone.localdate().isoformat(),
        ]
    )


def fragments() -> Any:
    return caches["fragments"]


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


# --- Canonical queries --------------------------------------------------------------------------

# A parameter's normaliser: its canonical value, or "" for the default (left out of the URL).
Normaliser = Callable[[str], str]
_SPACES = re.compile(r"\s+")


def text(limit: int = 100) -> Normaliser:
    """Free text (a search): spacing collapsed, at most ``limit`` characters."""

    def normalise(value: str) -> str:
        return _SPACES.sub(" ", value).strip()[:limit].strip()

    return normalise


# The one value every unknown filter value becomes: it narrows the listing to nothing, as the
# unknown value did, under one key.
UNKNOWN = "-"


def one_of(values: Callable[[], Iterable[str]]) -> Normaliser:
    """A filter whose values are known (regions, levels, district codes): any other value is
    ``UNKNOWN``, so made-up values cannot make keys of their own."""

    def normalise(value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        return value if value in values() else UNKNOWN

    return normalise


def page_number(pages: Callable[[], int]) -> Normaliser:
    """A page of a listing: a whole number from 1 to ``pages()`` (an upper bound on the listing's
    pages); 1 is the default. Past the end it is the last page, as the paginator shows it."""

    def normalise(value: str) -> str:
        value = value.strip()
        number = int(value) if value.isdigit() and len(value) < 10 else 1
        number = max(1, min(number, pages()))
        return "" if number == 1 else str(number)

    return normalise


_memos: list[list] = []


def memo(seconds: float) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """A value this process recomputes at most every ``seconds``, and after its own ``changed``
    (the known filter values and page bounds: a new district shows in the filters within that
    time)."""

    def decorate(compute: Callable[[], Any]) -> Callable[[], Any]:
        held: list = [0.0, None]
        _memos.append(held)

        @functools.wraps(compute)
        def get() -> Any:
            now = time.monotonic()
            if now >= held[0]:
                held[1], held[0] = compute(), now + seconds
            return held[1]

        return get

    return decorate


def forget() -> None:
    """Empty this process's memory: the in-process tier and the memos (fragments are keyed by
    versions, so they need no forgetting; ``forget_fragments`` empties them for tests)."""
    _local.clear()
    for held in _memos:
        held[0] = 0.0


def forget_fragments() -> None:
    fragments().clear()


def pages_of(count: Callable[[], int], per_page: int) -> Callable[[], int]:
    return lambda: max(1, math.ceil(count() / per_page))


@dataclass(frozen=True)
class Query:
    """The query parameters a cached view reads, in their canonical order.

    ``redirect``: answer a non-canonical address with a redirect to the canonical one (pages,
    so the address bar and any shared copy agree); otherwise other parameters are ignored."""

    params: dict[str, Normaliser] = field(default_factory=dict)
    redirect: bool = True

    def pairs(self, request: HttpRequest) -> list[tuple[str, str]]:
        pairs = []
        for name, normalise in self.params.items():
            raw = request.GET.get(name)
            value = normalise(raw) if raw is not None else ""
            if value:
                pairs.append((name, value))
        return pairs


NO_QUERY = Query()
API_QUERY = Query(redirect=False)


def cached_view(
    view: Callable[..., HttpResponse] | None = None, *, query: Query = NO_QUERY
) -> Callable[..., HttpResponse]:
    """``view`` answered through ``shared`` with its canonical ``query``; its ``pk`` argument
    names the petition shown. Usable as ``@cached_view`` or ``@cached_view(query=...)``."""
    if view is None:
        return functools.partial(cached_view, query=query)  # type: ignore[return-value]

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            pairs = query.pairs(request)
            canonical = urlencode(pairs)
            if canonical != request.META.get("QUERY_STRING", ""):
                asked = [(name, value) for name, values in request.GET.lists() for value in values]
                if asked != pairs and query.redirect:
                    return _to_canonical(request, canonical)
                # The same query written otherwise (%20 for +), or parameters the API ignores.
                request.GET = QueryDict(canonical)
                request.META["QUERY_STRING"] = canonical
        return shared(request, lambda: view(request, *args, **kwargs), petition_id=kwargs.get("pk"))

    return wrapper


def _to_canonical(request: HttpRequest, canonical: str) -> HttpResponse:
    response = HttpResponseRedirect(request.path + (f"?{canonical}" if canonical else ""))
    response["Cache-Control"] = f"public, max-age={max(ttl(), 60)}"
    return response


def _build_public(build: Callable[[], HttpResponse]) -> HttpResponse:
    """Build on a replica if one is healthy (config.db_router); a replica that fails meanwhile
    is marked down and the answer built again on the primary."""
    alias = db_router.replica_for_read()
    if alias is None:
        return build()
    try:
        with db_router.public_reads():
            return build()
    except Exception as error:
        if not database_down(error):
            raise
        db_router.mark_down(alias)
        return build()


def shared(request: HttpRequest, build: Callable[[], HttpResponse], *, petition_id: int | None = None) -> HttpResponse:
    """The shared answer to this GET (built by ``build`` on a miss), with HTTP caching headers.

    The key holds the path with its (canonical) query, the language, the scheme and host (the
    pages print the host in the ledger's verification command) and the versions of what the
    answer shows. Not the Accept header: the API answers JSON only. Only 200 answers are kept.
    """
    seconds = ttl()
    if request.method not in ("GET", "HEAD") or seconds <= 0:
        return _build_public(build) if request.method in ("GET", "HEAD") else build()
    answer = ":".join(
        [
            get_language() or "",
            request.scheme or "",
            request.get_host(),
            hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest(),
        ]
    )
    stored: Any = _local_get(answer)
    if stored is None:
        versions, content = _versions(petition_id)
        setattr(request, _VERSIONS_ON_REQUEST, content)
        key = f"{KEY_PREFIX}:{versions}:{answer}"
        try:
            stored = cache.get(key)
        except Exception:  # noqa: BLE001
            stored = None
        if stored is not None:
            _local_put(answer, stored)
    if stored is None:
        response = _build_public(build)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        kept = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        stored = (response.content, kept, _etag(response.content))
        with contextlib.suppress(Exception):  # a cache outage only costs speed
            cache.set(key, stored, timeout=seconds)
        _local_put(answer, stored)
    body, kept, etag = stored
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=kept.get("Content-Type"))
        for name in ("Link", "Content-Disposition"):
            if name in kept:
                response[name] = kept[name]
    vary = kept.get("Vary", "")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={seconds}"
    patch_vary_headers(response, [*filter(None, (v.strip() for v in vary.split(","))), "Accept-Language"])
    return response
