"""Client address and TLS through trusted proxies only (``gateway/forwarded.py``)."""

from __future__ import annotations

from unittest import mock

from aiohttp.test_utils import make_mocked_request

from gateway.forwarded import ClientInfo, TrustedProxies


def _request(peer: str, headers: dict[str, str], tls: bool = False):  # noqa: ANN202
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: {
        "peername": (peer, 40000), "sslcontext": object() if tls else None}.get(name, default)
    return make_mocked_request("GET", "/", headers=headers, transport=transport)


FORWARDED = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"}


def test_headers_from_an_untrusted_peer_are_ignored() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert proxies.client_info(_request("192.0.2.50", FORWARDED)) == ClientInfo(
        "192.0.2.50", False)


def test_no_trusted_proxies_means_the_peer_and_its_own_tls() -> None:
    assert TrustedProxies([]).client_info(_request("192.0.2.50", FORWARDED, tls=True)) == \
        ClientInfo("192.0.2.50", True)


def test_a_trusted_proxy_gives_the_right_most_untrusted_address_and_scheme() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert proxies.client_info(_request("10.1.2.3", FORWARDED)) == ClientInfo(
        "203.0.113.7", True)


def test_a_chain_of_trusted_proxies_is_walked_but_a_spoofed_left_entry_is_not_believed() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    headers = {"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.9.9.9"}
    assert proxies.client_info(_request("10.1.2.3", headers)).ip == "203.0.113.7"


def test_forwarded_header_with_ipv6_and_port() -> None:
    proxies = TrustedProxies(["127.0.0.1"])
    headers = {"Forwarded": 'for="[2001:db8::1]:4711";proto=http, for=127.0.0.1'}
    info = proxies.client_info(_request("127.0.0.1", headers, tls=True))
    assert info == ClientInfo("2001:db8::1", True)  # proto of the last hop: none given


def test_proxy_saying_http_makes_transport_insecure() -> None:
    proxies = TrustedProxies(["127.0.0.1/32"])
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "http"}
    assert proxies.client_info(_request("127.0.0.1", headers, tls=True)) == ClientInfo(
        "203.0.113.7", False)


def test_garbage_in_the_chain_stops_at_the_last_known_hop() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    headers = {"X-Forwarded-For": "203.0.113.7, unknown"}
    assert proxies.client_info(_request("10.1.2.3", headers)).ip == "10.1.2.3"
