"""The footer of keys: rebuilt only when the keys it shows change, and out of sight while a dialog is up."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds every key widget on each bindings update, and focus moving inside a pane sends many
    of those (measured: a third of start-up). The keys on show rarely change, so compare before rebuilding.

    A dialog on top of the main screen lets the main screen show through, footer included: those would be the pane's
    keys, which do nothing while the dialog is up. So the footer steps aside until its screen is on top again (the
    shared dialogs bring a footer of their own)."""

    _shown: tuple[tuple[str, str, bool, str], ...] | None = None
    _rebuild_queued = False

    def on_mount(self) -> None:
        super().on_mount()
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        super().on_unmount()
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen[object]) -> None:
        if self.is_attached:
            self.display = screen is self.screen

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild once for any number of changes before the next refresh: start-up sends several (focus, the first
        pane mounting, the tree getting its root) before the first rebuild has run, and Textual's Footer would rebuild
        for each of them. The rebuild reads the bindings of that moment, so the last change is always the one shown."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown:
            return
        self._shown = shown
        if not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        await self.recompose()
