"""Gateway configuration: a TOML file whose every key an environment variable can override.

The variable for ``[section] key`` is ``S3SWIFT_SECTION_KEY`` (upper case), e.g.
``S3SWIFT_SERVER_PORT=9000`` or ``S3SWIFT_SWIFT_AUTH_URL=...``. Lists are comma
separated. A sidecar with a single key can set ``S3SWIFT_CREDENTIALS_ACCESS_KEY``,
``S3SWIFT_CREDENTIALS_SECRET_KEY`` and ``S3SWIFT_CREDENTIALS_ACCOUNT``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "S3SWIFT_"
# S3 adds only CRC64NVME to an upload sent without a checksum; "" turns that off.
DEFAULT_CHECKSUMS = ("", "CRC64NVME")


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    region: str = "us-east-1"
    # Host names under which virtual-hosted-style requests arrive: a Host of
    # ``bucket.<base domain>`` addresses ``bucket``.
    base_domains: list[str] = field(default_factory=lambda: ["localhost"])
    max_clock_skew_seconds: int = 900
    max_presign_expires_seconds: int = 7 * 24 * 3600
    log_level: str = "INFO"
    # A CompleteMultipartUpload still running after this long answers 200 at
    # once and sends a space every this many seconds (at most every 0.05 s)
    # until its result, as S3 does.
    complete_keepalive_seconds: float = 10.0
    # S3 adds a CRC64NVME to an upload sent without a checksum. "CRC64NVME" does
    # the same (any case; checked by load_config). Off ("") by default: SDKs send
    # their own checksum, and for a body over 1 MiB the computed value needs a
    # second Swift request (a POST), about 5-10% of large-PUT throughput.
    default_checksum: str = ""


@dataclass
class SwiftConfig:
    # "tempauth" (auth v1) or "keystone" (identity v3 password auth).
    auth_type: str = "tempauth"
    auth_url: str = "http://127.0.0.1:8081/auth/v1.0"
    user: str = ""
    key: str = ""
    # Keystone only.
    project_name: str = ""
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    interface: str = "public"
    # Optional: the proxy's ``/v1`` URL; otherwise derived from the auth response.
    endpoint: str = ""
    reseller_prefix: str = "AUTH_"
    timeout_seconds: float = 60.0
    connect_timeout_seconds: float = 5.0
    pool_size: int = 256
    # Swift's default per-part and per-object limit; S3 caps single PUTs at 5 GiB.
    max_object_size: int = 5 * 1024**3


@dataclass
class StaticCredential:
    access_key: str
    secret_key: str
    account: str


@dataclass
class CredentialsConfig:
    # "sqlite" (the embedded default) or "static" (keys from this file or env).
    backend: str = "sqlite"
    sqlite_path: str = ".data/credentials.sqlite"
    # A Fernet key (urlsafe base64, 32 bytes) that encrypts secrets at rest.
    encryption_key: str = ""
    # A single static key, convenient from the environment.
    access_key: str = ""
    secret_key: str = ""
    account: str = ""
    static: list[StaticCredential] = field(default_factory=list)

    def static_credentials(self) -> list[StaticCredential]:
        creds = list(self.static)
        if self.access_key and self.secret_key and self.account:
            creds.append(StaticCredential(self.access_key, self.secret_key, self.account))
        return creds


@dataclass
class GatewayConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    swift: SwiftConfig = field(default_factory=SwiftConfig)
    credentials: CredentialsConfig = field(default_factory=CredentialsConfig)


def _coerce(value: str, current: Any, name: str) -> Any:
    if isinstance(current, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, list):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _apply_section(section: Any, values: Mapping[str, Any], section_name: str) -> None:
    known = {f.name for f in dataclasses.fields(section)}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown configuration key [{section_name}] {key}")
        if section_name == "credentials" and key == "static":
            value = [StaticCredential(**item) for item in value]
        setattr(section, key, value)


def _apply_env(config: GatewayConfig, env: Mapping[str, str]) -> None:
    for section_field in dataclasses.fields(config):
        section = getattr(config, section_field.name)
        for f in dataclasses.fields(section):
            name = f"{ENV_PREFIX}{section_field.name}_{f.name}".upper()
            if name in env and f.name != "static":
                setattr(section, f.name, _coerce(env[name], getattr(section, f.name), name))


def load_config(path: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None) -> GatewayConfig:
    """Read ``path`` (if given), then apply ``S3SWIFT_*`` environment overrides."""
    config = GatewayConfig()
    if path is not None:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        for section_name, values in data.items():
            if not hasattr(config, section_name):
                raise ValueError(f"unknown configuration section [{section_name}]")
            _apply_section(getattr(config, section_name), values, section_name)
    _apply_env(config, os.environ if env is None else env)
    _check_values(config)
    return config


def _check_values(config: GatewayConfig) -> None:
    """Normalise and check values whose mistakes would only show on some request."""
    server = config.server
    default = str(server.default_checksum).strip().upper()
    if default not in DEFAULT_CHECKSUMS:
        raise ValueError(f"[server] default_checksum must be \"CRC64NVME\" or \"\" (none), "
                         f"not {server.default_checksum!r}")
    server.default_checksum = default
