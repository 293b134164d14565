"""Bucket policies: parse and validate (``parse_policy``), evaluate per request
(``BucketPolicy.evaluate``), and tell whether one is public (``is_public``).

Which IAM action each named S3 operation needs is ``actions.ACTIONS``. The
authorization point (ACLs and policy combined) lives elsewhere and calls these.
"""

from gateway.policy.document import MAX_POLICY_BYTES, BucketPolicy, Decision, parse_policy
from gateway.policy.public import is_public
from gateway.policy.request import PolicyRequest, bucket_arn, object_arn

__all__ = ["MAX_POLICY_BYTES", "BucketPolicy", "Decision", "PolicyRequest", "bucket_arn",
           "is_public", "object_arn", "parse_policy"]
