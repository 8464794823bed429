"""The line at the top of the Queues pane: connection state, who is signed in, the server, the keys."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STATE_LOOK = {
    "connected": ("●", "green", "connected"),
    "connecting": ("◌", "yellow", "connecting…"),
    "reconnecting": ("◌", "yellow", "connection lost, reconnecting…"),
    "disconnected": ("○", "red", "disconnected"),
}
KEYS_HINT = "   a queue · w watch · i work items · b collections · p publish · / filter · space pause"


def describe_connection(state: str, detail: str, signed_in_as: str, url: str) -> Text:
    icon, color, label = STATE_LOOK.get(state, ("○", "red", state))
    text = Text()
    text.append(f"{icon} {label}", style=f"bold {color}")
    if state == "connected" and signed_in_as:
        text.append(f" as {signed_in_as}", style=color)
    if detail and state != "connected":
        text.append(f"  {detail}", style="dim")
    if url:
        text.append(f"  {url}", style="dim")
    text.append(KEYS_HINT, style="dim italic")
    return text


class ConnectionLine(Static):
    """Not named ConnectionBar: the app finds its own bar by that name (a query by type matches by class name)."""

    def show_state(self, state: str, detail: str, signed_in_as: str, url: str) -> None:
        self.update(describe_connection(state, detail, signed_in_as, url))
