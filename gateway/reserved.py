"""Names the gateway keeps for its own state in the backend, never a client's.

S3 requests can never address or forge them: bucket names ending in these
suffixes are no buckets (``gateway.bucket_names``), user metadata names
starting with ``s3gw-`` and content type parameters starting with ``s3gw_``
are refused (``gateway.handlers.user_metadata``, ``object_headers``,
``multipart``). The Swift store uses them (``gateway.swift.multipart_layout``,
``gateway.swift.buckets``, ``gateway.swift.user_metadata``).
"""

from __future__ import annotations

# Containers beside a bucket's (multipart parts and upload markers).
SEGMENTS_SUFFIX = "+segments"
UPLOADS_SUFFIX = "+uploads"
CONTAINER_SUFFIXES = (SEGMENTS_SUFFIX, UPLOADS_SUFFIX)
# ``x-amz-meta-<name>``: names with this prefix hold the gateway's state.
METADATA_PREFIX = "s3gw-"
# Content type parameters with this prefix carry the gateway's state in listings.
CONTENT_TYPE_PARAM_PREFIX = "s3gw_"
# The multipart ETag's parameter (the one a PutObject could forge into listings).
ETAG_PARAM = CONTENT_TYPE_PARAM_PREFIX + "etag"


def _param_name(param: str) -> str:
    return param.partition("=")[0].strip().lower()


def has_reserved_param(content_type: str) -> bool:
    """True if a content type carries an ``s3gw_`` parameter."""
    return any(_param_name(p).startswith(CONTENT_TYPE_PARAM_PREFIX)
               for p in content_type.split(";")[1:])


def has_etag_param(content_type: str) -> bool:
    """True if a content type carries the multipart ETag parameter as listings read it."""
    return f";{ETAG_PARAM}=" in content_type
