"""`?`: every key of where you are and of the app, in one scrollable list you can search, as k9s and lazygit show it.

The list is taken from the bindings active when `?` was pressed (the focused widget, its pane, the app), so it is
always the truth, remapped keys included; typing narrows it to the keys whose name or description hold the words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static

Row = tuple[str, str, str]  # (where, keys, what it does)


def key_rows(screen: Screen[object], place: Callable[[object], str]) -> list[Row]:
    """Every described binding active on `screen`, one row per action and place (`place(node)` names where the
    binding lives: "everywhere" for the app), keys joined ("j, down")."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        rows.setdefault((place(active.node), binding.description), []).append(
            screen.app.get_key_display(binding) or key
        )
    return sorted(((where, ", ".join(dict.fromkeys(keys)), what) for (where, what), keys in rows.items()), key=_order)


def _order(row: Row) -> tuple[int, str, str]:
    return (row[0] == "everywhere", row[0], row[2].lower())


class KeysScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    KeysScreen { align: right top; }
    KeysScreen > Vertical {
        width: 64; max-width: 100%; height: 100%; border-left: thick $accent; background: $surface;
    }
    KeysScreen Input { margin: 0 1; }
    KeysScreen DataTable { height: 1fr; }
    KeysScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss", "Close", show=False),
        Binding("down", "to_list", "List", show=False),
    ]

    def __init__(self, rows: list[Row]):
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Keys", style="bold"), classes="hint")
            yield Input(placeholder="search keys and actions", id="keys-search")
            table: DataTable[str | Text] = DataTable(id="keys-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("where", "key", "what it does")
            yield table
            yield Static("type to search · ↑↓ pgup pgdn scroll · esc closes", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, words: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        wanted = words.lower().split()
        for where, keys, what in self.rows:
            text = f"{where} {keys} {what}".lower()
            if all(word in text for word in wanted):
                table.add_row(where, Text(keys, style="bold"), what)

    @on(Input.Changed, "#keys-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_to_list(self) -> None:
        self.query_one(DataTable).focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
