"""The operator settings of ``[server]``: admin listener, access log, TLS, proxies, drain."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_config


def test_defaults_are_off_where_serve_must_opt_in() -> None:
    server = load_config(None, env={}).server
    assert (server.metrics_port, server.access_log, server.access_log_destination) == (
        0, "json", "stderr")
    assert (server.tls_cert, server.tls_key, server.trusted_proxies) == ("", "", [])
    assert server.shutdown_grace_seconds == 30.0


def test_environment_sets_them_and_normalises_case() -> None:
    server = load_config(None, env={
        "S3SWIFT_SERVER_METRICS_PORT": "9100", "S3SWIFT_SERVER_ACCESS_LOG": "TEXT",
        "S3SWIFT_SERVER_ACCESS_LOG_LEVEL": "warning",
        "S3SWIFT_SERVER_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
        "S3SWIFT_SERVER_SHUTDOWN_GRACE_SECONDS": "5"}).server
    assert (server.metrics_port, server.access_log, server.access_log_level) == (
        9100, "text", "WARNING")
    assert server.trusted_proxies == ["10.0.0.0/8", "192.0.2.1"]
    assert server.shutdown_grace_seconds == 5.0


@pytest.mark.parametrize(("name", "value", "message"), [
    ("S3SWIFT_SERVER_ACCESS_LOG", "xml", "must be one of json, text, off"),
    ("S3SWIFT_SERVER_ACCESS_LOG_LEVEL", "LOUD", "must be one of DEBUG"),
    ("S3SWIFT_SERVER_METRICS_PORT", "70000", "must be a TCP port"),
    ("S3SWIFT_SERVER_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example", "'proxy.example'"),
    ("S3SWIFT_SERVER_SHUTDOWN_GRACE_SECONDS", "-1", "must be at least 0"),
    ("S3SWIFT_SERVER_TLS_CERT", "/etc/cert.pem", "so tls_key must be set too"),
])
def test_mistakes_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(None, env={name: value})
    assert name in str(exc.value) and message in str(exc.value)
