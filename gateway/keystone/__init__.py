"""Keystone (identity v3): one client for the gateway's service identities,
EC2 credential lookups, s3tokens validation and token validation."""
