"""Storing a checksum that was only known after the body (a Swift POST after the PUT)."""

from __future__ import annotations

import logging

from gateway.body import UploadBody
from gateway.s3request import S3Request

log = logging.getLogger("gateway")

# PUT headers that describe the request, not the object: never repeated in its POST.
_PUT_ONLY_HEADERS = frozenset({"content-length", "etag", "transfer-encoding", "if-none-match",
                               "if-match", "expect"})


async def store_trailing_checksum(req: S3Request, upload: UploadBody,
                                  swift_headers: dict[str, str], container: str,
                                  obj: str) -> None:
    """Record a trailer (or computed) checksum on the stored object (a Swift POST,
    since the PUT headers were gone before the value arrived).

    A POST replaces all metadata (and the content type), so it carries the PUT's
    metadata again: ``swift_headers`` as sent with the PUT, less what only
    described that request. Swift's POST cannot be made conditional, so it may
    land after another writer's PUT of ``obj``; the checksum must therefore be
    bound to this PUT's ETag (``UploadBody.bind_to``), and an unbound one is not
    stored. A failure leaves the object without a stored checksum, nothing worse.
    """
    checksum = upload.checksum
    if not upload.checksum_in_trailer or checksum is None:
        return
    if checksum.etag is None:
        log.warning("request %s: trailing checksum not bound to the PUT's ETag, not stored",
                    req.request_id)
        return
    post = {k: v for k, v in swift_headers.items() if k.lower() not in _PUT_ONLY_HEADERS}
    post.update(checksum.swift_metadata())
    resp = await req.swift.request("POST", req.account, container, obj, headers=post)
    resp.release()
    if resp.status >= 300:
        log.warning("request %s: storing the trailing checksum failed: %s",
                    req.request_id, resp.status)
