"""The bar at the top: app, profile, and how each service's connection is doing."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STATE_STYLE = {
    "idle": ("○", "dim"),
    "connecting": ("◌", "yellow"),
    "reconnecting": ("◌", "yellow bold"),
    "ok": ("●", "green"),
    "error": ("✖", "red bold"),
}


class ConnectionBar(Static):
    DEFAULT_CSS = "ConnectionBar { height: 1; background: $panel; color: $text; padding: 0 1; }"

    def __init__(self, profile: str, services: list[tuple[str, str]], *, version: str = "", read_only: bool = False):
        super().__init__()
        self.read_only = read_only
        self.profile = profile
        self.version = version
        self.services = services
        self.states: dict[str, tuple[str, str]] = {kind: ("idle", "") for kind, _ in services}

    def set_state(self, kind: str, state: str, detail: str = "") -> None:
        self.states[kind] = (state, detail)
        self.refresh()
        self.tooltip = "\n".join(
            f"{title}: {self.states[k][0]} {self.states[k][1]}".rstrip() for k, title in self.services
        )

    def render(self) -> Text:
        """The fullest bar that fits: at 80 columns the version goes, then the details, then the titles shrink to
        their first letters; every service's state always shows."""
        width = self.size.width or 200
        for level in range(4):
            text = self.render_bar(level)
            if text.cell_len <= width:
                return text
        return text

    def render_bar(self, level: int = 0) -> Text:
        text = Text()
        text.append("servicedeck", style="bold")
        if self.version and level == 0:
            text.append(f" {self.version}", style="dim")
        text.append("  profile " if level < 2 else " ", style="dim")
        text.append(self.profile, style="bold cyan")
        if self.read_only:
            text.append(" READ-ONLY", style="bold red")
        for kind, title in self.services:
            state, detail = self.states.get(kind, ("idle", ""))
            icon, style = STATE_STYLE.get(state, ("?", ""))
            text.append("   " if level < 3 else "  ")
            text.append(icon, style=style)
            text.append(f" {title if level < 3 else title[:4]}")
            if state in ("error", "reconnecting") and detail and level < 2:
                text.append(f" ({detail[:40]})", style=style)
        return text

    def state_of(self, kind: str) -> str:
        return self.states.get(kind, ("idle", ""))[0]
