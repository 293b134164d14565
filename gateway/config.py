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

from gateway.config_checks import DEFAULT_CHECKSUMS, ConfigError, check_values

ENV_PREFIX = "S3SWIFT_"
__all__ = ["DEFAULT_CHECKSUMS", "ConfigError", "GatewayConfig", "load_config"]


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
    # A connection must deliver a whole request head (request line and headers)
    # within this many seconds of opening, or of its previous response; else it
    # is answered RequestTimeout and closed, so slow-header clients cannot pile
    # up connections. Bodies and idle keep-alive connections are not affected.
    request_header_timeout_seconds: float = 60.0
    # The admin listener (/metrics, /healthz, /readyz), never on the S3 port where
    # it would shadow buckets. 0: off in ``serve``; ``dev`` then picks a free port.
    metrics_port: int = 0
    metrics_host: str = ""  # "": the S3 listener's host
    # One line per request: "json", "text" or "off"; to "stderr", "stdout" or a file.
    access_log: str = "json"
    access_log_destination: str = "stderr"
    access_log_level: str = "INFO"
    # TLS on the S3 port when both are set (PEM files).
    tls_cert: str = ""
    tls_key: str = ""
    # Addresses or networks (CIDR) whose X-Forwarded-For/-Proto and Forwarded
    # headers are believed; nobody else's are.
    trusted_proxies: list[str] = field(default_factory=list)
    # SIGTERM: readiness turns false, the port closes, in-flight requests get
    # this long to finish before they are cut.
    shutdown_grace_seconds: float = 30.0


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
    # The account holding the bucket-name registry (gateway.swift.registry), which
    # only the gateway's service identity reaches; "" = <reseller_prefix>s3swift-registry.
    registry_account: str = ""

    @property
    def registry(self) -> str:
        return self.registry_account or f"{self.reseller_prefix}s3swift-registry"


@dataclass
class StaticCredential:
    access_key: str
    secret_key: str
    account: str


@dataclass
class KeystoneConfig:
    """Keystone as the credential source (``[credentials] backend = "keystone"``)."""

    # Identity v3 URL, e.g. "http://keystone:5000/v3".
    auth_url: str = ""
    # The gateway's own Keystone user: it reads EC2 credentials and role
    # assignments (system-scoped "reader") and calls /v3/s3tokens ("service").
    user: str = ""
    password: str = ""
    user_domain_name: str = "Default"
    # Token scope: "all" = system scope (needed to read other users' secrets);
    # "" with project_name set = that project's scope instead.
    system_scope: str = "all"
    project_name: str = ""
    project_domain_name: str = "Default"
    # A key works only if its user holds one of these roles on the key's
    # project (as Swift keystoneauth's operator_roles).
    operator_roles: list[str] = field(default_factory=lambda: ["member", "admin"])
    # Never an operator role: an EC2 key only ever reaches its own project's account.
    reseller_admin_role: str = "ResellerAdmin"
    # How long a key's secret, project and roles are trusted (Swift s3token: 60 s),
    # and how long an unknown key is remembered as unknown.
    cache_seconds: float = 60.0
    negative_cache_seconds: float = 10.0
    # Bounds on the number of cached keys and remembered unknown keys.
    cache_size: int = 100000
    negative_cache_size: int = 10000
    # While Keystone is unreachable, keys cached within this many seconds keep
    # working past cache_seconds; other keys get 503 ServiceUnavailable.
    outage_grace_seconds: float = 300.0
    timeout_seconds: float = 5.0


@dataclass
class CredentialsConfig:
    # "sqlite" (the embedded default), "static" (keys from this file or env) or
    # "swift" (records in Swift itself, shared by every replica) or "keystone"
    # (EC2 credentials from Keystone, settings in [keystone]).
    backend: str = "sqlite"
    sqlite_path: str = ".data/credentials.sqlite"
    # A Fernet key (urlsafe base64, 32 bytes) that encrypts secrets at rest.
    encryption_key: str = ""
    # backend "swift": the reserved account ("" = <reseller_prefix>s3swift-credentials) and
    # container of the records, and how long a replica may use a cached answer.
    swift_account: str = ""
    swift_container: str = "credentials"
    cache_seconds: float = 10.0
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
class BucketsConfig:
    # The object ownership of a bucket without ownership controls: "ObjectWriter"
    # (ACLs work, the writer owns its objects: what the clouds served promise),
    # "BucketOwnerPreferred" or "BucketOwnerEnforced" (ACLs disabled, AWS's
    # default for buckets created since 2023).
    default_object_ownership: str = "ObjectWriter"


