"""Path-style and virtual-hosted-style addressing: which bucket and key a request names."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from gateway import errors

InvalidURI = type("InvalidURI", (errors.S3Error,), {
    "code": "InvalidURI", "status": 400, "message": "Couldn't parse the specified URI."})


@dataclass(frozen=True)
class Target:
    bucket: str | None
    key: str | None
    virtual_host: bool


def host_bucket(host: str, base_domains: list[str]) -> str | None:
    """The bucket a ``bucket.<base domain>`` Host names, or ``None`` for path style."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    for domain in base_domains:
        domain = domain.lower().rstrip(".")
        if name.endswith("." + domain) and len(name) > len(domain) + 1:
            return name[: -len(domain) - 1]
    return None


def _decode(raw: str) -> str:
    try:
        return unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidURI() from exc


def resolve_target(host: str, raw_path: str, base_domains: list[str]) -> Target:
    """Split the request path (as sent, before decoding) into bucket and key."""
    path = raw_path.split("?", 1)[0]
    bucket = host_bucket(host, base_domains) if host else None
    if bucket is not None:
        key = _decode(path[1:]) if len(path) > 1 else None
        return Target(bucket, key or None, True)
    if path in ("", "/"):
        return Target(None, None, False)
    bucket_part, _, key_part = path[1:].partition("/")
    key = _decode(key_part) if key_part else None
    return Target(_decode(bucket_part), key, False)
