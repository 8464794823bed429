"""Automation operations: picking one of the server's operations, its parameters as a form, and its result."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.nuxeo.dialogs.edit import field_name
from tui.services.nuxeo.models import Operation
from tui.services.nuxeo.render import operation_details
from tui.widgets.dialogs import DIALOG_CSS, Field
from tui.widgets.json_view import JsonView


class OperationDialog(ModalScreen[Operation | None]):
    """Pick one of the server's automation operations: type to filter, see its description and parameters."""

    DEFAULT_CSS = (
        "OperationDialog { align: center middle; }\n"
        + DIALOG_CSS
        + """
    OperationDialog .dialog { height: 90%; max-width: 130; }
    OperationDialog #op-body { height: 1fr; }
    OperationDialog #op-list { width: 45%; height: 1fr; }
    OperationDialog #op-details { width: 1fr; height: 1fr; padding: 0 1; overflow-y: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Close")]

    def __init__(self, operations: list[Operation], target: str = ""):
        super().__init__()
        self.operations = sorted(operations, key=lambda op: (op.category or "", op.id))
        self.target = target
        self.shown: list[Operation] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            on_what = f" on {self.target}" if self.target else ""
            yield Static(f"Run an automation operation{on_what}", classes="title", markup=False)
            yield Input(placeholder="Filter by id, label, category or alias", id="op-filter")
            with Horizontal(id="op-body"):
                yield OptionList(id="op-list")
                yield Static("", id="op-details")

    def on_mount(self) -> None:
        self._filter("")
        self.query_one("#op-filter", Input).focus()

    @on(Input.Changed, "#op-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        self.shown = [
            op
            for op in self.operations
            if not needle or any(needle in (s or "").lower() for s in (op.id, op.label, op.category, *op.aliases))
        ]
        options = [
            Option(Text.assemble((op.id, "bold"), "  ", (op.label or "", "dim")), id=f"o{i}")
            for i, op in enumerate(self.shown)
        ]
        op_list = self.query_one("#op-list", OptionList)
        op_list.clear_options()
        op_list.add_options(options)
        if options:
            op_list.highlighted = 0
        else:
            self.query_one("#op-details", Static).update(Text("No operation matches."))

    @on(OptionList.OptionHighlighted, "#op-list")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#op-details", Static).update(operation_details(self.shown[event.option_index]))

    @on(OptionList.OptionSelected, "#op-list")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        op_list = self.query_one("#op-list", OptionList)
        if op_list.highlighted is not None and self.shown:
            self.dismiss(self.shown[op_list.highlighted])

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            self.query_one("#op-list", OptionList).focus()
            event.stop()

    def action_cancel(self) -> None:
        self.dismiss(None)


def operation_fields(op: Operation) -> tuple[list[Field], dict[str, str]]:
    """One form field per parameter (a choice list when the server lists the allowed values)."""
    fields: list[Field] = []
    names: dict[str, str] = {}
    for p in sorted(op.params, key=lambda p: (p.order, p.name)):
        name = field_name(p.name)
        names[name] = p.name
        label = f"{p.name}{' (required)' if p.required else ''} — {p.type}"
        if p.description:
            label += f": {p.description}"
        if p.values:
            choices = [(str(v), str(v)) for v in p.values]
            fields.append(Field(name, label, kind="select", choices=choices))
        elif p.type in ("properties", "text") or p.name == "properties":
            fields.append(Field(name, label, kind="multiline", placeholder="key=value, one a line"))
        else:
            fields.append(Field(name, label, placeholder=p.type or ""))
    return fields, names


class ResultDialog(ModalScreen[None]):
    """An operation's result as highlighted JSON."""

    DEFAULT_CSS = (
        "ResultDialog { align: center middle; }\n"
        + DIALOG_CSS
        + "ResultDialog .dialog { height: 90%; }\nResultDialog JsonView { height: 1fr; }"
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, value: Any):
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title", markup=False)
            yield JsonView(
                self.value if self.value is not None else "(no result: the operation returned nothing)", id="op-result"
            )
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
