"""Modal dialogs shared by panes: confirm, and a small form of labelled inputs.

Questions, titles, notes and errors are shown as plain text, never as markup: they carry document paths, titles and
server messages, and a `[` in one of them must not break the dialog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from tui.widgets.key_footer import KeyFooter

DIALOG_CSS = """
.dialog {
    width: 80%; max-width: 110; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 1 2;
}
.dialog .title { text-style: bold; margin-bottom: 1; }
.dialog .buttons { height: auto; margin-top: 1; align-horizontal: right; }
.dialog .buttons Button { margin-left: 1; }
.dialog .field-label { margin-top: 1; color: $text-muted; }
.dialog .error { color: $error; margin-top: 1; }
.dialog TextArea { height: 8; }
"""


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no. Enter or y confirms; Escape or n cancels."""

    DEFAULT_CSS = "ConfirmDialog { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Cancel"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: str, *, confirm: str = "Yes", danger: bool = False):
        super().__init__()
        self.question = question
        self.confirm_label = confirm
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="title", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="no")
                yield Button(self.confirm_label, id="yes", variant="error" if self.danger else "primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


@dataclass
class Field:
    """One input of a `FormDialog`. kind: "text", "password", "multiline", "select" (with `choices`) or "switch"
    (value: "true" or "false"; the form gives back a bool)."""

    name: str
    label: str
    value: Any = ""  # text for text fields; the chosen value (any type) for select fields
    kind: str = "text"
    choices: list[tuple[str, Any]] = field(default_factory=list)
    placeholder: str = ""


class FormDialog(ModalScreen[dict[str, Any] | None]):
    """A titled form; dismisses with {name: value} on ctrl+s / the submit button, or None on Escape."""

    DEFAULT_CSS = "FormDialog { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit", priority=True),
    ]

    def __init__(self, title: str, fields: list[Field], *, submit: str = "OK", note: str = ""):
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.submit_label = submit
        self.note = note

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self.title_text, classes="title", markup=False)
            if self.note:
                yield Static(self.note, markup=False)
            for f in self.fields:
                yield Label(f.label, classes="field-label", markup=False)
                if f.kind == "multiline":
                    yield TextArea(f.value, id=f"field-{f.name}", soft_wrap=True)
                elif f.kind == "switch":
                    yield Switch(value=f.value in (True, "true"), id=f"field-{f.name}")
                elif f.kind == "select":
                    yield Select(
                        f.choices,
                        value=f.value if f.value != "" else Select.NULL,
                        id=f"field-{f.name}",
                        allow_blank=not f.value,
                    )
                else:
                    yield Input(
                        f.value,
                        placeholder=f.placeholder,
                        password=f.kind == "password",
                        id=f"field-{f.name}",
                        select_on_focus=False,  # focusing must not arm "replace everything" (a restored draft)
                    )
            yield Static("", classes="error", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"{self.submit_label} (ctrl+s)", id="submit", variant="primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, TextArea):
                out[f.name] = widget.text
            elif isinstance(widget, Switch):
                out[f.name] = widget.value
            elif isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Input):
                out[f.name] = widget.value
        return out

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(Text(text))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)
