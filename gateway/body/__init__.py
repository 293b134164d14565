"""The request-body pipeline: from the client's socket to the bytes handed on.

One place for everything a request body goes through, in the order it does:

* ``receive``: ``100 Continue`` sent only once the request was authenticated,
  raw chunks as they arrive, a short body or a client gone (``IncompleteBody``);
* ``framing``: declared lengths, size limits, ``Transfer-Encoding: chunked``
  and the ``aws-chunked`` content coding;
* ``verify``: payload hash, aws-chunked chunk and trailer signatures (parsed
  by ``gateway.auth.chunked``: signatures are auth's), checksums; every check
  holds back the last chunk until it passed (``hold_back_last``);
* ``pipeline``: the checks strung together: ``streamed_upload`` /
  ``UploadBody`` for object data, ``read_small_body`` for XML documents.

Import from here; the submodules are the pieces.
"""

from gateway.body.pipeline import (
    SMALL_BODY, UploadBody, read_small_body, streamed_upload, upload_body)
from gateway.body.receive import body_withheld, defer_continue, send_continue

__all__ = [
    "SMALL_BODY", "UploadBody", "body_withheld", "defer_continue", "read_small_body",
    "send_continue", "streamed_upload", "upload_body"]
