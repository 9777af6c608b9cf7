"""Revocation answers that cannot stall a request: kept until they expire, asked with a short
timeout, and not asked at all while their responder is known to be down.

pyhanko-certvalidator validates what these fetchers hand it (the OCSP response's signature and
responder, the CRL's issuer and freshness); they only decide where an answer comes from:

- an **OCSP response** is kept per certificate (issuer and serial number) until its
  ``nextUpdate`` (at most ``max_age`` seconds; ``max_age`` when it names none), so the same
  key signing again, or the worker re-checking it, does not ask the responder again;
- a **CRL** is kept per address until its ``nextUpdate``; beat refreshes every CRL it has seen
  before it expires (``refresh_crls``), so a request finds it kept and fetches none itself (the
  first certificate naming a new CRL fetches it once, with the short timeout);
- every fetch has the short ``timeout``; a responder that does not answer in time, or refuses
  the connection, is marked down for ``down_seconds`` in the shared store, and every process
  then skips it at once instead of waiting for it (a circuit breaker per responder host).

``Probe`` records, for one validation, whether an answer was missing because a responder was
down: the caller then holds the signature as "revocation pending" for the worker instead of
refusing it (recall.services.signing.eds). A responder that answers "unknown", or a certificate
naming no responder, is not that: it is refused.

``Store`` is what keeps the answers and the breakers: the Django cache in the service (shared by
every process), a dict in tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable

import requests
from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator import errors
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.fetchers.api import CRLFetcher, OCSPFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from .outages import MemoryStore, Policy, Probe, Store, _host, _now, is_down, mark_down

logger = logging.getLogger("recall.eds.revocation")

KNOWN_CRLS = "eds:crl:known"
# Re-exported: the service and the tests name them from here.
__all__ = ["MemoryStore", "Policy", "Probe", "Store", "is_down", "mark_down", "refresh_crls"]


def _lifetime(next_update: dt.datetime | None, policy: Policy) -> float:
    if next_update is None:
        return policy.max_age
    return max(0.0, min(policy.max_age, (next_update - _now()).total_seconds()))


def _network_failure(error: BaseException) -> bool:
    """A responder that did not answer (as opposed to one that answered something unusable)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, requests.ConnectionError | requests.Timeout):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class CachedOCSPFetcher(OCSPFetcher):
    def __init__(self, store: Store, policy: Policy, probe: Probe) -> None:
        self.store, self.policy, self.probe = store, policy, probe
        self.inner = RequestsFetcherBackend(per_request_timeout=policy.timeout).get_fetchers().ocsp_fetcher
        self.results: dict[str, ocsp.OCSPResponse] = {}  # by _key: one validation's answers

    @staticmethod
    def _key(cert: x509.Certificate | cms.AttributeCertificateV2, authority: Authority) -> str:
        serial = cert.serial_number if isinstance(cert, x509.Certificate) else 0
        return f"eds:ocsp:{hashlib.sha256(authority.public_key.dump()).hexdigest()}:{serial}"

    async def fetch(
        self, cert: x509.Certificate | cms.AttributeCertificateV2, authority: Authority
    ) -> ocsp.OCSPResponse:
        key = self._key(cert, authority)
        kept = self.store.get(key)
        if isinstance(kept, bytes):
            response = ocsp.OCSPResponse.load(kept)
        else:
            urls = _ocsp_urls(cert)
            if urls and all(is_down(self.store, u) for u in urls):
                self.probe.unreachable.update(_host(u) for u in urls)
                raise errors.OCSPFetchError("the OCSP responder is marked down")
            try:
                response = await self.inner.fetch(cert, authority)
            except errors.OCSPFetchError as error:
                if _network_failure(error):
                    for url in urls:
                        mark_down(self.store, url, self.policy, error)
                        self.probe.unreachable.add(_host(url))
                raise
            self.store.set(key, response.dump(), _lifetime(_ocsp_next_update(response), self.policy))
        self.results[key] = response
        return response

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return list(self.results.values())

    def fetched_responses_for_cert(
        self, cert: x509.Certificate | cms.AttributeCertificateV2
    ) -> Iterable[ocsp.OCSPResponse]:
        # Asked before fetch: nothing yet for this certificate makes pyhanko call fetch, which
        # answers from the store or the responder.
        serial = cert.serial_number if isinstance(cert, x509.Certificate) else None
        return [r for k, r in self.results.items() if k.endswith(f":{serial}")]


