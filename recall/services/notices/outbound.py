"""Outbound HTTP to addresses partners give us (webhooks), safe against server-side request
forgery.

A target's host name is resolved once; every address it resolves to must be public; the
request then connects to that checked address (with the host name for TLS verification and
the Host header), so a second DNS answer cannot redirect it to an internal service (DNS
rebinding). Addresses that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
Teredo) are refused outright, as are private, loopback, link-local, shared (CGNAT),
multicast and reserved ranges. Redirects are never followed.

"Allow plain HTTP" and "allow private targets" are separate settings
(RECALL_WEBHOOK_ALLOW_HTTP, RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS): development may need one
without the other, and no single setting turns both protections off.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from ...errors import InvalidInput

# Ranges that carry an IPv4 address inside an IPv6 one: whatever they embed, refuse them.
EMBEDDING_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("::ffff:0:0/96", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32")
)
MAX_RESPONSE_EXCERPT = 4096


class TargetRefused(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="url", code="invalid_url")


class Unresolvable(TargetRefused):
    """The name does not resolve now; it may later (a transient failure at delivery)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and any(ip in network for network in EMBEDDING_RANGES):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def resolve(url: str) -> Target:
    """Parse and resolve ``url``; raise TargetRefused unless it may receive our requests."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname.encode("idna").decode("ascii") if parts.hostname else ""
    except (ValueError, UnicodeError) as exc:  # a port out of range, a label too long
        raise TargetRefused(_("This is not a valid URL.")) from exc
    if parts.scheme != "https" and not (settings.RECALL_WEBHOOK_ALLOW_HTTP and parts.scheme == "http"):
        raise TargetRefused(_("A webhook URL must use HTTPS."))
    if not host:
        raise TargetRefused(_("A webhook URL needs a host name."))
    if parts.username or parts.password:
        raise TargetRefused(_("A webhook URL must not contain a user name or password."))
    if port == 0:  # no server listens on port 0 (and `port or 443` would have read it as 443)
        raise TargetRefused(_("This is not a valid URL."))
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise Unresolvable(_("The webhook host does not resolve.")) from exc
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS and not all(is_public(a) for a in addresses):
        raise TargetRefused(_("A webhook URL must point to a public address."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses)


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST to the first reachable checked address of ``target``; no redirects, no retries."""
    last_error: Exception | None = None
    for address in target.addresses:
        pool = _pool(target, address, timeout)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # try the name's next address
            pool.close()
            last_error = exc
            continue
        except Exception:
            pool.close()
            raise
        try:
            excerpt = response.read(MAX_RESPONSE_EXCERPT).decode("utf-8", "replace")
        finally:
            response.release_conn()
            pool.close()
        return Answer(response.status, excerpt)
    raise last_error or urllib3.exceptions.HTTPError("no address to connect to")


def _pool(target: Target, address: str, timeout: float) -> urllib3.HTTPConnectionPool:
    kwargs = {"port": target.port, "timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **kwargs,
        )
    return urllib3.HTTPConnectionPool(address, **kwargs)
