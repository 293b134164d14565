"""Condition keys a bucket policy may test, spelled as AWS documents them.

Keys are case-insensitive in a policy; each is stored in its documented
spelling so evaluation is one dictionary lookup in ``PolicyRequest.conditions``.
Global keys (``aws:...``) are all accepted, since IAM accepts any; S3 keys
(``s3:...``) must be one S3 defines, else MalformedPolicy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from gateway.policy.malformed import INVALID_CONDITION_KEY, malformed

_S3_KEYS = tuple(f"s3:{name}" for name in """
AccessPointNetworkOrigin DataAccessPointAccount DataAccessPointArn LocationConstraint
ObjectCreationOperation RequestObjectTagKeys ResourceAccount TlsVersion VersionId authType
delimiter if-match if-none-match max-keys object-lock-legal-hold object-lock-mode
object-lock-remaining-retention-days object-lock-retain-until-date prefix signatureAge
signatureversion x-amz-acl x-amz-content-sha256 x-amz-copy-source x-amz-grant-full-control
x-amz-grant-read x-amz-grant-read-acp x-amz-grant-write x-amz-grant-write-acp
x-amz-metadata-directive x-amz-object-ownership x-amz-server-side-encryption
x-amz-server-side-encryption-aws-kms-key-id x-amz-server-side-encryption-customer-algorithm
x-amz-storage-class x-amz-website-redirect-location
""".split())

_AWS_KEYS = tuple(f"aws:{name}" for name in """
CalledVia CalledViaFirst CalledViaLast CurrentTime EpochTime FederatedProvider
MultiFactorAuthAge MultiFactorAuthPresent PrincipalAccount PrincipalArn PrincipalIsAWSService
PrincipalOrgID PrincipalOrgPaths PrincipalServiceName PrincipalServiceNamesList PrincipalType
Referer RequestedRegion ResourceAccount ResourceOrgID ResourceOrgPaths SecureTransport
SourceAccount SourceArn SourceIdentity SourceIp SourceOrgID SourceOrgPaths SourceOwner
SourceVpc SourceVpce TokenIssueTime UserAgent ViaAWSService VpcSourceIp userid username
""".split())

_KNOWN: Mapping[str, str] = MappingProxyType(
    {key.lower(): key for key in _S3_KEYS + _AWS_KEYS})

# Keys with a tag (or other) name after the slash; that part keeps its case.
_TAGGED = tuple(f"{prefix}/" for prefix in (
    "s3:ExistingObjectTag", "s3:RequestObjectTag", "s3:BucketTag", "aws:RequestTag",
    "aws:ResourceTag", "aws:PrincipalTag"))
_GLOBAL_NAME = re.compile(r"aws:[A-Za-z0-9]+")


def canonical_key(key: str) -> str:
    """``key`` in its documented spelling, or MalformedPolicy for an unknown one."""
    known = _KNOWN.get(key.lower())
    if known is not None:
        return known
    for prefix in _TAGGED:
        if key.lower().startswith(prefix.lower()) and len(key) > len(prefix):
            return prefix + key[len(prefix):]
    if _GLOBAL_NAME.fullmatch(key):
        return key
    raise malformed(INVALID_CONDITION_KEY)


def _for(actions: str, *keys: str) -> dict[str, frozenset[str]]:
    named = frozenset(f"s3:{action}" for action in actions.split())
    return {f"s3:{key}": named for key in keys}


_ACL_WRITES = "CreateBucket PutBucketAcl PutObject PutObjectAcl PutObjectVersionAcl"
_VERSION_ACTIONS = """GetObjectVersion GetObjectVersionAcl GetObjectVersionAttributes
GetObjectVersionTagging GetObjectVersionTorrent GetObjectVersionForReplication
DeleteObjectVersion DeleteObjectVersionTagging PutObjectVersionAcl PutObjectVersionTagging"""
# S3 keys that only some actions have (AWS's Service Authorization Reference); every
# other key (aws:*, s3:authType, s3:signatureversion, s3:x-amz-content-sha256...)
# applies to every action.
KEY_ACTIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    **_for("ListBucket ListBucketVersions", "prefix", "delimiter", "max-keys"),
    **_for(_VERSION_ACTIONS, "VersionId"),
    **_for(_ACL_WRITES, "x-amz-acl", "x-amz-grant-read", "x-amz-grant-write",
           "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"),
    **_for("PutObject", "x-amz-copy-source", "x-amz-metadata-directive",
           "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
           "x-amz-server-side-encryption-customer-algorithm", "x-amz-storage-class",
           "x-amz-website-redirect-location", "if-match", "if-none-match",
           "ObjectCreationOperation"),
    **_for("PutObject PutObjectTagging PutObjectVersionTagging", "RequestObjectTagKeys"),
    **_for("PutObject PutObjectRetention BypassGovernanceRetention", "object-lock-mode",
           "object-lock-retain-until-date", "object-lock-remaining-retention-days"),
    **_for("PutObject PutObjectLegalHold", "object-lock-legal-hold"),
    **_for("CreateBucket", "LocationConstraint"),
    **_for("CreateBucket PutBucketOwnershipControls", "x-amz-object-ownership"),
})
_REQUEST_TAG = "s3:RequestObjectTag/"


def actions_of_key(key: str) -> frozenset[str] | None:
    """The actions condition key ``key`` (documented spelling) applies to; ``None``: all."""
    if key.startswith(_REQUEST_TAG):
        return KEY_ACTIONS["s3:RequestObjectTagKeys"]
    return KEY_ACTIONS.get(key)
