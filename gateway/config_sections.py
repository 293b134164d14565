"""The configuration's sections as typed records, with their defaults.

Read and checked by ``gateway.config`` (``load_config``); every key is
documented in ``config/gateway.example.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
