"""The service registry: each kind names its client and its pane by import path.

Adding a service is one folder under `tui/services/` (client side) with its entry in `SERVICES`, and one folder under
`tui/sandbox/` (server imitation) with its entry in `tui.sandbox.host.SANDBOXES`. Import paths (not imports) keep
start-up fast and keep client code free of Textual: nothing here imports a pane until the app asks for it. A module
that fails to import raises: a missing dependency is reported by its name, never mistaken for a missing service.

The contract every client offers the app is `ServiceClient` (`tui.contract`); every pane is a
`tui.widgets.pane.ServicePane` built as `Pane(client, context)`. A pane whose first screen needs the same requests
every time names them in `first_screen_path`: an async function of the client, free of Textual, that the app has sent
(from a helper process, `tui.first_answers`) before the pane exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from tui.contract import ServiceClient

if TYPE_CHECKING:
    from tui.widgets.pane import ServicePane


@dataclass(frozen=True)
class ServiceKind:
    kind: str  # the key in a profile: [profiles.NAME.<kind>]
    product: str  # the service's own name, used in messages ("Nuxeo")
    title: str  # the pane's tab title ("Documents")
    key: str  # the digit that switches to the pane
    client_path: str
    pane_path: str
    default_url: str  # example URL shown in the profile editor
    username_label: str = "Username"
    secret_label: str = "Password"
    first_screen_path: str = ""  # "module:function", the requests of the pane's first screen; "" when it has none

    def client_class(self) -> type[ServiceClient]:
        return cast("type[ServiceClient]", _load(self.client_path))

    def first_screen(self) -> Callable[[Any], Awaitable[Any]] | None:
        """The async function of a client that fetches what the pane shows first, or None."""
        if not self.first_screen_path:
            return None
        return cast("Callable[[Any], Awaitable[Any]]", _load(self.first_screen_path))

    def pane_class(self) -> type[ServicePane[Any]]:
        return cast("type[ServicePane[Any]]", _load(self.pane_path))


def _load(path: str) -> object:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


SERVICES: dict[str, ServiceKind] = {
    s.kind: s
    for s in (
        ServiceKind(
            kind="nuxeo",
            product="Nuxeo",
            title="Documents",
            key="1",
            client_path="tui.services.nuxeo.client:NuxeoClient",
            pane_path="tui.services.nuxeo.pane:DocumentsPane",
            default_url="https://nuxeo.example.com/nuxeo",
            first_screen_path="tui.services.nuxeo.first_screen:root_and_first_page",
        ),
        ServiceKind(
            kind="cerb",
            product="Cerb",
            title="Tickets",
            key="2",
            client_path="tui.services.cerb.client:CerbClient",
            pane_path="tui.services.cerb.pane:TicketsPane",
            default_url="https://cerb.example.com/rest/",
            first_screen_path="tui.services.cerb.first_screen:first_page",
            username_label="Access key",
            secret_label="Secret",
        ),
        ServiceKind(
            kind="max",
            product="MAX",
            title="Activity",
            key="3",
            client_path="tui.services.max.client:MaxClient",
            pane_path="tui.services.max.pane:ActivityPane",
            default_url="https://max.example.com/max",
        ),
        ServiceKind(
            kind="openiap",
            product="OpenIAP",
            title="Queues",
            key="4",
            client_path="tui.services.openiap.client:OpenIAPClient",
            pane_path="tui.services.openiap.pane:QueuesPane",
            default_url="wss://app.openiap.io/ws/v2",
        ),
    )
}
