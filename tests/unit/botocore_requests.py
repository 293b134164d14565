"""Turn a botocore-signed request into what the gateway's verifiers read."""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.awsrequest import AWSRequest
from multidict import CIMultiDict


def to_mocked(request: AWSRequest) -> tuple[str, str, CIMultiDict[str]]:
    """(method, raw path with query, headers incl. Host) of a signed botocore request."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    raw_path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = CIMultiDict({k: v if isinstance(v, str) else v.decode()
                           for k, v in prepared.headers.items()})
    headers["Host"] = parts.netloc
    return prepared.method, raw_path, headers
