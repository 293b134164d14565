"""Loading the gateway config: TOML file first, then ``S3SWIFT_*`` environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import GatewayConfig, StaticCredential, load_config

TOML = """
[server]
host = "0.0.0.0"
port = 9000
base_domains = ["s3.example.com", "localhost"]

[swift]
auth_url = "http://swift:8080/auth/v1.0"
timeout_seconds = 30.5

[credentials]
backend = "static"

[[credentials.static]]
access_key = "AK1"
secret_key = "s1"
account = "AUTH_one"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(TOML)
    return path


def test_defaults_without_file() -> None:
    assert load_config(None, env={}) == GatewayConfig()


def test_toml_file(config_file: Path) -> None:
    config = load_config(config_file, env={})
    assert config.server.host == "0.0.0.0"
    assert config.server.port == 9000
    assert config.server.base_domains == ["s3.example.com", "localhost"]
    assert config.server.region == "us-east-1"  # untouched keys keep defaults
    assert config.swift.auth_url == "http://swift:8080/auth/v1.0"
    assert config.swift.timeout_seconds == 30.5
    assert config.credentials.backend == "static"
    assert config.credentials.static == [StaticCredential("AK1", "s1", "AUTH_one")]


def test_env_overrides_file(config_file: Path) -> None:
    env = {
        "S3SWIFT_SERVER_PORT": "9100",
        "S3SWIFT_SERVER_BASE_DOMAINS": "a.example.com, b.example.com,",
        "S3SWIFT_SWIFT_AUTH_URL": "http://other/auth/v1.0",
        "S3SWIFT_SWIFT_TIMEOUT_SECONDS": "2.5",
        "UNRELATED": "x",
    }
    config = load_config(config_file, env=env)
    assert config.server.port == 9100
    assert config.server.base_domains == ["a.example.com", "b.example.com"]
    assert config.swift.auth_url == "http://other/auth/v1.0"
    assert config.swift.timeout_seconds == 2.5
    assert config.server.host == "0.0.0.0"


def test_env_bad_int() -> None:
    with pytest.raises(ValueError):
        load_config(None, env={"S3SWIFT_SERVER_PORT": "eighty"})


def test_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text("[server]\nprot = 80\n")
    with pytest.raises(ValueError, match=r"unknown configuration key \[server\] prot"):
        load_config(path, env={})


def test_unknown_section(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text("[sever]\nport = 80\n")
    with pytest.raises(ValueError, match=r"unknown configuration section \[sever\]"):
        load_config(path, env={})


def test_single_static_credential_from_env() -> None:
    env = {
        "S3SWIFT_CREDENTIALS_BACKEND": "static",
        "S3SWIFT_CREDENTIALS_ACCESS_KEY": "AKENV",
        "S3SWIFT_CREDENTIALS_SECRET_KEY": "secret",
        "S3SWIFT_CREDENTIALS_ACCOUNT": "AUTH_env",
    }
    config = load_config(None, env=env)
    assert config.credentials.backend == "static"
    assert config.credentials.static_credentials() == [
        StaticCredential("AKENV", "secret", "AUTH_env")]


def test_env_static_credential_added_to_file_list(config_file: Path) -> None:
    env = {"S3SWIFT_CREDENTIALS_ACCESS_KEY": "AK2", "S3SWIFT_CREDENTIALS_SECRET_KEY": "s2",
           "S3SWIFT_CREDENTIALS_ACCOUNT": "AUTH_two"}
    creds = load_config(config_file, env=env).credentials.static_credentials()
    assert [c.access_key for c in creds] == ["AK1", "AK2"]


def test_incomplete_static_credential_is_ignored() -> None:
    config = load_config(None, env={"S3SWIFT_CREDENTIALS_ACCESS_KEY": "AK"})
    assert config.credentials.static_credentials() == []


def test_process_environment_is_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3SWIFT_SERVER_WORKERS", "4")
    assert load_config().server.workers == 4
