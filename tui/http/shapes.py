"""Checking the shape of what a server sent, so a surprise becomes a `ProtocolError` instead of a crash.

Clients describe a reply as `msgspec.Struct`s (or dataclasses, lists, dicts of them) and call `expect`: a `null` where
an object belongs, a list instead of an object, a missing id or a number out of range fails in one place, with a
sentence that names the request and what was wrong ("…: expected `str`, got `int` at `$.entries[0].uid`").
Unknown keys are ignored and strings holding numbers are accepted (`strict=False`): real servers vary in both.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from tui.http.errors import ProtocolError

T = TypeVar("T")


def expect(value: Any, shape: type[T], *, service: str, what: str) -> T:
    """`value` (decoded JSON) as `shape`, or a `ProtocolError` naming `what` was asked ("GET path/default-domain")."""
    try:
        return msgspec.convert(value, shape, strict=False)
    except msgspec.ValidationError as exc:
        detail = str(exc).replace(" - at ", " at ")
        raise ProtocolError(
            f"{service} answered {what} with data of an unexpected shape: {detail[:1].lower()}{detail[1:]}.",
            service=service,
        ) from None
