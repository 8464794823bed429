"""The Documents pane's modal screens: the editor (with drafts and conflicts), search, and the operation runner."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.widgets.dialogs import DIALOG_CSS, ConfirmDialog, Field, FormDialog
from tui.widgets.json_view import JsonView

from .widgets import type_icon

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def field_name(key: str) -> str:
    """A widget-id-safe name for a property key ("dc:title" -> "dc-title")."""
    return _ID_UNSAFE.sub("_", key.replace(":", "-"))


# ---------------------------------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------------------------------

# What a save callback answers: "saved" (close, with the new document), "reloaded" (close, edits kept as a draft),
# or "stay" (keep the form open: the error is already on it, or the user went back to it).
SaveResult = tuple[str, Any]


class EditDocumentDialog(FormDialog):
    """Edit a document's simple string properties. Every change is handed to `on_change` (the pane saves a draft), and
    saving goes through `save`, which may keep the form open (a failed save never loses what was typed)."""

    def __init__(
        self,
        title: str,
        keys: list[str],
        labels: dict[str, str],
        values: dict[str, str],
        original: dict[str, str],
        *,
        multiline: set[str],
        save: Callable[[EditDocumentDialog, dict[str, str]], Awaitable[SaveResult]],
        on_change: Callable[[dict[str, str]], None],
        on_discard: Callable[[], None],
        note: str = "",
    ):
        self.keys = keys
        self.original = original
        self._names = {field_name(k): k for k in keys}
        fields = [
            Field(field_name(k), labels.get(k, k), values.get(k, ""), kind="multiline" if k in multiline else "text")
            for k in keys
        ]
        super().__init__(title, fields, submit="Save", note=note)
        self._save = save
        self._on_change = on_change
        self._on_discard = on_discard
        self._ready = False
        self.saving = False

    def on_mount(self) -> None:
        # Widgets report their initial values as changes while mounting; only what the user types counts.
        self.call_after_refresh(self._arm)
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def _arm(self) -> None:
        self._ready = True

    def properties(self) -> dict[str, str]:
        return {self._names[name]: value for name, value in self.values().items()}

    def changed(self) -> bool:
        return self.properties() != self.original

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _typed(self, event) -> None:
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
            self.dismiss((outcome, value))

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
    BINDINGS = [
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
            yield Static(f"{self.title_text} changed on the server while you were editing", classes="title")
            by = f" (last change by {self.who})" if self.who else ""
            yield Static(f"Their version{by} against yours; differing fields are marked ≠.")
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
                self.labels.get(key, key),
                Text(theirs, style="yellow" if differs else "dim"),
                Text(yours, style="green" if differs else "dim"),
            )
        return table

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "back")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


# ---------------------------------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------------------------------


class SearchDialog(ModalScreen[Any]):
    """Full text or NXQL; results listed with their paths, Enter opens one in the tree (dismisses with the document)."""

    DEFAULT_CSS = (
        "SearchDialog { align: center middle; }\n"
        + DIALOG_CSS
        + """
    SearchDialog .dialog { height: 90%; }
    SearchDialog #search-results { height: 1fr; min-height: 5; }
    SearchDialog #search-status { color: $text-muted; height: auto; margin: 1 0 0 0; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(
        self,
        search: Callable[[str, int], Awaitable[Any]],
        query: str = "",
        page: Any = None,
        docs: list[Any] | None = None,
    ):
        super().__init__()
        self._search = search
        self.query_text = query
        self.docs: list[Any] = list(docs or [])
        self.last_page = page
        self.loading = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Search documents", classes="title")
            yield Input(
                self.query_text, placeholder="Words to find, or NXQL: SELECT * FROM Document WHERE …", id="search-input"
            )
            yield Static("Enter searches; ↓ then Enter opens a result in the tree.", id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        if self.docs:
            self._fill(self.docs, self.last_page)
        self.query_one("#search-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.query_text = text
            self.docs = []
            self.run_search(text, 0)

    def on_key(self, event) -> None:
        if event.key == "down" and self.focused is self.query_one("#search-input", Input):
            results = self.query_one("#search-results", OptionList)
            if results.option_count:
                results.focus()
                if results.highlighted is None:
                    results.highlighted = 0
                event.stop()

    @work(exclusive=True, group="nuxeo-search")
    async def run_search(self, text: str, page: int) -> None:
        status = self.query_one("#search-status", Static)
        self.loading = True
        status.update("Searching…")
        try:
            result = await self._search(text, page)
        except Exception as exc:
            status.update(Text(getattr(exc, "readable", None) or f"{type(exc).__name__}: {exc}", style="red"))
            return
        finally:
            self.loading = False
        self.docs.extend(result.entries)
        self._fill(self.docs, result)

    def _fill(self, docs: list[Any], page: Any) -> None:
        self.last_page = page
        results = self.query_one("#search-results", OptionList)
        highlighted = results.highlighted
        results.clear_options()
        options = []
        for index, doc in enumerate(docs):
            prompt = Text.assemble(
                type_icon(doc.type, doc.is_folderish), " ", (doc.title or doc.name, "bold"), "  ", (doc.path, "dim")
            )
            options.append(Option(prompt, id=f"r{index}"))
        total = page.total_size if page is not None else len(docs)
        if page is not None and page.is_next_page_available:
            options.append(Option(Text(f"… more results ({len(docs):,} of {total:,})", style="italic cyan"), id="more"))
        results.add_options(options)
        if highlighted is not None and highlighted < results.option_count:
            results.highlighted = highlighted
        noun = "result" if total == 1 else "results"
        self.query_one("#search-status", Static).update(
            f"{total:,} {noun} for {self.query_text!r}" if docs else f"No documents match {self.query_text!r}."
        )

    @on(OptionList.OptionHighlighted, "#search-results")
    def _near_end(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id == "more":
            self._more()

    @on(OptionList.OptionSelected, "#search-results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "more":
            self._more()
        elif event.option.id and event.option.id.startswith("r"):
            self.dismiss(self.docs[int(event.option.id[1:])])

    def _more(self) -> None:
        page = self.last_page
        if page is not None and page.is_next_page_available and not self.loading:
            self.run_search(self.query_text, page.page_index + 1)

    def action_cancel(self) -> None:
        self.dismiss(None)


# ---------------------------------------------------------------------------------------------------------------------
# Automation operations
# ---------------------------------------------------------------------------------------------------------------------


class OperationDialog(ModalScreen[Any]):
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
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, operations: list[Any], target: str = ""):
        super().__init__()
        self.operations = sorted(operations, key=lambda op: (op.category or "", op.id))
        self.target = target
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            on_what = f" on {self.target}" if self.target else ""
            yield Static(f"Run an automation operation{on_what}", classes="title")
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
            self.query_one("#op-details", Static).update("No operation matches.")

    @on(OptionList.OptionHighlighted, "#op-list")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#op-details", Static).update(operation_details(self.shown[int(event.option.id[1:])]))

    @on(OptionList.OptionSelected, "#op-list")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[int(event.option.id[1:])])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        op_list = self.query_one("#op-list", OptionList)
        if op_list.highlighted is not None and self.shown:
            self.dismiss(self.shown[op_list.highlighted])

    def on_key(self, event) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            self.query_one("#op-list", OptionList).focus()
            event.stop()

    def action_cancel(self) -> None:
        self.dismiss(None)


def operation_details(op: Any) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column()
    grid.add_row(Text(op.id, style="bold"))
    meta = "  ".join(x for x in (op.category, op.label) if x)
    if meta:
        grid.add_row(Text(meta, style="dim"))
    if op.aliases:
        grid.add_row(Text("aliases: " + ", ".join(op.aliases), style="dim"))
    if op.signature:
        pairs = [f"{a} → {b}" for a, b in zip(op.signature[::2], op.signature[1::2], strict=False)]
        grid.add_row(Text("input → output: " + ", ".join(pairs), style="dim"))
    if op.description:
        grid.add_row("")
        grid.add_row(op.description)
    grid.add_row("")
    if not op.params:
        grid.add_row(Text("No parameters.", style="italic"))
    else:
        params = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
        params.add_column("Parameter", no_wrap=True)
        params.add_column("Type", style="cyan", no_wrap=True)
        params.add_column("Description", ratio=1)
        for p in sorted(op.params, key=lambda p: (p.order, p.name)):
            name = Text(p.name + (" *" if p.required else ""), style="bold" if p.required else "")
            desc = p.description or ""
            if p.values:
                desc = (desc + " " if desc else "") + "one of: " + ", ".join(map(str, p.values))
            params.add_row(name, p.type or "", desc)
        grid.add_row(params)
    grid.add_row("")
    grid.add_row(Text("Enter: fill in the parameters and run", style="italic dim"))
    return grid


def operation_fields(op: Any) -> tuple[list[Field], dict[str, str]]:
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
    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, value: Any):
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title")
            yield JsonView(
                self.value if self.value is not None else "(no result: the operation returned nothing)", id="op-result"
            )
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
