"""The service registry: each kind names its client, its pane and its sandbox by import path.

Adding a service is one folder under `tui/services/` plus one line in `SERVICES`. Import paths (not imports) keep
start-up fast and keep client code free of Textual: nothing here imports a pane until the app asks for it.

Contracts, by convention:
- client class: `Client.from_connection(connection, secret, *, exchange_log=None)`; `await client.check() -> str`
  (one line saying who we are signed in as, for "test connection"); `await client.aclose()`.
- pane class: a `tui.widgets.pane.ServicePane` subclass, built as `Pane(client, context)`.
- sandbox module: `create(ctx: tui.sandbox.SandboxContext) -> tui.sandbox.ServiceSandbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class ServiceKind:
    kind: str  # the key in a profile: [profiles.NAME.<kind>]
    product: str  # the service's own name, used in messages ("Nuxeo")
    title: str  # the pane's tab title ("Documents")
    key: str  # the digit that switches to the pane
    client_path: str
    pane_path: str
    sandbox_path: str
    default_url: str  # example URL shown in the profile editor
    username_label: str = "Username"
    secret_label: str = "Password"

    def client_class(self) -> Any:
        return _load(self.client_path)

    def pane_class(self) -> Any:
        return _load(self.pane_path)

    def sandbox_module(self) -> Any:
        return import_module(self.sandbox_path)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


SERVICES: dict[str, ServiceKind] = {
    s.kind: s
    for s in (
        ServiceKind(
            "nuxeo", "Nuxeo", "Documents", "1",
            "tui.services.nuxeo.client:NuxeoClient", "tui.services.nuxeo.pane:DocumentsPane", "tui.services.nuxeo.sandbox",
            "https://nuxeo.example.com/nuxeo",
        ),
        ServiceKind(
            "cerb", "Cerb", "Tickets", "2",
            "tui.services.cerb.client:CerbClient", "tui.services.cerb.pane:TicketsPane", "tui.services.cerb.sandbox",
            "https://cerb.example.com/rest/", username_label="Access key", secret_label="Secret",
        ),
        ServiceKind(
            "max", "MAX", "Activity", "3",
            "tui.services.max.client:MaxClient", "tui.services.max.pane:ActivityPane", "tui.services.max.sandbox",
            "https://max.example.com/max",
        ),
        ServiceKind(
            "openiap", "OpenIAP", "Queues", "4",
            "tui.services.openiap.client:OpenIAPClient", "tui.services.openiap.pane:QueuesPane", "tui.services.openiap.sandbox",
            "wss://app.openiap.io/ws/v2",
        ),
    )
}


def available(kind: str) -> bool:
    """Whether a service's code is present (a service under construction has no client module yet)."""
    from importlib.util import find_spec

    service = SERVICES[kind]
    try:
        return find_spec(service.client_path.partition(":")[0]) is not None
    except ModuleNotFoundError:
        return False
