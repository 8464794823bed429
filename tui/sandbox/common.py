"""Helpers every service's sandbox shares: request bodies and parameters, ISO dates, JSON replies.

A malformed request raises `BadRequest`; each service's server turns it into its own error shape (Nuxeo's exception
entity, Cerb's `__status: error`, MAX's error document), so the texts stay the same across services.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response


class BadRequest(Exception):
    """The client sent something the service would refuse with HTTP 400."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is an empty object."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form body (blank values kept); parsed here so the sandbox needs no multipart library."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


def int_param(value: Any, name: str, default: int) -> int:
    """A whole-number parameter; missing or empty gives `default`."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"The parameter '{name}' must be a number, not {value!r}.") from None


def iso_utc(moment: datetime | float, timespec: str = "milliseconds") -> str:
    """`2026-11-30T06:24:24.123Z` (or to the second with timespec="seconds"), from a datetime or a Unix time."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, tz=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware datetime (naive ones are UTC); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response as the real services send it: UTF-8, non-ASCII characters kept as they are."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def base_url(request: Request) -> str:
    """`http://127.0.0.1:8470`: where the client reached us, for links in replies."""
    return f"{request.url.scheme}://{request.url.netloc}"
