"""The footer of keys, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds every key widget on each bindings update, and focus moving inside a pane sends many
    of those (measured: a third of start-up). The keys on show rarely change, so compare before rebuilding."""

    _shown: tuple[tuple[str, str, bool, str], ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)
