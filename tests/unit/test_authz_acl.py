"""ACLs from requests (canned, grant headers, XML), their stored form and their XML."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway import errors
from gateway.authz.acl import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    FULL_CONTROL,
    LOG_DELIVERY,
    READ,
    Acl,
    Owner,
)
from gateway.authz.acl_input import acl_of_headers, acl_of_xml, acl_xml
from gateway.authz.identity import canonical_id, is_canonical_id

OWNER = Owner(canonical_id("AUTH_a"), "AUTH_a")
OTHER_ID = canonical_id("AUTH_b")
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def _grants(acl: Acl) -> set[tuple[str, str]]:
    return {(g.grantee.value, g.permission) for g in acl.grants}


def test_canonical_ids_are_stable_64_hex_and_distinct() -> None:
    assert canonical_id("AUTH_a") == canonical_id("AUTH_a") != canonical_id("AUTH_b")
    assert is_canonical_id(canonical_id("AUTH_a")) and not is_canonical_id("AUTH_a")


@pytest.mark.parametrize(("name", "extra"), [
    ("private", set()),
    ("public-read", {(ALL_USERS, READ)}),
    ("public-read-write", {(ALL_USERS, READ), (ALL_USERS, "WRITE")}),
    ("authenticated-read", {(AUTHENTICATED_USERS, READ)}),
    ("log-delivery-write", {(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")}),
    ("bucket-owner-read", {(OTHER_ID, READ)}),
    ("bucket-owner-full-control", {(OTHER_ID, FULL_CONTROL)}),
])
def test_canned_acls_expand_as_s3_defines_them(name: str, extra: set) -> None:
    acl = acl_of_headers({"x-amz-acl": name}, OWNER, Owner(OTHER_ID))
    assert acl is not None and _grants(acl) == {(OWNER.id, FULL_CONTROL)} | extra
    assert Acl.from_bytes(acl.to_bytes()) == acl


def test_grant_headers_list_several_grantees() -> None:
    acl = acl_of_headers({"x-amz-grant-read": f'id="{OTHER_ID}", uri="{ALL_USERS}"',
                          "x-amz-grant-write-acp": f"id={OTHER_ID}"}, OWNER)
    assert acl is not None
    assert _grants(acl) == {(OTHER_ID, READ), (ALL_USERS, READ), (OTHER_ID, "WRITE_ACP")}
    assert acl_of_headers({}, OWNER) is None


@pytest.mark.parametrize(("headers", "error"), [
    ({"x-amz-acl": "public-read", "x-amz-grant-read": f"id={OTHER_ID}"},
     errors.InvalidRequest),
    ({"x-amz-acl": "everyone"}, errors.InvalidArgument),
    ({"x-amz-grant-read": 'id="not-a-canonical-id"'}, errors.InvalidArgument),
    ({"x-amz-grant-read": 'uri="http://example.com/group"'}, errors.InvalidArgument),
    ({"x-amz-grant-read": 'emailAddress="a@example.com"'},
     errors.UnresolvableGrantByEmailAddress),
    ({"x-amz-grant-read": "nonsense"}, errors.InvalidArgument),
    ({"x-amz-acl": "aws-exec-read"}, errors.S3NotImplemented),
])
def test_bad_acl_headers_get_s3s_errors(headers: dict, error: type) -> None:
    with pytest.raises(error):
        acl_of_headers(headers, OWNER)


def _policy(owner_id: str, grants: str) -> bytes:
    return (f"<AccessControlPolicy><Owner><ID>{owner_id}</ID></Owner>"
            f"<AccessControlList>{grants}</AccessControlList></AccessControlPolicy>").encode()


def _grant(kind: str, field: str, value: str, permission: str) -> str:
    return (f'<Grant><Grantee {XSI} xsi:type="{kind}"><{field}>{value}</{field}></Grantee>'
            f"<Permission>{permission}</Permission></Grant>")


def test_an_xml_policy_round_trips_through_the_response_form() -> None:
    body = _policy(OWNER.id, _grant("CanonicalUser", "ID", OTHER_ID, "READ")
                   + _grant("Group", "URI", ALL_USERS, "READ_ACP"))
    acl = acl_of_xml(body, OWNER)
    assert _grants(acl) == {(OTHER_ID, READ), (ALL_USERS, "READ_ACP")}
    assert acl_of_xml(acl_xml(acl).to_bytes(), OWNER) == acl
    etree.fromstring(acl_xml(acl).to_bytes())  # well-formed, namespaces declared


@pytest.mark.parametrize(("body", "error"), [
    (b"<AccessControlPolicy><nope/></AccessControlPolicy>", errors.MalformedACLError),
    (b"not xml", errors.MalformedACLError),
    (_policy(OTHER_ID, ""), errors.AccessDenied),
    (_policy(OWNER.id, _grant("CanonicalUser", "ID", OTHER_ID, "EVERYTHING")),
     errors.MalformedACLError),
    (_policy(OWNER.id, _grant("Group", "ID", OTHER_ID, "READ")), errors.MalformedACLError),
    (_policy(OWNER.id, _grant("AmazonCustomerByEmail", "EmailAddress", "a@b.c", "READ")),
     errors.UnresolvableGrantByEmailAddress),
    (_policy(OWNER.id, _grant("CanonicalUser", "ID", "bad", "READ")), errors.InvalidArgument),
])
def test_bad_xml_policies_get_s3s_errors(body: bytes, error: type) -> None:
    with pytest.raises(error):
        acl_of_xml(body, OWNER)
