"""MAX's reply shapes that every route shares: the error document, HEAD counts, and the wrapper that turns any
failure inside a route into MAX's error document (the one place `BadRequest` from the common helpers is mapped)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.common import BadRequest, json_reply

Endpoint = Callable[[Request], Awaitable[Response]]


class MaxError(Exception):
    """Raised inside a route or the store; becomes MAX's error document with its status."""

    def __init__(self, status: int, name: str, description: str):
        super().__init__(description)
        self.status, self.name, self.description = status, name, description

    def response(self) -> Response:
        return json_reply(
            {"objectType": "error", "error": self.name, "error_description": self.description}, status=self.status
        )


def not_found(what: str) -> MaxError:
    return MaxError(404, "ObjectNotFound", what)


def forbidden(why: str) -> MaxError:
    return MaxError(403, "Forbidden", why)


def guarded(route: Endpoint) -> Endpoint:
    """Wrap a route: whatever goes wrong, MAX answers its own error shape, never a bare 500 page."""

    async def endpoint(request: Request) -> Response:
        try:
            return await route(request)
        except MaxError as exc:
            return exc.response()
        except BadRequest as exc:  # a malformed body or parameter, found by the shared helpers
            return MaxError(400, "ValidationError", exc.message).response()
        except (ValueError, TypeError, KeyError) as exc:  # a malformed request the checks did not foresee
            return MaxError(400, "ValidationError", f"Invalid request: {exc}").response()
        except Exception as exc:  # MAX answers its own error shape even when it breaks
            return MaxError(500, "ServerError", f"{type(exc).__name__}: {exc}").response()

    return endpoint


def counted(total: int) -> Response:
    """A HEAD on a collection: no body, the size in `X-totalItems`."""
    return Response(status_code=200, headers={"X-totalItems": str(total)})


def reply(body: Any, status: int = 200) -> Response:
    return json_reply(body, status=status)


def object_content(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The `object` of a posted activity, comment or message and its non-empty `content`, or MAX's validation error."""
    obj = body.get("object")
    if not isinstance(obj, dict):
        raise MaxError(400, "MissingField", "Required field object not found in the request.")
    content = obj.get("content")
    if not isinstance(content, str) or not content.strip():
        raise MaxError(400, "ValidationError", "Validation failed for field content: it can't be empty.")
    return obj, content
