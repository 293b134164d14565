"""Configuration files for the embedded Swift all-in-one.

Pure text generation, kept apart from process management in ``swift_aio``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommonSettings:
    """The [DEFAULT] settings every server shares."""

    ip: str
    user: str
    swift_dir: str
    devices: str
    log_level: str
    # Where the updaters dump recon stats; Swift's default /var/cache/swift
    # usually does not exist, and every sweep then logs a traceback.
    recon_cache_path: str


def swift_conf(hash_prefix: str, hash_suffix: str) -> str:
    """swift.conf: hash salts, the single replicated policy and the constraints.

    ``max_meta_overall_size`` is S3's 2 KiB of user metadata as the gateway
    stores it (at most 2560 bytes packed: ``gateway.handlers.user_metadata``)
    plus 512 bytes for its reserved ``X-Object-Meta-S3gw-*`` entries
    (checksums, upload id): the object server keeps metadata in xattrs and
    ext4 fits only ~4 KiB per file (it answers 507 beyond that), which is why
    many small entries are packed rather than allowed by ``max_meta_count``.
    ``max_meta_value_length`` holds one 2 KiB S3 value or packed piece;
    ``max_meta_name_length`` stays Swift's default (longer names are packed).
    ``max_file_size`` admits S3's 5 GiB single PUT.
    ``max_object_name_length`` leaves room for a multipart part's name, a
    1024-byte S3 key plus ``/<upload id>/<part>``.
    """
    return f"""\
[swift-hash]
swift_hash_path_prefix = {hash_prefix}
swift_hash_path_suffix = {hash_suffix}

[storage-policy:0]
name = gold
policy_type = replication
default = yes

[swift-constraints]
max_file_size = 5368709122
max_meta_name_length = 128
max_meta_value_length = 2048
max_meta_count = 90
max_meta_overall_size = 3072
max_header_size = 16384
max_object_name_length = 1088
container_listing_limit = 10000
account_listing_limit = 10000
max_account_name_length = 256
max_container_name_length = 256
"""


def _default_section(common: CommonSettings, port: int, workers: int, name: str) -> str:
    """``workers = 0`` serves in the process we started. With workers, a parent
    waits for them with eventlet's green waitpid, which polls every 10 ms: ~2% of
    a core per server, idle or not, and a fork, for a Swift whose one node needs
    no more than one process per server."""
    return f"""\
[DEFAULT]
bind_ip = {common.ip}
bind_port = {port}
workers = {workers}
user = {common.user}
swift_dir = {common.swift_dir}
devices = {common.devices}
mount_check = false
log_name = {name}
log_level = {common.log_level}
recon_cache_path = {common.recon_cache_path}
"""


def proxy_server_conf(common: CommonSettings, port: int, workers: int, memcached: str,
                      users: dict[str, str], s3api: bool = False) -> str:
    """The proxy: tempauth, SLO with S3's 10000-part limit, object versioning.

    ``s3api`` adds Swift's own S3 middleware before tempauth (a tempauth user
    ``account:user`` is the access key, its password the secret), so the
    benchmarks can compare the gateway with it on the same Swift. Off by
    default: nothing else needs it.
    """
    user_lines = "\n".join(f"user_{name} = {value}" for name, value in users.items())
    s3api_filter = "s3api " if s3api else ""
    s3api_section = S3API_SECTION if s3api else ""
    return _default_section(common, port, workers, "proxy-server") + f"""\
expose_info = true

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk \
{s3api_filter}tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
{s3api_section}
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
# One object server and no handoffs: error-limiting it after a single 507 (an
# object whose metadata outgrew ext4's xattr space) would fail every request.
error_suppression_interval = 0

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = {memcached}

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = AUTH
token_life = 86400
{user_lines}

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000
max_manifest_size = 33554432

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true

[filter:symlink]
use = egg:swift#symlink
"""


S3API_SECTION = """
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
max_upload_part_num = 10000
"""


def _backend_conf(common: CommonSettings, port: int, kind: str, extra: str = "") -> str:
    return _default_section(common, port, 0, f"{kind}-server") + f"""
[pipeline:main]
pipeline = healthcheck {kind}-server

[app:{kind}-server]
use = egg:swift#{kind}
{extra}
[filter:healthcheck]
use = egg:swift#healthcheck
"""


def account_server_conf(common: CommonSettings, port: int) -> str:
    return _backend_conf(common, port, "account")


def container_server_conf(common: CommonSettings, port: int, updater_interval: int = 5) -> str:
    """Container server plus the updater that rolls object counts up to accounts.

    Each sweep of the updater forks once per partition holding containers and
    reads every container DB: with thousands of buckets (the test suite's) that
    is a busy core, hence a longer ``updater_interval`` where nobody reads the
    account's object counts and bytes.
    """
    return _backend_conf(common, port, "container") + f"""
[container-updater]
log_name = container-updater
interval = {updater_interval}
concurrency = 1
"""


def object_server_conf(common: CommonSettings, port: int) -> str:
    """Object server; the updater replays container updates that timed out."""
    allowed = ("Content-Disposition, Content-Encoding, X-Delete-At, X-Object-Manifest, "
               "X-Static-Large-Object, Cache-Control, Content-Language, Expires, X-Robots-Tag")
    return _backend_conf(common, port, "object", f"allowed_headers = {allowed}\n") + """
[object-updater]
log_name = object-updater
interval = 5
concurrency = 1
"""
