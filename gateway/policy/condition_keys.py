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
