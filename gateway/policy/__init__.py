"""Bucket policies: parse and validate (``parse_policy``), evaluate per request
(``BucketPolicy.evaluate``), and tell whether one is public (``is_public``).

How the authorization point uses it: parse a bucket's stored ``policy``
document once and keep the ``BucketPolicy`` with the document (it is
immutable); per request build a ``PolicyRequest`` with the caller's account and
canonical id (``None`` for anonymous), the operation's IAM action
(``actions.ACTIONS[req.operation]``), the ARN (``bucket_arn``/``object_arn``)
and ``context.request_conditions(req)``; ``evaluate`` answers ``deny`` (wins
over any ACL grant), ``allow`` or ``default`` (the ACLs decide). The owner
keeps ``actions.OWNER_ALWAYS_ALLOWED`` whatever the policy says.
``ownership`` and ``access_block`` read the ownership-controls and
public-access-block documents.
"""

from gateway.policy.document import MAX_POLICY_BYTES, BucketPolicy, Decision, parse_policy
from gateway.policy.public import is_public
from gateway.policy.request import PolicyRequest, bucket_arn, object_arn

__all__ = ["MAX_POLICY_BYTES", "BucketPolicy", "Decision", "PolicyRequest", "bucket_arn",
           "is_public", "object_arn", "parse_policy"]
