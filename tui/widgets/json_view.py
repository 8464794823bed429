"""Pygments-highlighted JSON (through Rich's Syntax), scrollable."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from rich.syntax import Syntax


def to_json_text(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    text: str = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    return text


def highlighted(value: Any, theme: str = "monokai") -> Syntax:
    from rich.syntax import Syntax  # with pygments, imported when something is first highlighted, not at start-up

    return Syntax(to_json_text(value), "json", theme=theme, word_wrap=True, background_color="default")


class JsonView(VerticalScroll):
    """Shows a value as highlighted JSON. `show(value)` replaces what is shown; `text` is what `copy` copies."""

    DEFAULT_CSS = """
    JsonView { height: 1fr; }
    JsonView > Static { width: 100%; }
    """

    def __init__(self, value: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._value = value
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="json-body")

    def on_mount(self) -> None:
        if self._value is not None:
            self.show(self._value)

    def show(self, value: Any) -> None:
        self._value = value
        self.text = to_json_text(value)
        self.query_one("#json-body", Static).update(highlighted(value))
        self.scroll_home(animate=False)
