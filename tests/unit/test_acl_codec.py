"""Where ACLs and bucket owners live in Swift: an object's ACL in its metadata
(never carried by a copy), a registered name's owner in its content type."""

from __future__ import annotations

from gateway.storage.records import NewObject
from gateway.swift.codec import ACL_META, CopyKind, copy_headers, metadata_headers, object_info
from gateway.swift.registry import owner_content_type, owner_of_content_type

ACL = b'{"owner":["' + b"a" * 64 + b'","AUTH_a"],"grants":[]}'


def test_an_object_acl_round_trips_through_its_metadata() -> None:
    headers = metadata_headers(NewObject(acl=ACL))
    assert headers[ACL_META] == ACL.decode()
    info = object_info("k", {**headers, "Etag": "e", "Content-Length": "1"})
    assert info.acl == ACL and info.user_metadata == {}
    assert ACL_META not in metadata_headers(NewObject())
    assert object_info("k", {"Etag": "e"}).acl is None


def test_a_copy_takes_its_own_acl_never_the_sources() -> None:
    source = object_info("k", {**metadata_headers(NewObject(acl=ACL)), "Etag": "e"})
    assert ACL_META not in copy_headers(source, None, CopyKind.PLAIN)
    mine = b'{"owner":["' + b"b" * 64 + b'","AUTH_b"],"grants":[]}'
    assert copy_headers(source, None, CopyKind.PLAIN, mine)[ACL_META] == mine.decode()


def test_the_registry_keeps_the_owner_in_the_content_type() -> None:
    for account in ("AUTH_test", "AUTH_a;b=c", "AUTH_ü"):
        assert owner_of_content_type(owner_content_type(account)) == account
    assert owner_of_content_type("application/octet-stream") is None
