"""Editing a document: the form (every keystroke kept as a draft, a failed save never loses the text) and the
choice offered when someone else saved the document meanwhile."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, Switch, TextArea

from tui.services.nuxeo.models import Document
from tui.widgets.dialogs import DIALOG_CSS, ConfirmDialog, Field, FormDialog

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def field_name(key: str) -> str:
    """A widget-id-safe name for a property key ("dc:title" -> "dc-title")."""
    return _ID_UNSAFE.sub("_", key.replace(":", "-"))


# What a save callback answers: "saved" (close, with the new document), "reloaded" (close, edits kept as a draft),
# or "stay" (keep the form open: the error is already on it, or the user went back to it).
SaveResult = tuple[str, Document | None]


VERSIONING_CHOICES = [
    ("No new version", "none"),
    ("Minor version (1.0 -> 1.1)", "minor"),
    ("Major version (1.1 -> 2.0)", "major"),
]
VERSIONING_FIELD = "versioning"


class EditDocumentDialog(FormDialog):
    """Edit a document's properties, each with its widget: a line, a box of lines (long text, lists, JSON) or a
    switch. Every change is handed to `on_change` (the pane saves a draft), and saving goes through `save`, which may
    keep the form open (a failed save never loses what was typed). With `versioning`, a choice of new version comes
    last (`versioning_choice`).

    Dismisses like any form (with the values, or None when the edits are discarded); how the save ended, with the
    saved document, is then in `outcome`."""

    def __init__(
        self,
        title: str,
        keys: list[str],
        labels: dict[str, str],
        values: dict[str, str],
        original: dict[str, str],
        *,
        widgets: dict[str, str],
        save: Callable[[EditDocumentDialog, dict[str, str]], Awaitable[SaveResult]],
        on_change: Callable[[dict[str, str]], None],
        on_discard: Callable[[], None],
        note: str = "",
        versioning: bool = False,
    ):
        self.keys = keys
        self.original = original
        self._names = {field_name(k): k for k in keys}
        fields = [Field(field_name(k), labels.get(k, k), values.get(k, ""), kind=widgets.get(k, "text")) for k in keys]
        if versioning:
            fields.append(Field(VERSIONING_FIELD, "On save", "none", kind="select", choices=VERSIONING_CHOICES))
        super().__init__(title, fields, submit="Save", note=note)
        self._save = save
        self._on_change = on_change
        self._on_discard = on_discard
        self._ready = False
        self.saving = False
        self.outcome: SaveResult | None = None

    def on_mount(self) -> None:
        # Widgets report their initial values as changes while mounting; only what the user types counts.
        self.call_after_refresh(self._arm)
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def _arm(self) -> None:
        self._ready = True

    def properties(self) -> dict[str, str]:
        """The form's properties as text (a switch as "true"/"false"), as drafts keep them."""
        out: dict[str, str] = {}
        for name, value in self.values().items():
            if name in self._names:
                out[self._names[name]] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out

    def versioning_choice(self) -> str:
        """ "none", "minor" or "major" ("none" when the form offers no choice)."""
        return str(self.values().get(VERSIONING_FIELD) or "none")

    def changed(self) -> bool:
        return self.properties() != self.original

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Switch.Changed)
    def _typed(self, event: Input.Changed | TextArea.Changed | Switch.Changed) -> None:
        if self._ready:
            self._on_change(self.properties())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if not self.saving:
            self._run_save()

    @work(exclusive=True, group="nuxeo-edit-save")
    async def _run_save(self) -> None:
        self.saving = True
        self.show_error("Saving…")
        try:
            outcome, value = await self._save(self, self.properties())
        finally:
            self.saving = False
        if outcome in ("saved", "reloaded"):
            self.outcome = (outcome, value)
            self.dismiss(self.values())

    def action_cancel(self) -> None:
        if not self.changed():
            self._on_discard()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._on_discard()
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard your edits?", confirm="Discard", danger=True), answered)


class ConflictDialog(ModalScreen[str]):
    """Someone saved the document after we loaded it: show theirs against yours, field by field.

    Dismisses with "reload" (take theirs, keep yours as a draft), "overwrite" (save yours without the change token)
    or "back" (return to the form)."""

    DEFAULT_CSS = "ConflictDialog { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('back')", "Back to the form"),
        Binding("r", "choose('reload')", "Reload theirs"),
        Binding("o", "choose('overwrite')", "Overwrite"),
    ]

    def __init__(
        self,
        title: str,
        keys: list[str],
        labels: dict[str, str],
        theirs: dict[str, str],
        yours: dict[str, str],
        who: str = "",
    ):
        super().__init__()
        self.title_text = title
        self.keys = keys
        self.labels = labels
        self.theirs = theirs
        self.yours = yours
        self.who = who

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conflict"):
            # titles, names and keys come from the server: plain text, never markup
            yield Static(
                f"{self.title_text} changed on the server while you were editing", classes="title", markup=False
            )
            by = f" (last change by {self.who})" if self.who else ""
            yield Static(f"Their version{by} against yours; differing fields are marked ≠.", markup=False)
            yield Static(self._table(), id="conflict-table")
            with Horizontal(classes="buttons"):
                yield Button("Back (esc)", id="back")
                yield Button("Reload theirs, keep mine as draft (r)", id="reload", variant="primary")
                yield Button("Overwrite with mine (o)", id="overwrite", variant="error")

    def _table(self) -> Table:
        table = Table(expand=True, show_lines=True)
        table.add_column("", width=1)
        table.add_column("Field", style="bold", no_wrap=True)
        table.add_column("Theirs", overflow="fold", ratio=1)
        table.add_column("Yours", overflow="fold", ratio=1)
        for key in self.keys:
            theirs, yours = self.theirs.get(key, ""), self.yours.get(key, "")
            differs = theirs != yours
            table.add_row(
                Text("≠", style="bold red") if differs else "",
                Text(self.labels.get(key, key)),
                Text(theirs, style="yellow" if differs else "dim"),
                Text(yours, style="green" if differs else "dim"),
            )
        return table

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "back")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
