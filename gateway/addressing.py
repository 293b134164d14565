"""Path-style and virtual-hosted-style addressing: which bucket and key a request names."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from gateway import errors
from gateway.bucket_names import check_addressable

InvalidURI = errors.InvalidURI


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


def _decode_key(raw: str) -> str | None:
    """The decoded key, ``None`` if empty.

    S3 itself stores a NUL in a key; Swift cannot (it answers 412), so such a
    key is a name this gateway cannot parse into an object: InvalidURI, the
    code S3 gives for a path it cannot take (as for invalid UTF-8 above).
    """
    key = _decode(raw) if raw else None
    if key is not None and "\x00" in key:
        raise InvalidURI()
    return key or None


def resolve_target(host: str, raw_path: str, base_domains: list[str]) -> Target:
    """Split the request path (as sent, before decoding) into bucket and key.

    The bucket name is checked after decoding, whatever the style: ``/B%2Fsub/k``
    names the bucket ``B/sub``, which is InvalidBucketName (``gateway.bucket_names``).
    """
    path = raw_path.split("?", 1)[0]
    bucket = host_bucket(host, base_domains) if host else None
    if bucket is not None:
        check_addressable(bucket)
        return Target(bucket, _decode_key(path[1:]), True)
    if path in ("", "/"):
        return Target(None, None, False)
    bucket_part, _, key_part = path[1:].partition("/")
    bucket = _decode(bucket_part)
    check_addressable(bucket)
    return Target(bucket, _decode_key(key_part), False)
