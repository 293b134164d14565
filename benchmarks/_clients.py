"""Lean aiohttp clients for both sides: S3 (SigV4 via botocore's signer) and direct Swift.

Both sides use the same ``aiohttp.ClientSession`` settings, send the same bytes
with an explicit Content-Length, and read GET bodies the same way (counted and
discarded), so the only difference between them is what sits on the other end.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from multidict import CIMultiDictProxy

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MiB = 1024 * 1024


class BenchRequestError(RuntimeError):
    """A request in a measured phase did not succeed: the figure would be meaningless."""


def make_session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections,
                                     keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_read=180)
    return aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=False,
        read_bufsize=MiB, skip_auto_headers=("User-Agent", "Content-Type", "Accept-Encoding"))


async def stream_body(total: int, chunk: bytes) -> AsyncIterator[bytes]:
    """``total`` bytes made of ``chunk`` repeated: a huge body without holding it."""
    sent = 0
    size = len(chunk)
    while sent < total:
        n = min(size, total - sent)
        yield chunk if n == size else chunk[:n]
        sent += n


class _PresetPayloadSigV4(S3SigV4Auth):
    """botocore's S3 SigV4 signer, with the payload hash supplied by the caller.

    botocore would hash the body itself (always, over plain http); here the hash is
    computed once per distinct body (or is UNSIGNED-PAYLOAD), so the client spends
    no CPU re-hashing identical buffers while the gateway still verifies every byte.
    """

    def payload(self, request: AWSRequest) -> str:
        return request.context["payload_hash"]


async def _check(resp: aiohttp.ClientResponse, ok: tuple[int, ...], what: str) -> None:
    if resp.status not in ok:
        body = await resp.read()
        raise BenchRequestError(f"{what}: HTTP {resp.status}: {body[:300]!r}")


async def _drain(resp: aiohttp.ClientResponse) -> int:
    n = 0
    async for chunk in resp.content.iter_any():
        n += len(chunk)
    return n


@dataclass
class S3Side:
    """An S3 endpoint of the gateway; objects live at ``/<bucket>/<key>`` (path style)."""

    name: str
    label: str
    endpoint: str
    access_key: str
    secret_key: str
    region: str
    bucket: str

    def __post_init__(self) -> None:
        self._signer = _PresetPayloadSigV4(
            Credentials(self.access_key, self.secret_key), "s3", self.region)

    kind = "s3"

    def sign(self, method: str, url: str, payload_hash: str,
             headers: dict[str, str] | None = None) -> dict[str, str]:
        """SigV4 headers for a request; ``headers`` (e.g. x-amz-checksum-*) are signed too."""
        request = AWSRequest(method=method, url=url, headers=dict(headers or {}))
        request.context["payload_hash"] = payload_hash
        self._signer.add_auth(request)
        return dict(request.headers.items())

    def url(self, key: str | None = None) -> str:
        return f"{self.endpoint}/{self.bucket}" + (f"/{key}" if key else "")

    async def create_bucket(self, session: aiohttp.ClientSession) -> None:
        url = self.url()
        async with session.put(url, headers=self.sign("PUT", url, EMPTY_SHA256)) as resp:
            await _check(resp, (200, 409), f"PUT bucket {self.bucket}")
            await resp.read()

    async def put(self, session: aiohttp.ClientSession, key: str, data: Any, length: int,
                  payload_hash: str = UNSIGNED_PAYLOAD,
                  extra: dict[str, str] | None = None) -> CIMultiDictProxy[str]:
        """PUT an object; returns the response headers."""
        url = self.url(key)
        headers = self.sign("PUT", url, payload_hash, extra)
        headers["Content-Length"] = str(length)
        async with session.put(url, data=data, headers=headers) as resp:
            await _check(resp, (200,), f"{self.name} PUT {key}")
            await resp.read()
            return resp.headers

    # -- multipart upload --------------------------------------------------

    async def create_multipart(self, session: aiohttp.ClientSession, key: str) -> str:
        url = self.url(key) + "?uploads"
        async with session.post(url, headers=self.sign("POST", url, EMPTY_SHA256)) as resp:
            await _check(resp, (200,), f"{self.name} CreateMultipartUpload {key}")
            body = await resp.read()
        match = re.search(rb"<UploadId>([^<]+)</UploadId>", body)
        if match is None:
            raise BenchRequestError(f"CreateMultipartUpload {key}: no UploadId in {body[:300]!r}")
        return match.group(1).decode("ascii")

    async def upload_part(self, session: aiohttp.ClientSession, key: str, upload_id: str,
                          number: int, data: Any, length: int) -> str:
        """UploadPart with UNSIGNED-PAYLOAD; returns the part's ETag."""
        url = self.url(key) + f"?partNumber={number}&uploadId={quote(upload_id, safe='')}"
        headers = self.sign("PUT", url, UNSIGNED_PAYLOAD)
        headers["Content-Length"] = str(length)
        async with session.put(url, data=data, headers=headers) as resp:
            await _check(resp, (200,), f"{self.name} UploadPart {key} #{number}")
            await resp.read()
            return resp.headers["ETag"]

    async def complete_multipart(self, session: aiohttp.ClientSession, key: str,
                                 upload_id: str, etags: list[str]) -> None:
        url = self.url(key) + f"?uploadId={quote(upload_id, safe='')}"
        body = ("<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
            for n, etag in enumerate(etags, 1)) + "</CompleteMultipartUpload>").encode()
        headers = self.sign("POST", url, hashlib.sha256(body).hexdigest())
        async with session.post(url, data=body, headers=headers) as resp:
            await _check(resp, (200,), f"{self.name} CompleteMultipartUpload {key}")
            text = await resp.read()  # may be whitespace-padded (keep-alive), then the result
        if b"<CompleteMultipartUploadResult" not in text:
            raise BenchRequestError(f"CompleteMultipartUpload {key}: {text[:300]!r}")

    async def get(self, session: aiohttp.ClientSession, key: str) -> int:
        url = self.url(key)
        async with session.get(url, headers=self.sign("GET", url, EMPTY_SHA256)) as resp:
            await _check(resp, (200,), f"{self.name} GET {key}")
            return await _drain(resp)

    async def head(self, session: aiohttp.ClientSession, key: str) -> None:
        url = self.url(key)
        async with session.head(url, headers=self.sign("HEAD", url, EMPTY_SHA256)) as resp:
            await _check(resp, (200,), f"{self.name} HEAD {key}")
            await resp.read()

    async def delete(self, session: aiohttp.ClientSession, key: str) -> None:
        url = self.url(key)
        async with session.delete(url, headers=self.sign("DELETE", url, EMPTY_SHA256)) as resp:
            await _check(resp, (204,), f"{self.name} DELETE {key}")
            await resp.read()

    async def list(self, session: aiohttp.ClientSession, prefix: str, max_keys: int) -> int:
        """ListObjectsV2 of one page; returns the size of the XML body."""
        url = f"{self.url()}?list-type=2&max-keys={max_keys}&prefix={quote(prefix, safe='')}"
        async with session.get(url, headers=self.sign("GET", url, EMPTY_SHA256)) as resp:
            await _check(resp, (200,), f"{self.name} LIST {prefix}")
            body = await resp.read()
        if body.count(b"<Key>") != max_keys:
            raise BenchRequestError(f"LIST {prefix}: {body.count(b'<Key>')} keys, "
                                    f"expected {max_keys}")
        return len(body)


