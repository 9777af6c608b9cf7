"""Webhook targets (recall.services.notices.outbound): resolved once and connected to at the checked
address, so a second DNS answer cannot redirect a delivery; private ranges refused, including
addresses that embed an IPv4 address; plain HTTP and private targets allowed by separate
settings."""

import socket

import pytest

from recall.services.notices import outbound


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # link-local: cloud metadata
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:8.8.8.8",  # IPv4-mapped, even of a public address
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::808:808",  # NAT64 of a public address
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_private_and_embedding_addresses_are_not_public(address):
    assert not outbound.is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001:82a::200e"])
def test_public_addresses_are_public(address):
    assert outbound.is_public(address)


def test_allowing_plain_http_does_not_allow_private_targets(settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP, settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = True, False
    with pytest.raises(outbound.TargetRefused, match="public address"):
        outbound.resolve("http://127.0.0.1:8080/hook")


def test_allowing_private_targets_does_not_allow_plain_http(settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP, settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = False, True
    with pytest.raises(outbound.TargetRefused, match="HTTPS"):
        outbound.resolve("http://127.0.0.1:8080/hook")


def test_a_name_resolving_to_a_private_address_is_refused(settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP, settings.RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = True, False
    with pytest.raises(outbound.TargetRefused, match="public address"):
        outbound.resolve("http://localhost:8080/hook")


@pytest.mark.parametrize("url", ["https://user:pw@example.com/h", "https:///h", "https://example.com:99999/h"])
def test_malformed_targets_are_refused(url):
    with pytest.raises(outbound.TargetRefused):
        outbound.resolve(url)


def test_a_delivery_connects_to_the_address_checked_without_a_second_lookup(receiver, monkeypatch):
    target = outbound.resolve(receiver.url.replace("127.0.0.1", "localhost"))
    assert set(target.addresses) <= {"127.0.0.1", "::1"}

    lookup = socket.getaddrinfo

    def rebound(host, *args, **kwargs):  # the name would now answer something else
        if host == "localhost":
            raise AssertionError("the host name was looked up a second time")
        return lookup(host, *args, **kwargs)  # a numeric address: no DNS involved

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    answer = outbound.post(target, b"{}", {"Content-Type": "application/json"}, timeout=5)
    assert answer.status == 200
    headers, body = receiver.requests[0]
    assert headers["Host"].startswith("localhost:") and body == b"{}"