@dataclass
class IdentityApiConfig:
    """The OS-EC2 credential API (Keystone's bodies) on a listener of its own."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 5000
    # How long a validated X-Auth-Token's answer for an account is reused.
    token_cache_seconds: float = 10.0


@dataclass
class GatewayConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    swift: SwiftConfig = field(default_factory=SwiftConfig)
    credentials: CredentialsConfig = field(default_factory=CredentialsConfig)
    buckets: BucketsConfig = field(default_factory=BucketsConfig)
    identity_api: IdentityApiConfig = field(default_factory=IdentityApiConfig)
    keystone: KeystoneConfig = field(default_factory=KeystoneConfig)


_STATIC_KEYS = tuple(f.name for f in dataclasses.fields(StaticCredential))


def _kind(current: Any) -> str:
    if isinstance(current, bool):
        return "true or false"
    if isinstance(current, int):
        return "an integer"
    if isinstance(current, float):
        return "a number"
    if isinstance(current, list):
        return "a list of strings"
    return "a string"


def _typed(value: Any, current: Any, where: str) -> Any:
    """A TOML value of the default's type (an integer is a fine float), or ConfigError."""
    if isinstance(current, bool):
        ok = isinstance(value, bool)
    elif isinstance(current, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(current, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(current, list):
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"{where} must be {_kind(current)}, not {value!r}")
    return value


def _coerce(value: str, current: Any, where: str) -> Any:
    """An environment variable's text as the default's type, or ConfigError."""
    text = value.strip()
    try:
        if isinstance(current, bool):
            lowered = text.lower()
            if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(text)
            return lowered in ("1", "true", "yes", "on")
        if isinstance(current, int):
            return int(text)
        if isinstance(current, float):
            return float(text)
    except ValueError:
        raise ConfigError(f"{where} must be {_kind(current)}, not {value!r}") from None
    if isinstance(current, list):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _static_credentials(value: Any, where: str) -> list[StaticCredential]:
    """``[[credentials.static]]`` tables, each with exactly the three string keys."""
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be [[credentials.static]] tables")
    creds = []
    for number, item in enumerate(value, 1):
        here = f"{where} #{number}"
        if not isinstance(item, dict):
            raise ConfigError(f"{here} must be a table with {', '.join(_STATIC_KEYS)}")
        unknown = sorted(set(item) - set(_STATIC_KEYS))
        if unknown:
            raise ConfigError(f"{here}: unknown key {unknown[0]!r} "
                              f"(expected {', '.join(_STATIC_KEYS)})")
        missing = [key for key in _STATIC_KEYS if key not in item]
        if missing:
            raise ConfigError(f"{here}: missing key {missing[0]!r}")
        for key in _STATIC_KEYS:
            _typed(item[key], "", f"{here} {key}")
        creds.append(StaticCredential(**item))
    return creds


def _apply_section(section: Any, values: Any, section_name: str, origin: str,
                   origins: dict[tuple[str, str], str]) -> None:
    if not isinstance(values, dict):
        raise ConfigError(f"{origin}: [{section_name}] must be a table, not {values!r}")
    known = {f.name for f in dataclasses.fields(section)}
    for key, value in values.items():
        where = f"{origin}: [{section_name}] {key}"
        if key not in known:
            raise ConfigError(f"{origin}: unknown configuration key [{section_name}] {key}")
        if section_name == "credentials" and key == "static":
            value = _static_credentials(value, where)
        else:
            value = _typed(value, getattr(section, key), where)
        setattr(section, key, value)
        origins[(section_name, key)] = where


def _apply_env(config: GatewayConfig, env: Mapping[str, str],
               origins: dict[tuple[str, str], str]) -> None:
    for section_field in dataclasses.fields(config):
        section = getattr(config, section_field.name)
        for f in dataclasses.fields(section):
            name = f"{ENV_PREFIX}{section_field.name}_{f.name}".upper()
            if name in env and f.name != "static":
                where = f"{name}: [{section_field.name}] {f.name}"
                setattr(section, f.name, _coerce(env[name], getattr(section, f.name), where))
                origins[(section_field.name, f.name)] = where


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config(path: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None,
                overrides: Mapping[tuple[str, str, str], Any] | None = None) -> GatewayConfig:
    """Read ``path`` (if given), apply ``S3SWIFT_*`` variables, then ``overrides``
    (``(section, key, option name) -> value``, from the command line), and check it all.

    Every mistake is a ``ConfigError`` naming the file, variable or option.
    """
    config = GatewayConfig()
    origins: dict[tuple[str, str], str] = {}
    if path is not None:
        for section_name, values in _read_toml(path).items():
            if section_name not in {f.name for f in dataclasses.fields(config)}:
                raise ConfigError(f"{path}: unknown configuration section [{section_name}]")
            _apply_section(getattr(config, section_name), values, section_name, str(path),
                           origins)
    _apply_env(config, os.environ if env is None else env, origins)
    for (section_name, key, option), value in (overrides or {}).items():
        setattr(getattr(config, section_name), key, value)
        origins[(section_name, key)] = option
    check_values(config, origins)
    return config
