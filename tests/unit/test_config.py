"""Loading the gateway config: TOML file first, then ``S3SWIFT_*`` environment overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import ConfigError, GatewayConfig, StaticCredential, load_config

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


@pytest.mark.parametrize("text, message", [
    ('[server]\nport = "abc"\n', r": \[server\] port must be an integer, not 'abc'$"),
    ("[server]\nport = 80.5\n", r": \[server\] port must be an integer, not 80.5$"),
    ("[server]\nworkers = true\n", r": \[server\] workers must be an integer, not True$"),
    ("[swift]\ntimeout_seconds = \"x\"\n", r": \[swift\] timeout_seconds must be a number"),
    ("[server]\nbase_domains = \"a.example\"\n",
     r": \[server\] base_domains must be a list of strings, not 'a.example'$"),
    ("[swift]\nkey = 12\n", r": \[swift\] key must be a string, not 12$"),
    ('[server]\nlog_level = "LOUD"\n',
     r": \[server\] log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'$"),
    ("[server]\nworkers = 0\n", r": \[server\] workers must be at least 1, not 0$"),
    ("[server]\nport = 70000\n", r": \[server\] port must be a TCP port"),
    ('[swift]\nauth_type = "keystone2"\n',
     r": \[swift\] auth_type must be one of tempauth, keystone, not 'keystone2'$"),
    ('[credentials]\nbackend = "ldap"\n', r": \[credentials\] backend must be one of"),
    ("[server]\nrequest_header_timeout_seconds = 0\n",
     r": \[server\] request_header_timeout_seconds must be more than 0"),
    ('[[credentials.static]]\nacess_key = "A"\nsecret_key = "s"\naccount = "AUTH_a"\n',
     r": \[credentials\] static #1: unknown key 'acess_key' "
     r"\(expected access_key, secret_key, account\)$"),
    ('[[credentials.static]]\naccess_key = "A"\nsecret_key = "s"\n',
     r": \[credentials\] static #1: missing key 'account'$"),
    ("server = 1\n", r": \[server\] must be a table, not 1$"),
    ("[server\nport = 1\n", r": invalid TOML: "),
])
def test_file_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}{message}") as exc:
        load_config(path, env={})
    assert "\n" not in str(exc.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: configuration file not found$"):
        load_config(path, env={})


@pytest.mark.parametrize("name, value, message", [
    ("S3SWIFT_SERVER_PORT", "abc", "S3SWIFT_SERVER_PORT: [server] port must be an integer, not 'abc'"),
    ("S3SWIFT_SWIFT_TIMEOUT_SECONDS", "soon",
     "S3SWIFT_SWIFT_TIMEOUT_SECONDS: [swift] timeout_seconds must be a number, not 'soon'"),
    ("S3SWIFT_SERVER_LOG_LEVEL", "chatty", "S3SWIFT_SERVER_LOG_LEVEL: [server] log_level must be one of DEBUG, "
                                           "INFO, WARNING, ERROR, CRITICAL, not 'chatty'"),
])
def test_environment_mistakes_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(None, env={name: value})
    assert str(exc.value) == message


def test_environment_wins_and_is_named_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text("[server]\nworkers = 2\n")
    with pytest.raises(ConfigError, match=r"^S3SWIFT_SERVER_WORKERS: \[server\] workers must be at least 1, not 0$"):
        load_config(path, env={"S3SWIFT_SERVER_WORKERS": "0"})


def test_command_line_overrides_are_checked_and_named() -> None:
    with pytest.raises(ConfigError, match=r"^--workers must be at least 1, not 0$"):
        load_config(None, env={}, overrides={("server", "workers", "--workers"): 0})
    config = load_config(None, env={"S3SWIFT_SERVER_PORT": "9000"},
                         overrides={("server", "port", "--port"): 9100})
    assert config.server.port == 9100


def test_log_level_and_integer_floats_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[server]\nlog_level = "debug"\ncomplete_keepalive_seconds = 5\n')
    config = load_config(path, env={})
    assert config.server.log_level == "DEBUG"
    assert config.server.complete_keepalive_seconds == 5.0
