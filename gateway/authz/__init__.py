"""Authorization: who is who, ACLs, and the one decision point.

``identity`` derives canonical user ids from accounts; ``acl`` is the ACL
model (canned ACLs, grant headers, ``AccessControlPolicy`` XML, the stored
form); ``decision`` is the pure function that combines bucket owner, bucket
ACL, object ACL and bucket policy into allow or deny; ``point`` applies it
to each request after authentication and routing.
"""
