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
from pathlib import Path
from typing import Any, Mapping

from gateway.config_checks import DEFAULT_CHECKSUMS, ConfigError, check_values
from gateway.config_sections import (
    BucketsConfig, CredentialsConfig, GatewayConfig, IdentityApiConfig, KeystoneConfig,
    ServerConfig, StaticCredential, SwiftConfig)

ENV_PREFIX = "S3SWIFT_"
__all__ = ["DEFAULT_CHECKSUMS", "BucketsConfig", "ConfigError", "CredentialsConfig",
           "GatewayConfig", "IdentityApiConfig", "KeystoneConfig", "ServerConfig",
           "StaticCredential", "SwiftConfig", "load_config"]


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
