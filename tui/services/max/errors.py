"""MAX's errors: `{"objectType": "error", "error": "<Name>", "error_description": "..."}` as a `ServiceError`."""

from __future__ import annotations

import httpx
import msgspec

from tui.http import AuthError, ServiceError, error_for_status
from tui.services.max.wire import SERVICE, ErrorWire


def error_from_response(response: httpx.Response) -> ServiceError | None:
    """The error MAX describes in its own shape, or None to let the generic mapping say what came."""
    if response.status_code < 400:
        return None
    try:
        doc = msgspec.json.decode(response.content, type=ErrorWire, strict=False)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # not MAX's shape: the generic mapping says what it was
    if not (doc.error or doc.error_description):
        return None
    name = doc.error or ""
    description = (doc.error_description or name).strip()
    if description and description[-1] not in ".!?":
        description += "."
    cls = error_for_status(response.status_code)
    if response.status_code == 401:
        return AuthError(f"MAX did not accept the sign-in: {description}", status=401, service=SERVICE)
    if response.status_code == 403:
        return AuthError(
            f"MAX refused: {description}",
            status=403,
            service=SERVICE,
            hint="You are signed in but not allowed to do that.",
        )
    return cls(f"MAX: {description}", status=response.status_code, service=SERVICE)
