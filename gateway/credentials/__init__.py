"""Credential stores: where an access key's secret and Swift account come from."""

from gateway.credentials.base import Credential, CredentialStore

__all__ = ["Credential", "CredentialStore"]
