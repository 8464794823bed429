"""The command palette's own commands: switch pane, each pane's own commands (even before the pane is built), switch
profile, reload, edit the profile, export, read-only."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from functools import partial
from typing import Any, Protocol

from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider

from tui.profiles import Profile
from tui.services import SERVICES


class PaletteHost(Protocol):
    """What the palette asks of the app (the app module imports this one, not the other way round)."""

    profile: Profile

    @property
    def read_only(self) -> bool: ...

    def show_pane(self, kind: str) -> None: ...

    def action_reload(self) -> None: ...

    def action_edit_profile(self, kind: str | None = None, intro: str = "") -> None: ...

    def action_export(self) -> None: ...

    def action_read_only(self) -> None: ...

    def profile_names(self) -> list[str]: ...

    def switch_profile(self, name: str, profile: Profile | None = None) -> Any: ...

    def open_pane_action(self, kind: str, action: str) -> Awaitable[None]: ...


class ServiceDeckCommands(Provider):
    """Palette commands: switch pane, each pane's own commands, switch profile, reload, exchanges, profiles."""

    def _commands(self) -> list[tuple[str, Any, str]]:
        app: PaletteHost = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Any, str]] = []
        for service in SERVICES.values():
            commands.append(
                (
                    f"Show {service.title} ({service.product})",
                    partial(app.show_pane, service.kind),
                    self._with_key(f"Switch to the {service.title} pane", f"show_pane('{service.kind}')"),
                )
            )
        commands.append(
            (
                "Show exchanges",
                partial(app.show_pane, "exchanges"),
                self._with_key("Every request and response, secrets redacted", "show_pane('exchanges')"),
            )
        )
        commands.append(
            ("Reload pane", app.action_reload, self._with_key("Load the current pane again from the server", "reload"))
        )
        commands.append(
            (
                "Edit profile",
                app.action_edit_profile,
                self._with_key("Connections of the current profile, with test connection", "edit_profile"),
            )
        )
        commands.append(
            ("Export the current view", app.action_export, self._with_key("To JSON lines or CSV", "export"))
        )
        if not app.read_only:
            commands.append(
                (
                    "Read-only mode: on",
                    app.action_read_only,
                    "Change nothing on any server from now on (stays on until servicedeck restarts)",
                )
            )
        for name in app.profile_names():
            if name != app.profile.name:
                commands.append(
                    (f"Switch profile: {name}", partial(app.switch_profile, name), "Open the app on another profile")
                )
        for service in SERVICES.values():
            if app.profile.connection(service.kind) is None:
                continue
            pane_class = service.pane_class()
            for title, action in pane_class.COMMANDS:
                key = self._key_of(action, pane_class.BINDINGS)
                where = f"{service.title} pane" + (f" · key {key}" if key else "")
                commands.append((title, partial(app.open_pane_action, service.kind, action), where))
        return commands

    def _key_of(self, action: str, bindings: Iterable[BindingType] = ()) -> str:
        """The key that does `action` now (remapped keys included), as the footer would show it; "" if none."""
        for active in self.screen.active_bindings.values():  # the screen the palette was opened on
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        for binding in bindings:
            if isinstance(binding, Binding) and binding.action == action:
                return self.app.get_key_display(binding)
        return ""

    def _with_key(self, help_text: str, action: str) -> str:
        key = self._key_of(action)
        return f"{help_text} · key {key}" if key else help_text

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield Hit(1.0, title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
