"""``MemoryStore``: the whole storage interface in memory, for fast handler tests.

It follows ``gateway.storage.base.Store``'s contracts (the errors each method
raises, the listing's paging as Swift pages it) without any backend, so the
S3 logic of every operation can be tested in milliseconds. State lives in the
instance (one per application), never in the module; nothing is persisted.
Buckets, documents, listings and objects are in ``memory_objects``, multipart
uploads in ``memory_uploads``, the HTTP read rules in ``memory_rules``.
"""

from __future__ import annotations

from gateway.storage.memory_uploads import MemoryUploads


class MemoryStore(MemoryUploads):
    """Every ``Store`` operation on dictionaries: accounts -> buckets -> objects,
    documents and uploads in progress."""
