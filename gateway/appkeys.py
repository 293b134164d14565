"""Typed keys for what the application shares between requests."""

from __future__ import annotations

from aiohttp import web

from gateway.auth.authenticate import AuthSettings
from gateway.authz.cache import BucketAccessCache
from gateway.authz.policy_port import PolicyPort
from gateway.config import GatewayConfig
from gateway.credentials.base import CredentialStore
from gateway.keystone.client import KeystoneClient
from gateway.storage.base import Store
from gateway.swift.client import SwiftClient

CONFIG = web.AppKey("config", GatewayConfig)
CREDENTIALS = web.AppKey("credentials", CredentialStore)
AUTH_SETTINGS = web.AppKey("auth_settings", AuthSettings)
SWIFT = web.AppKey("swift", SwiftClient)
STORE = web.AppKey("store", Store)
BUCKET_ACCESS = web.AppKey("bucket_access", BucketAccessCache)
POLICY_PORT = web.AppKey("policy_port", PolicyPort)
# Set only where something uses Keystone (credentials, OS-EC2 tokens, Swift identity).
KEYSTONE = web.AppKey("keystone", KeystoneClient)
