"""Who the client is: its address and whether it used TLS, through trusted proxies only.

Behind a TLS-terminating proxy the TCP peer is the proxy, so the client's
address and scheme arrive in ``Forwarded`` (RFC 7239) or ``X-Forwarded-For`` /
``X-Forwarded-Proto``. Those headers are believed only when the peer is one of
``[server] trusted_proxies``; from anyone else they are ignored, so a client
cannot claim another address or a secure transport (``aws:SourceIp``,
``aws:SecureTransport``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ClientInfo:
    """The client as policies see it: its IP address and whether it came over TLS."""

    ip: str
    secure_transport: bool


CLIENT_INFO = web.RequestKey("client_info", ClientInfo)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header element: ``1.2.3.4``, ``1.2.3.4:5``, ``"[::1]:5"``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_elements(header: str) -> list[dict[str, str]]:
    """``Forwarded: for=1.2.3.4;proto=https, for=...`` as one dict per hop."""
    hops = []
    for element in header.split(","):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            name, _, value = pair.partition("=")
            if value:
                pairs[name.strip().lower()] = value.strip().strip('"')
        hops.append(pairs)
    return hops


class TrustedProxies:
    """The configured proxies, and the client info a request yields through them."""

    def __init__(self, networks: Iterable[str]) -> None:
        self._networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(network, strict=False) for network in networks)

    def trusts(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self._networks)

    def client_info(self, request: web.BaseRequest) -> ClientInfo:
        """The peer and our own TLS, or, when the peer is trusted, what it forwarded:
        the right-most address that is not itself a trusted proxy."""
        peer = request.remote or ""
        secure = request.transport is not None and \
            request.transport.get_extra_info("sslcontext") is not None
        if not self._networks or not self.trusts(_address(peer)):
            return ClientInfo(peer, secure)
        hops: list[str] = []
        proto = ""
        forwarded = request.headers.get("Forwarded")
        if forwarded is not None:
            elements = _forwarded_elements(forwarded)
            hops = [element.get("for", "") for element in elements]
            proto = elements[-1].get("proto", "") if elements else ""
        else:
            hops = request.headers.get("X-Forwarded-For", "").split(",")
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1]
        client = peer
        for hop in reversed([hop for hop in hops if hop.strip()]):
            address = _address(hop)
            if address is None:
                break  # an obfuscated or malformed hop: stop at the last known one
            client = str(address)
            if not self.trusts(address):
                break
        if proto.strip():
            secure = proto.strip().lower() == "https"
        return ClientInfo(client, secure)
