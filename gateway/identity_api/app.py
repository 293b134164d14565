"""The OS-EC2 API application: Keystone's v3 and v2.0 paths, errors as Keystone's JSON."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.credentials.base import ManagedCredentialStore
from gateway.identity_api import ec2
from gateway.identity_api.errors import (
    IdentityError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from gateway.identity_api.tokens import TokenValidator
from gateway.storage.errors import StoreError

log = logging.getLogger("gateway")

# Keystone's v3 path, and the v2.0 one a provider documents under /identity.
PREFIXES = (ec2.V3_PREFIX, "/identity/v2.0")


@web.middleware
async def keystone_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as Keystone's JSON error; a 401 names where to authenticate."""
    try:
        return await handler(request)
    except IdentityError as exc:
        error = exc
    except web.HTTPNotFound:
        error = NotFound()
    except web.HTTPMethodNotAllowed:
        error = MethodNotAllowed()
    except web.HTTPException as exc:  # aiohttp's own refusals, e.g. 413 for a huge body
        error = IdentityError(exc.reason)
        error.status, error.title = exc.status, exc.reason
    except StoreError as exc:
        log.warning("OS-EC2 %s %s: the credential store or Swift failed: %s",
                    request.method, request.path, exc)
        error = ServiceUnavailable()
    except Exception:
        log.exception("OS-EC2 %s %s failed", request.method, request.path)
        error = IdentityError()
    response = error.response()
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = f'Keystone uri="{request.url.origin()}"'
    return response


def create_identity_app(store: ManagedCredentialStore, validator: TokenValidator,
                        reseller_prefix: str) -> web.Application:
    """The API on ``store``; ``validator`` decides what each token may do."""
    app = web.Application(middlewares=[keystone_errors])
    app[ec2.STORE] = store
    app[ec2.VALIDATOR] = validator
    app[ec2.RESELLER_PREFIX] = reseller_prefix
    for prefix in PREFIXES:
        collection = prefix + "/users/{user_id}/credentials/OS-EC2"
        member = collection + "/{access}"
        head = prefix == ec2.V3_PREFIX  # Keystone's v3 answers HEAD as GET; its v2.0 did not
        app.router.add_get(collection, ec2.list_credentials, allow_head=head)
        app.router.add_post(collection, ec2.create_credential)
        app.router.add_get(member, ec2.get_credential, allow_head=head)
        app.router.add_delete(member, ec2.delete_credential)
    return app