@dataclass
class SwiftSide:
    """Swift's proxy, straight: ``<storage_url>/<container>/<object>`` with a token."""

    name: str
    label: str
    storage_url: str
    token: str
    container: str

    kind = "swift"

    def url(self, key: str) -> str:
        return f"{self.storage_url}/{self.container}/{key}"

    async def put(self, session: aiohttp.ClientSession, key: str, data: Any, length: int,
                  payload_hash: str = UNSIGNED_PAYLOAD) -> None:
        del payload_hash  # Swift has no payload signing: the same plain PUT
        headers = {"X-Auth-Token": self.token, "Content-Length": str(length)}
        async with session.put(self.url(key), data=data, headers=headers) as resp:
            await _check(resp, (201,), f"{self.name} PUT {key}")
            await resp.read()

    async def put_to(self, session: aiohttp.ClientSession, container: str, name: str,
                     data: Any, length: int) -> str:
        """PUT an object into another container (an SLO segment); returns its ETag."""
        headers = {"X-Auth-Token": self.token, "Content-Length": str(length)}
        url = f"{self.storage_url}/{container}/{name}"
        async with session.put(url, data=data, headers=headers) as resp:
            await _check(resp, (201,), f"{self.name} PUT {container}/{name}")
            await resp.read()
            return resp.headers["Etag"].strip('"')

    async def put_container(self, session: aiohttp.ClientSession, container: str) -> None:
        url = f"{self.storage_url}/{container}"
        async with session.put(url, headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (201, 202), f"{self.name} PUT container {container}")
            await resp.read()

    async def put_manifest(self, session: aiohttp.ClientSession, key: str,
                           segments: list[dict[str, Any]]) -> None:
        """The SLO manifest (``?multipart-manifest=put``): Swift HEADs every segment."""
        body = json.dumps(segments).encode()
        headers = {"X-Auth-Token": self.token, "Content-Length": str(len(body))}
        async with session.put(self.url(key) + "?multipart-manifest=put", data=body,
                               headers=headers) as resp:
            await _check(resp, (201,), f"{self.name} PUT manifest {key}")
            await resp.read()

    async def delete_slo(self, session: aiohttp.ClientSession, key: str) -> None:
        """DELETE a manifest and its segments."""
        async with session.delete(self.url(key) + "?multipart-manifest=delete",
                                  headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (200, 204, 404), f"{self.name} DELETE SLO {key}")
            await resp.read()

    async def list_names(self, session: aiohttp.ClientSession, container: str,
                         prefix: str) -> list[str]:
        url = f"{self.storage_url}/{container}"
        async with session.get(url, params={"format": "json", "prefix": prefix},
                               headers={"X-Auth-Token": self.token}) as resp:
            if resp.status == 404:
                return []
            await _check(resp, (200, 204), f"{self.name} GET container {container}")
            listing = json.loads(await resp.read() or b"[]")
        return [entry["name"] for entry in listing]

    async def get(self, session: aiohttp.ClientSession, key: str) -> int:
        async with session.get(self.url(key), headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (200,), f"{self.name} GET {key}")
            return await _drain(resp)

    async def delete(self, session: aiohttp.ClientSession, key: str) -> None:
        async with session.delete(self.url(key), headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (204, 404), f"{self.name} DELETE {key}")
            await resp.read()

    async def head(self, session: aiohttp.ClientSession, key: str) -> None:
        async with session.head(self.url(key), headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (200,), f"{self.name} HEAD {key}")
            await resp.read()

    async def list(self, session: aiohttp.ClientSession, prefix: str, max_keys: int) -> int:
        """One JSON page of the container listing; returns the size of the body."""
        url = f"{self.storage_url}/{self.container}"
        params = {"format": "json", "prefix": prefix, "limit": str(max_keys)}
        async with session.get(url, params=params, headers={"X-Auth-Token": self.token}) as resp:
            await _check(resp, (200,), f"{self.name} LIST {prefix}")
            body = await resp.read()
        if body.count(b'"name":') != max_keys:  # as cheap as the S3 side's check
            raise BenchRequestError(f"LIST {prefix}: not {max_keys} names")
        return len(body)


async def swift_login(session: aiohttp.ClientSession, auth_url: str, user: str,
                      key: str) -> tuple[str, str]:
    """tempauth v1: (storage URL, token)."""
    async with session.get(auth_url, headers={"X-Auth-User": user, "X-Auth-Key": key}) as resp:
        await _check(resp, (200, 204), "tempauth login")
        await resp.read()
        return resp.headers["X-Storage-Url"], resp.headers["X-Auth-Token"]
