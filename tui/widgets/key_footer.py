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
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown and self.children:
            return
        self._shown = shown
        super().bindings_changed(screen)
