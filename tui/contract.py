"""What every service client offers the app, whatever its protocol: build, check, close, and say how it is doing.

Clients are plain classes (no Textual); they satisfy `ServiceClient` by shape. The app, the profile editor, the CLI
and the registry speak to a client only through this contract; a pane knows its own client's full type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from tui.http import ExchangeLog
    from tui.profiles import Connection


class ServiceClient(Protocol):
    @classmethod
    def from_connection(cls, connection: Connection, secret: str, *, exchange_log: ExchangeLog | None = None) -> Self:
        """A client for one profile connection; `secret` is already resolved (password, key secret or token)."""
        ...

    async def check(self) -> str:
        """Sign in and say as whom, in one line ("Signed in as alice on Nuxeo 2023.12"); raises `ServiceError`."""
        ...

    async def aclose(self) -> None:
        """Release sockets and background tasks; safe to call twice."""
        ...

    def forbid_writes(self) -> None:
        """Read-only from now on (it cannot be undone): a call that would change something on the server raises
        `ReadOnlyError` without sending anything."""
        ...

    def on_state(self, listener: Callable[[str, str], None]) -> Callable[[], None]:
        """Call `listener(state, detail)` when the connection's state changes; returns a function that unsubscribes.

        HTTP clients say "ok" when the server answers and "error" when it cannot be reached; a client that keeps a
        connection open (OpenIAP) says "connecting", "connected", "reconnecting" and "disconnected"."""
        ...
