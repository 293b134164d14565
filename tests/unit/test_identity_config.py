"""``[identity_api]`` and the ``swift`` credentials backend in the configuration."""

from __future__ import annotations

import socket

import pytest

from gateway.config import ConfigError, load_config
from gateway.server import StartupError, _check_identity_port


def test_identity_api_is_off_by_default_for_serve() -> None:
    config = load_config(None, env={})
    assert config.identity_api.enabled is False
    assert (config.identity_api.host, config.identity_api.port) == ("127.0.0.1", 5000)


def test_identity_api_and_swift_backend_from_the_environment() -> None:
    config = load_config(None, env={
        "S3SWIFT_IDENTITY_API_ENABLED": "true", "S3SWIFT_IDENTITY_API_PORT": "35357",
        "S3SWIFT_CREDENTIALS_BACKEND": "swift", "S3SWIFT_CREDENTIALS_CACHE_SECONDS": "2.5",
        "S3SWIFT_CREDENTIALS_SWIFT_ACCOUNT": "AUTH_keys"})
    assert config.identity_api.enabled and config.identity_api.port == 35357
    assert config.credentials.backend == "swift"
    assert config.credentials.cache_seconds == 2.5
    assert config.credentials.swift_account == "AUTH_keys"


@pytest.mark.parametrize("env, message", [
    ({"S3SWIFT_IDENTITY_API_ENABLED": "yes", "S3SWIFT_CREDENTIALS_BACKEND": "static"},
     "S3SWIFT_IDENTITY_API_ENABLED: [identity_api] enabled needs a credentials backend "
     "that can store keys (sqlite or swift), not 'static'"),
    ({"S3SWIFT_IDENTITY_API_PORT": "70000"},
     "S3SWIFT_IDENTITY_API_PORT: [identity_api] port must be a TCP port (0-65535), not 70000"),
    ({"S3SWIFT_CREDENTIALS_CACHE_SECONDS": "-1"},
     "S3SWIFT_CREDENTIALS_CACHE_SECONDS: [credentials] cache_seconds must be at least 0, "
     "not -1.0"),
    ({"S3SWIFT_CREDENTIALS_BACKEND": "ldap"},
     "S3SWIFT_CREDENTIALS_BACKEND: [credentials] backend must be one of sqlite, static, "
     "swift, keystone, not 'ldap'"),
])
def test_mistakes_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(None, env=env)
    assert str(error.value) == message


def test_a_busy_identity_port_is_a_startup_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        config = load_config(None, env={"S3SWIFT_IDENTITY_API_ENABLED": "true",
                                        "S3SWIFT_IDENTITY_API_PORT": str(port)})
        with pytest.raises(StartupError, match=rf"cannot listen on 127.0.0.1:{port} "
                                               r"\(\[identity_api\] host and port\)"):
            _check_identity_port(config)


@pytest.mark.parametrize("argv, env, port", [
    ([], {}, 0),  # any free port, shown in the banner and endpoints.json
    (["--identity-port", "6000"], {"S3SWIFT_IDENTITY_API_PORT": "7000"}, 6000),
    ([], {"S3SWIFT_IDENTITY_API_PORT": "7000"}, 7000),
])
def test_dev_turns_the_identity_api_on(monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                       env: dict[str, str], port: int) -> None:
    from gateway.cli import build_parser
    from gateway.embedded.dev import server_config

    monkeypatch.delenv("S3SWIFT_IDENTITY_API_PORT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = server_config(build_parser().parse_args(["dev", "--host", "127.0.0.2", *argv]))
    assert config.identity_api.enabled
    assert (config.identity_api.host, config.identity_api.port) == ("127.0.0.2", port)
