"""The small "add a source" prompt: one line of input with a title and a hint."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from tui.widgets.dialogs import DIALOG_CSS


class PromptDialog(ModalScreen[str | None]):
    """One line of input with a title and a hint; Enter accepts, Escape cancels."""

    DEFAULT_CSS = "PromptDialog { align: center middle; }\n" + DIALOG_CSS + "PromptDialog .dialog { max-width: 70; }"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        hint: str = "",
        value: str = "",
        placeholder: str = "",
        suggestions: list[str] | None = None,
    ):
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder
        self.suggestions = suggestions or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title")
            if self.hint:
                yield Static(self.hint)
            yield Input(
                self.value,
                placeholder=self.placeholder,
                id="prompt-input",
                suggester=SuggestFromList(self.suggestions) if self.suggestions else None,
            )
            yield Static("", classes="error", id="form-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.query_one("#form-error", Static).update("Type a name, or press Escape.")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
