"""Which names can address a bucket at all, checked on every request before Swift is asked.

CreateBucket applies S3's full rules for new names (``handlers.bucket``). Every
other operation accepts the wider set S3 still serves: names of legacy buckets
(up to 255 letters of either case, digits, ``.``, ``-`` and ``_``, as botocore
checks client side), but starting with a letter or digit so that ``.`` and
``..`` never name a container. Anything else, a decoded ``/`` (``B%2Fsub``
would otherwise reach Swift as container ``B`` and object ``sub/...``),
``+``, NUL, spaces, is ``InvalidBucketName``, as Swift's own s3api answers.
The containers the gateway keeps for multipart uploads (``<bucket>+segments``,
``<bucket>+uploads``) are never buckets, whatever the rule above allows.
"""

from __future__ import annotations

import re

from gateway import errors
from gateway.reserved import CONTAINER_SUFFIXES

_ADDRESSABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
RESERVED_SUFFIXES = CONTAINER_SUFFIXES


def is_reserved(name: str) -> bool:
    """A container the gateway keeps for its own bookkeeping."""
    return name.endswith(RESERVED_SUFFIXES)


def is_addressable(name: str) -> bool:
    return _ADDRESSABLE.fullmatch(name) is not None and not is_reserved(name)


def check_addressable(name: str) -> None:
    """``InvalidBucketName`` unless ``name`` (decoded) may name an existing bucket."""
    if not is_addressable(name):
        raise errors.InvalidBucketName(BucketName=name)
