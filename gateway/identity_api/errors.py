"""Keystone's error bodies: ``{"error": {"code", "title", "message"}}``, one class per status."""

from __future__ import annotations

import json

from aiohttp import web


class IdentityError(Exception):
    """An answer Keystone would give; ``message`` is shown to the client."""

    status = 500
    title = "Internal Server Error"
    default_message = "An unexpected error prevented the server from fulfilling your request."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message

    def response(self) -> web.Response:
        body = {"error": {"code": self.status, "title": self.title, "message": self.message}}
        return web.Response(status=self.status, content_type="application/json",
                            text=json.dumps(body))


class BadRequest(IdentityError):
    status = 400
    title = "Bad Request"
    default_message = "The request body is not valid."


class Unauthorized(IdentityError):
    status = 401
    title = "Unauthorized"
    default_message = "The request you have made requires authentication."


class Forbidden(IdentityError):
    status = 403
    title = "Forbidden"

    def __init__(self, action: str) -> None:
        super().__init__(f"You are not authorized to perform the requested action: {action}.")


class NotFound(IdentityError):
    status = 404
    title = "Not Found"
    default_message = "The resource could not be found."


class MethodNotAllowed(IdentityError):
    status = 405
    title = "Method Not Allowed"
    default_message = "The method is not allowed for the requested URL."


class ServiceUnavailable(IdentityError):
    status = 503
    title = "Service Unavailable"
    default_message = "The service is temporarily unavailable; try again."
