"""What ``MemoryStore`` keeps per bucket, object and upload (instance state only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.storage.records import BucketInfo, ListedObject, ObjectInfo, PartInfo, UploadInfo


@dataclass
class StoredObject:
    """An object's record and bytes; ``parts`` for a completed multipart upload."""

    info: ObjectInfo
    data: bytes
    parts: list[PartInfo] = field(default_factory=list)

    def listed(self) -> ListedObject:
        """The object as a listing shows it (ISO time with microseconds, as Swift's)."""
        modified = self.info.last_modified
        return ListedObject(
            key=self.info.key, etag=self.info.etag, size=self.info.size,
            last_modified=modified.strftime("%Y-%m-%dT%H:%M:%S.%f") if modified else "")


@dataclass
class StoredPart:
    info: PartInfo
    data: bytes


@dataclass
class MemoryUpload:
    """A multipart upload in progress: its record and its parts by number."""

    info: UploadInfo
    parts: dict[int, StoredPart] = field(default_factory=dict)


@dataclass
class MemoryBucket:
    """A bucket: its record, objects by key, documents by name, uploads by id."""

    info: BucketInfo
    objects: dict[str, StoredObject] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, MemoryUpload] = field(default_factory=dict)
