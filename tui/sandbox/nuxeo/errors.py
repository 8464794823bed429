"""Nuxeo's error reply, `{"entity-type": "exception", "status", "message"}`, and the exception that produces it."""

from __future__ import annotations

from starlette.responses import JSONResponse


class NuxeoHTTPError(Exception):
    """An error the sandbox answers as Nuxeo does (see `error_response`)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Nuxeo"'} if status == 401 else None
    return JSONResponse(
        {"entity-type": "exception", "status": status, "message": message}, status_code=status, headers=headers
    )
