"""ACLs as requests give them and responses show them.

A request sets an ACL in exactly one of three ways, checked as S3 checks them:
a canned ACL (``x-amz-acl``), grant headers (``x-amz-grant-*``), or, for
Put*Acl, an ``AccessControlPolicy`` XML body. Grantees are canonical users
(``id=``) or S3's groups (``uri=``); e-mail grantees name no account here
(``UnresolvableGrantByEmailAddress``, as S3 answers outside its e-mail regions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gateway import errors
from gateway.authz.acl import (
    CANNED_ACLS,
    CANONICAL_USER,
    GROUP,
    GROUPS,
    PERMISSIONS,
    Acl,
    Grant,
    Grantee,
    Owner,
    canned,
)
from gateway.authz.identity import is_canonical_id
from gateway.xml import XMLWriter, parse

GRANT_HEADERS = {
    "x-amz-grant-read": "READ", "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP", "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL"}
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_TYPE = f"{{{_XSI}}}type"
# One grantee of a grant header: ``id="..."``, ``uri="..."`` or ``emailAddress="..."``.
_GRANTEE = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(?:,|$)')


def has_acl_headers(headers: Mapping[str, str]) -> bool:
    return "x-amz-acl" in headers or any(name in headers for name in GRANT_HEADERS)


def acl_of_headers(headers: Mapping[str, str], owner: Owner,
                   bucket_owner: Owner | None = None) -> Acl | None:
    """The ACL a request's headers set, ``None`` when they set none."""
    canned_name = headers.get("x-amz-acl")
    grants = [grant for name, permission in GRANT_HEADERS.items() if name in headers
              for grant in _header_grants(name, headers[name], permission)]
    has_grant_header = any(name in headers for name in GRANT_HEADERS)
    if canned_name is not None and has_grant_header:
        raise errors.InvalidRequest(
            "Specifying both Canned ACLs and Header Grants is not allowed")
    if canned_name is not None:
        if canned_name not in CANNED_ACLS:
            raise errors.InvalidArgument(None, ArgumentName="x-amz-acl",
                                         ArgumentValue=canned_name)
        return canned(canned_name, owner, bucket_owner)
    if has_grant_header:
        return Acl(owner, tuple(grants))
    return None


def _header_grants(name: str, value: str, permission: str) -> list[Grant]:
    grants: list[Grant] = []
    position = 0
    value = value.strip()
    while position < len(value):
        match = _GRANTEE.match(value, position)
        if match is None or match.end() == position:
            raise errors.InvalidArgument(None, ArgumentName=name, ArgumentValue=value)
        kind, grantee = match.group(1), match.group(2) if match.group(2) is not None \
            else match.group(3)
        grants.append(Grant(_grantee(kind.lower(), grantee, name), permission))
        position = match.end()
    if not grants:
        raise errors.InvalidArgument(None, ArgumentName=name, ArgumentValue=value)
    return grants


def _grantee(kind: str, value: str, argument: str) -> Grantee:
    if kind == "id":
        if not is_canonical_id(value):
            raise errors.InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID",
                                         ArgumentValue=value)
        return Grantee(CANONICAL_USER, value)
    if kind == "uri":
        if value not in GROUPS:
            raise errors.InvalidArgument("Invalid group uri", ArgumentName="Group/URI",
                                         ArgumentValue=value)
        return Grantee(GROUP, value)
    if kind == "emailaddress":
        raise errors.UnresolvableGrantByEmailAddress(EmailAddress=value)
    raise errors.InvalidArgument(None, ArgumentName=argument, ArgumentValue=kind)


def acl_of_xml(body: bytes, owner: Owner) -> Acl:
    """The ACL of an ``AccessControlPolicy`` body for a resource owned by ``owner``."""
    try:
        root = parse(body, "AccessControlPolicy")
    except errors.MalformedXML:
        raise errors.MalformedACLError() from None
    owner_id = root.findtext("Owner/ID")
    if owner_id is None:
        raise errors.MalformedACLError()
    if owner_id.strip() != owner.id:  # S3: nobody can hand a resource to another owner
        raise errors.AccessDenied()
    grants: list[Grant] = []
    for element in root.iterfind("AccessControlList/Grant"):
        permission = (element.findtext("Permission") or "").strip()
        if permission not in PERMISSIONS:
            raise errors.MalformedACLError()
        grants.append(Grant(_xml_grantee(element.find("Grantee")), permission))
    return Acl(owner, tuple(grants))


def _xml_grantee(element) -> Grantee:
    kind = element.get(_XSI_TYPE)
    fields = {name: (element.findtext(name) or "").strip()
              for name in ("ID", "URI", "EmailAddress") if element.find(name) is not None}
    expected = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
    if kind not in expected or list(fields) != [expected[kind]]:
        raise errors.MalformedACLError()
    return _grantee(expected[kind].lower(), fields[expected[kind]], "Grantee")


def acl_xml(acl: Acl) -> XMLWriter:
    """GetBucketAcl/GetObjectAcl's ``AccessControlPolicy``."""
    doc = XMLWriter("AccessControlPolicy")
    doc.start("Owner").element("ID", acl.owner.id)
    if acl.owner.name:
        doc.element("DisplayName", acl.owner.name)
    doc.end("Owner").start("AccessControlList")
    for grant in acl.grants:
        grantee = grant.grantee
        doc.start("Grant")
        doc.start(f'Grantee xmlns:xsi="{_XSI}" xsi:type="{grantee.kind}"')
        if grantee.kind == GROUP:
            doc.element("URI", grantee.value)
        else:
            doc.element("ID", grantee.value)
            if grantee.name:
                doc.element("DisplayName", grantee.name)
        doc.end("Grantee").element("Permission", grant.permission).end("Grant")
    doc.end("AccessControlList")
    return doc
