"""Export what a pane shows to a file: JSON lines or CSV, streamed row by row with a progress bar.

A pane offers an `ExportSource` (what it is, its rows as an async iterator, how many if known; in `export_source.py`,
which panes import without this screen); `ExportScreen` asks where (a safe default name in the current folder) and in
which format, then writes as the rows come, so a long export (every page of a ticket search) holds one page in memory
and can be stopped with esc.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any, ClassVar, TextIO

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from tui.http import ServiceError
from tui.widgets.dialogs import DIALOG_CSS
from tui.widgets.export_source import ExportSource
from tui.widgets.key_footer import KeyFooter

FORMATS = (("JSON lines", "jsonl"), ("CSV", "csv"))


def default_path(what: str, fmt: str, folder: Path | None = None) -> Path:
    """`tickets-20261130-0746.jsonl` in the current folder: no characters a file system could refuse."""
    stem = "".join(c if c.isalnum() else "-" for c in what.lower()).strip("-") or "export"
    return (folder or Path.cwd()) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.{fmt}"


class RowWriter:
    """Writes rows to an open text file as JSON lines, or as CSV whose columns are the first row's keys (values that
    are lists or objects go in as JSON)."""

    def __init__(self, handle: TextIO, fmt: str):
        self.handle = handle
        self.fmt = fmt
        self.count = 0
        self._csv: csv.DictWriter[str] | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            if self._csv is None:
                self._csv = csv.DictWriter(self.handle, fieldnames=list(row), extrasaction="ignore")
                self._csv.writeheader()
            self._csv.writerow({k: _cell(v) for k, v in row.items()})
        self.count += 1


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (list, dict)) else value


class ExportScreen(ModalScreen[int | None]):
    """Where and how, then the export itself with its progress; dismisses with the number of rows written."""

    DEFAULT_CSS = "ExportScreen { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "start", "Export", priority=True),
    ]

    def __init__(self, source: ExportSource):
        super().__init__()
        self.source = source
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Export {self.source.what}", classes="title", markup=False)
            yield Label("Format", classes="field-label")
            yield Select(FORMATS, value="jsonl", allow_blank=False, id="export-format")
            yield Label("File", classes="field-label")
            yield Input(str(default_path(self.source.what, "jsonl")), id="export-path", select_on_focus=False)
            yield ProgressBar(total=self.source.total, show_eta=False, id="export-progress")
            yield Static("", classes="error", id="export-status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export (ctrl+s)", id="start", variant="primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        path = Path(field.value)
        if path.suffix in (".jsonl", ".csv"):
            field.value = str(path.with_suffix(f".{event.value}"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "export")
        self.dismiss(None)

    def action_start(self) -> None:
        if self.running:
            return
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        fmt = str(self.query_one("#export-format", Select).value)
        if not path.name:
            self._status("Name the file to write.")
            return
        if path.exists():
            self._status(f"{path} exists; choose another name.")
            return
        self.running = True
        self.run_export(path, fmt)

    def _status(self, text: str) -> None:
        self.query_one("#export-status", Static).update(text)

    @work(exclusive=True, group="export")
    async def run_export(self, path: Path, fmt: str) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        try:
            with path.open("x", encoding="utf-8", newline="") as handle:
                writer = RowWriter(handle, fmt)
                async for row in self.source.rows():
                    writer.write(row)
                    if writer.count % 50 == 0:
                        bar.update(progress=writer.count)
                        self._status(f"{writer.count:,} written…")
        except ServiceError as exc:
            self.running = False
            self._status(f"Stopped: {exc.readable} The file holds what was written before.")
            return
        except OSError as exc:
            self.running = False
            self._status(f"Cannot write {path}: {exc.strerror or exc}.")
            return
        self.notify(f"Exported {writer.count:,} {self.source.what} to {path}.")
        self.dismiss(writer.count)
