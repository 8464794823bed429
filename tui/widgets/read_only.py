"""Read-only mode on the screen: the keys that would change something on a server are neither shown nor run.

Any widget or screen that has such keys mixes in `GuardsWrites` and names them in `WRITE_ACTIONS`; Textual asks
`check_action` before it shows a binding in the footer or the keys list and before it runs one. (The clients refuse
to send a change in that mode too, so a path that no key guards still changes nothing.)
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from textual.app import App

READ_ONLY_SENTENCE = "Read-only: servicedeck changes nothing on the servers in this mode."


@runtime_checkable
class ReadOnlySwitch(Protocol):
    @property
    def read_only(self) -> bool: ...


def writes_forbidden(app: App[object]) -> bool:
    return isinstance(app, ReadOnlySwitch) and app.read_only


class GuardsWrites:
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    app: App[object]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Textual asks before it shows or runs a binding: in read-only mode the writing ones are neither."""
        return not (action in self.WRITE_ACTIONS and writes_forbidden(self.app))