class CachedCRLFetcher(CRLFetcher):
    def __init__(self, store: Store, policy: Policy, probe: Probe) -> None:
        self.store, self.policy, self.probe = store, policy, probe
        self.fetched: dict[str, crl.CertificateList] = {}

    async def fetch(
        self, cert: x509.Certificate | cms.AttributeCertificateV2, *, use_deltas: bool | None = None
    ) -> Iterable[crl.CertificateList]:
        found = []
        urls = _crl_urls(cert)
        for url in urls:
            got = self.fetched.get(url) or load_crl(self.store, self.policy, url, probe=self.probe)
            if got is not None:
                self.fetched[url] = got
                found.append(got)
        if not found:
            raise errors.CRLFetchError("no CRL could be obtained")
        return found

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return list(self.fetched.values())

    def fetched_crls_for_cert(
        self, cert: x509.Certificate | cms.AttributeCertificateV2
    ) -> Iterable[crl.CertificateList]:
        found = [self.fetched[u] for u in _crl_urls(cert) if u in self.fetched]
        if not found:
            raise KeyError("not fetched for this certificate")  # pyhanko then calls fetch
        return found


def load_crl(
    store: Store, policy: Policy, url: str, *, probe: Probe | None = None, refresh: bool = False
) -> crl.CertificateList | None:
    """The CRL at ``url``: kept, or fetched with the short timeout unless its host is down."""
    key = "eds:crl:" + hashlib.sha256(url.encode()).hexdigest()
    kept = None if refresh else store.get(key)
    if isinstance(kept, bytes):
        return crl.CertificateList.load(kept)
    if is_down(store, url) and not refresh:
        if probe is not None:
            probe.unreachable.add(_host(url))
        return None
    try:
        answer = requests.get(url, timeout=policy.timeout)
        answer.raise_for_status()
        parsed = crl.CertificateList.load(answer.content)
        parsed.native  # noqa: B018 - parse it all now: a broken CRL is refused here, not later
    except (requests.ConnectionError, requests.Timeout) as error:
        mark_down(store, url, policy, error)
        if probe is not None:
            probe.unreachable.add(_host(url))
        return None
    except (requests.RequestException, ValueError) as error:
        logger.warning("CRL at %s unusable: %r", url, error)
        return None
    next_update = parsed["tbs_cert_list"]["next_update"].native
    store.set(key, answer.content, _lifetime(next_update, policy))
    known = store.get(KNOWN_CRLS)
    urls = set(known) if isinstance(known, list | set | tuple) else set()
    if url not in urls:
        store.set(KNOWN_CRLS, sorted(urls | {url}), 365 * 24 * 3600)
    return parsed


def refresh_crls(store: Store, policy: Policy) -> dict[str, bool]:
    """Beat: fetch again every CRL a certificate has named, so requests always find one kept."""
    known = store.get(KNOWN_CRLS)
    return {url: load_crl(store, policy, url, refresh=True) is not None for url in (known or [])}


def _ocsp_urls(cert: x509.Certificate | cms.AttributeCertificateV2) -> list[str]:
    if not isinstance(cert, x509.Certificate):
        return []
    return list(cert.ocsp_urls)


def _crl_urls(cert: x509.Certificate | cms.AttributeCertificateV2) -> list[str]:
    if not isinstance(cert, x509.Certificate):
        return []
    urls = []
    for point in cert.crl_distribution_points:
        url = point.url
        if url and url.startswith(("http://", "https://")):
            urls.append(url)
    return urls


def _ocsp_next_update(response: ocsp.OCSPResponse) -> dt.datetime | None:
    try:
        single = response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
        return single["next_update"].native
    except (KeyError, IndexError, TypeError, ValueError):
        return None
