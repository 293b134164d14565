"""The four OS-EC2 operations, with Keystone's bodies and status codes.

``POST`` creates a key (201), ``GET`` lists a user's keys or shows one (200),
``DELETE`` removes one (204). Keys are Keystone-shaped (32 hex digits each);
an access key that is not the user's is "EC2 access key not found." (401), as
Keystone answers for an unknown one. Under ``/v3`` every credential carries
``links.self`` and a list the collection's ``links``, as Keystone's v3 wraps
them; the v2.0 spelling has no links (Keystone's v2.0 controller had none).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from gateway.credentials.base import ManagedCredentialStore, StoredCredential
from gateway.identity_api.errors import BadRequest, Forbidden, NotFound, Unauthorized
from gateway.identity_api.tokens import Access, TokenValidator

STORE = web.AppKey("identity_credentials", ManagedCredentialStore)
VALIDATOR = web.AppKey("identity_token_validator", TokenValidator)
RESELLER_PREFIX = web.AppKey("identity_reseller_prefix", str)

KEY_NOT_FOUND = "EC2 access key not found."


V3_PREFIX = "/v3"


def _credential_body(request: web.Request, cred: StoredCredential) -> dict[str, Any]:
    """Keystone's ``credential`` document, with its ``links`` under ``/v3``."""
    body: dict[str, Any] = {
        "user_id": cred.user_id,
        "tenant_id": cred.account.removeprefix(request.app[RESELLER_PREFIX]),
        "access": cred.access_key, "secret": cred.secret_key, "trust_id": None}
    if request.path.startswith(V3_PREFIX + "/"):
        body["links"] = {"self": f"{request.url.origin()}{V3_PREFIX}/users/"
                                 f"{cred.user_id}/credentials/OS-EC2/{cred.access_key}"}
    return body


async def _authorize(request: web.Request, action: str, account: str | None) -> str:
    """The path's user id, once the caller's token may act as that user (and on
    ``account``); else Keystone's 401 or 403."""
    user_id = request.match_info["user_id"]
    token = request.headers.get("X-Auth-Token", "")
    access = await request.app[VALIDATOR].authorize(token, user_id, account)
    if access is Access.INVALID_TOKEN:
        raise Unauthorized()
    if access is Access.FORBIDDEN:
        raise Forbidden(f"identity:{action}")
    return user_id


async def _users_key(request: web.Request, action: str) -> StoredCredential:
    """The credential the path names, if the caller may see it."""
    user_id = await _authorize(request, action, None)
    cred = await request.app[STORE].get_credential(request.match_info["access"])
    if cred is None or cred.user_id != user_id:
        raise Unauthorized(KEY_NOT_FOUND)
    await _authorize(request, action, cred.account)
    return cred


async def list_credentials(request: web.Request) -> web.Response:
    """``GET .../OS-EC2``: the user's keys, secrets included (as Keystone lists them)."""
    user_id = await _authorize(request, "ec2_list_credentials", None)
    mine = [c for c in await request.app[STORE].list_credentials() if c.user_id == user_id]
    allowed = []
    for cred in mine:  # a key of an account the token no longer reaches stays hidden
        access = await request.app[VALIDATOR].authorize(
            request.headers.get("X-Auth-Token", ""), user_id, cred.account)
        if access is Access.ALLOWED:
            allowed.append(_credential_body(request, cred))
    body: dict[str, Any] = {"credentials": allowed}
    if request.path.startswith(V3_PREFIX + "/"):
        body["links"] = {"self": str(request.url), "previous": None, "next": None}
    return web.json_response(body)


async def create_credential(request: web.Request) -> web.Response:
    """``POST .../OS-EC2`` with ``{"tenant_id": ...}``: a new key pair for that account.

    The token is checked first, as Keystone's middleware does, then the body."""
    await _authorize(request, "ec2_create_credential", None)
    try:
        document = json.loads(await request.read() or b"{}")
    except ValueError:
        raise BadRequest("Expecting a JSON request body.") from None
    tenant_id = document.get("tenant_id") if isinstance(document, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id or "/" in tenant_id:
        raise NotFound(f"Could not find project: {tenant_id}.")
    account = request.app[RESELLER_PREFIX] + tenant_id
    user_id = await _authorize(request, "ec2_create_credential", account)
    try:
        cred = await request.app[STORE].create_credential(
            uuid.uuid4().hex, uuid.uuid4().hex, account, user_id)
    except ValueError:
        raise NotFound(f"Could not find project: {tenant_id}.") from None
    return web.json_response({"credential": _credential_body(request, cred)}, status=201)


async def get_credential(request: web.Request) -> web.Response:
    """``GET .../OS-EC2/{access}``."""
    cred = await _users_key(request, "ec2_get_credential")
    return web.json_response({"credential": _credential_body(request, cred)})


async def delete_credential(request: web.Request) -> web.Response:
    """``DELETE .../OS-EC2/{access}``: 204; the key stops working at once here,
    on other replicas within their cache time."""
    cred = await _users_key(request, "ec2_delete_credential")
    if not await request.app[STORE].delete_credential(cred.access_key):
        raise Unauthorized(KEY_NOT_FOUND)
    return web.Response(status=204)
