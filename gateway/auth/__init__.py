"""S3 request authentication (SigV4, SigV2); bodies are verified by ``gateway.body``."""

from gateway.auth.authenticate import AuthResult, AuthSettings, authenticate

__all__ = ["AuthResult", "AuthSettings", "authenticate"]
