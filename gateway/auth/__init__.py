"""S3 request authentication (SigV4, SigV2) and signed-payload verification."""

from gateway.auth.authenticate import AuthResult, AuthSettings, authenticate
from gateway.auth.payload import verified_body

__all__ = ["AuthResult", "AuthSettings", "authenticate", "verified_body"]
