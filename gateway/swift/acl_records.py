"""Object ACLs too large for an object's metadata: records beside the bucket's documents.

Swift caps an object's metadata (about 3.5 KiB in all on ext4, of which user
metadata may take 2.5 KiB), and an ACL of 100 grants is about 10 KiB. An ACL
longer than ``codec.INLINE_ACL_BYTES`` is therefore kept as a record, the object
``<bucket>/object-acl/<sha256 of the ACL>`` of the account's documents
container (``gateway.swift.buckets.DOCUMENTS_CONTAINER``), and the object's
``X-Object-Meta-S3gw-Acl`` holds ``@<sha256>`` instead of the ACL.

Named by its content, a record is immutable and shared by every object of the
bucket with that ACL; it is written before the object that names it, so a
reader never finds a name without its record. The reference is computed by
the codec alone (``codec.stored_acl_value``), so a later POST that repeats an
object's metadata (a trailing checksum) names the same record without writing
it again, and an upload's marker hands its reference to the completed object.
Handlers only ever see the ACL itself (``ObjectInfo.acl``): the store reads a
record with the object's HEAD or GET (one more GET, for such objects only).
Records are not reference-counted: one that no object names any more stays
until DeleteBucket removes the bucket's documents (one record per distinct
large ACL the bucket ever had).
"""

from __future__ import annotations

from dataclasses import replace

from gateway.storage import errors as store
from gateway.storage.records import ObjectInfo
from gateway.swift.buckets import DOCUMENTS_CONTAINER, SwiftBuckets, document_name
from gateway.swift.codec import INLINE_ACL_BYTES, RECORD_MARK, stored_acl_value
from gateway.swift.outcomes import raise_for


def _record_name(reference: str) -> str:
    return "object-acl/" + reference[len(RECORD_MARK):]


class SwiftAclRecords(SwiftBuckets):
    """Writing a large ACL's record before its object, and reading it with the object."""

    async def keep_acl_record(self, account: str, bucket: str, acl: bytes | None) -> None:
        """Store ``acl``'s record when the object's metadata will name one (no-op else);
        an existing record is left as it is (same name, same bytes)."""
        if acl is None or len(acl) <= INLINE_ACL_BYTES or acl.startswith(RECORD_MARK.encode()):
            return
        reference = stored_acl_value(acl)
        await self.put_document(account, document_name(bucket, _record_name(reference)), acl,
                                {"If-None-Match": "*"})

    async def with_acl_record(self, account: str, bucket: str, info: ObjectInfo) -> ObjectInfo:
        """``info`` with its ACL read from the record its metadata names, if it names one."""
        if info.acl is None or not info.acl.startswith(RECORD_MARK.encode()):
            return info
        name = document_name(bucket, _record_name(info.acl.decode()))
        resp = await self.swift.request("GET", account, DOCUMENTS_CONTAINER, name)
        try:
            raise_for(resp, {404: store.StoreUnavailable})
            return replace(info, acl=await resp.read())
        finally:
            resp.release()
