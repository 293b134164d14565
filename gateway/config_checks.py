"""Checks of a loaded configuration: values whose mistakes would only show later.

Split from ``gateway.config`` (which reads files and variables) so each stays
small; ``ConfigError`` lives here because both raise it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from gateway.config_sections import GatewayConfig
from gateway.policy.ownership import MODES as OWNERSHIP_MODES

# S3 adds only CRC64NVME to an upload sent without a checksum; "" turns that off.
DEFAULT_CHECKSUMS = ("", "CRC64NVME")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_CHOICES = {("swift", "auth_type"): ("tempauth", "keystone"),
            ("server", "access_log"): ("json", "text", "off"),
            ("credentials", "backend"): ("sqlite", "static", "swift", "keystone"),
            ("buckets", "default_object_ownership"): OWNERSHIP_MODES}


class ConfigError(ValueError):
    """A configuration mistake, worded as one line: where (file or variable), key, what."""


def check_values(config: GatewayConfig, origins: Mapping[tuple[str, str], str]) -> None:
    """Normalise and check values whose mistakes would only show later, on some request."""
    def fail(section: str, key: str, what: str) -> ConfigError:
        return ConfigError(f"{origins.get((section, key), f'[{section}] {key}')} {what}")

    server = config.server
    default = str(server.default_checksum).strip().upper()
    if default not in DEFAULT_CHECKSUMS:
        raise fail("server", "default_checksum",
                   f"must be \"CRC64NVME\" or \"\" (none), not {server.default_checksum!r}")
    server.default_checksum = default
    level = server.log_level.strip().upper()
    if level not in _LOG_LEVELS:
        raise fail("server", "log_level",
                   f"must be one of {', '.join(_LOG_LEVELS)}, not {server.log_level!r}")
    server.log_level = level
    access_level = server.access_log_level.strip().upper()
    if access_level not in _LOG_LEVELS:
        raise fail("server", "access_log_level",
                   f"must be one of {', '.join(_LOG_LEVELS)}, not {server.access_log_level!r}")
    server.access_log_level = access_level
    server.access_log = server.access_log.strip().lower()
    if not 0 <= server.metrics_port <= 65535:
        raise fail("server", "metrics_port",
                   f"must be a TCP port (0-65535, 0: off), not {server.metrics_port}")
    if bool(server.tls_cert) != bool(server.tls_key):
        given, missing = ("tls_cert", "tls_key") if server.tls_cert else ("tls_key", "tls_cert")
        raise fail("server", given, f"is set, so {missing} must be set too (TLS needs both)")
    for proxy in server.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise fail("server", "trusted_proxies",
                       f"must list IP addresses or networks, not {proxy!r}") from None
    if server.shutdown_grace_seconds < 0:
        raise fail("server", "shutdown_grace_seconds",
                   f"must be at least 0, not {server.shutdown_grace_seconds}")
    for section, key in (("server", "port"), ("identity_api", "port")):
        port = getattr(getattr(config, section), key)
        if not 0 <= port <= 65535:
            raise fail(section, key, f"must be a TCP port (0-65535), not {port}")
    for section, key, minimum in (
            ("server", "workers", 1), ("server", "max_clock_skew_seconds", 0),
            ("server", "max_presign_expires_seconds", 1), ("swift", "pool_size", 1),
            ("swift", "max_object_size", 1), ("keystone", "cache_size", 1),
            ("keystone", "negative_cache_size", 1)):
        if getattr(getattr(config, section), key) < minimum:
            raise fail(section, key, f"must be at least {minimum}, "
                                     f"not {getattr(getattr(config, section), key)}")
    if config.server.complete_keepalive_seconds < 0:  # 0: the 200 starts at once
        raise fail("server", "complete_keepalive_seconds",
                   f"must be at least 0, not {config.server.complete_keepalive_seconds}")
    for section, key in (("server", "request_header_timeout_seconds"),
                         ("swift", "timeout_seconds"), ("swift", "connect_timeout_seconds"),
                         ("keystone", "timeout_seconds")):
        if not getattr(getattr(config, section), key) > 0:
            raise fail(section, key, f"must be more than 0, "
                                     f"not {getattr(getattr(config, section), key)}")
    for section, key in (("credentials", "cache_seconds"),
                         ("identity_api", "token_cache_seconds")):
        if getattr(getattr(config, section), key) < 0:
            raise fail(section, key, f"must be at least 0, "
                                     f"not {getattr(getattr(config, section), key)}")
    for (section, key), choices in _CHOICES.items():
        value = getattr(getattr(config, section), key)
        if value not in choices:
            raise fail(section, key, f"must be one of {', '.join(choices)}, not {value!r}")
    if config.identity_api.enabled and config.credentials.backend == "static":
        raise fail("identity_api", "enabled", "needs a credentials backend that can store "
                                              "keys (sqlite or swift), not 'static'")
    _check_keystone(config, fail)


def _check_keystone(config: GatewayConfig, fail: Any) -> None:
    """The Keystone backend's settings: where, who, and roles that make sense."""
    keystone = config.keystone
    for key in ("cache_seconds", "negative_cache_seconds", "outage_grace_seconds"):
        if getattr(keystone, key) < 0:
            raise fail("keystone", key, f"must be at least 0, not {getattr(keystone, key)}")
    if keystone.reseller_admin_role in keystone.operator_roles:
        raise fail("keystone", "operator_roles",
                   f"must not contain the reseller admin role {keystone.reseller_admin_role!r}")
    if config.credentials.backend != "keystone":
        return
    for key in ("auth_url", "user", "password"):
        if not getattr(keystone, key):
            raise fail("keystone", key, "must be set for [credentials] backend = \"keystone\"")
    if not keystone.system_scope and not keystone.project_name:
        raise fail("keystone", "system_scope", "or [keystone] project_name must be set")
