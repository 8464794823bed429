"""How headless commands print data: JSON lines, CSV, or a table a person reads, one batch (a page) at a time.

JSON lines carry every field of a record; CSV and the table show the command's columns. Each batch is written and
flushed as it comes, so a long listing starts printing at once and a reader downstream (`| jq`, `| head`) sees it
page by page; the table takes its column widths from the first batch and keeps them.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

Record = dict[str, Any]
FORMATS = ("json", "table", "csv")
MAX_CELL = 60  # characters of one table cell; JSON lines and CSV are never cut
MIN_COLUMN = 12  # a column squeezed for a narrow terminal keeps at least this


def add_format_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_const", const="json", dest="format", help="print JSON lines")
    group.add_argument(
        "--format",
        choices=FORMATS,
        dest="format",
        help="json (JSON lines: the default when stdout is not a terminal), table (the default on a terminal), csv",
    )


def choose_format(requested: str | None, stream: TextIO) -> str:
    if requested:
        return requested
    try:
        return "table" if stream.isatty() else "json"
    except (AttributeError, ValueError):
        return "json"


def iso_time(value: int | float | datetime | None) -> str | None:
    """Unix seconds or a datetime as ISO 8601 in UTC (`2024-05-01T12:00:00Z`); None stays None."""
    if value is None or value == 0:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def json_line(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":"))


def cell_text(value: Any) -> str:
    """A value as it goes in a CSV or table cell: nested data as JSON, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json_line(value)
    return str(value)


def fit(text: str, width: int) -> str:
    text = " ".join(text.split())  # a cell is one line
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class Output:
    """Writes records to `stream` (stdout) in one format; `columns` are what CSV and the table show."""

    def __init__(self, fmt: str, columns: Sequence[str], stream: TextIO | None = None):
        self.fmt = fmt
        self.columns = list(columns)
        self.stream = stream or sys.stdout
        self.count = 0  # records written
        self._csv: Any = None  # csv writer, made with the header on the first row
        self._widths: list[int] | None = None

    @classmethod
    def for_args(cls, args: argparse.Namespace, columns: Sequence[str], stream: TextIO | None = None) -> Output:
        stream = stream or sys.stdout
        return cls(choose_format(getattr(args, "format", None), stream), columns, stream)

    # -- lists ---------------------------------------------------------------------------------------------------------

    def rows(self, records: Iterable[Record]) -> None:
        """Write one batch of records and flush it."""
        batch = list(records)
        if self.fmt == "json":
            self.stream.write("".join(json_line(r) + "\n" for r in batch))
        elif self.fmt == "csv":
            self._csv_rows(batch)
        else:
            self._table_rows(batch)
        self.count += len(batch)
        self.stream.flush()

    def _csv_rows(self, batch: list[Record]) -> None:
        if self._csv is None:
            self._csv = csv.writer(self.stream, lineterminator="\n")
            self._csv.writerow(self.columns)
        self._csv.writerows([cell_text(r.get(c)) for c in self.columns] for r in batch)

    def _table_rows(self, batch: list[Record]) -> None:
        if self._widths is None:
            self._widths = self._measure(batch)
            self.stream.write(self._table_line(self.columns) + "\n")
        self.stream.write("".join(self._table_line([cell_text(r.get(c)) for c in self.columns]) + "\n" for r in batch))

    def _measure(self, batch: list[Record]) -> list[int]:
        widths = [max([len(c), *(min(len(cell_text(r.get(c))), MAX_CELL) for r in batch)]) for c in self.columns]
        # too wide for the terminal: the widest column gives way first, down to MIN_COLUMN (or its header)
        excess = sum(w + 2 for w in widths) - 2 - shutil.get_terminal_size((120, 24)).columns
        while excess > 0:
            widest = max(range(len(widths)), key=lambda i: widths[i])
            floor = max(MIN_COLUMN, len(self.columns[widest]))
            if widths[widest] <= floor:
                break
            cut = min(excess, widths[widest] - floor)
            widths[widest] -= cut
            excess -= cut
        return widths

    def _table_line(self, cells: list[str]) -> str:
        widths = self._widths or []
        return "  ".join(fit(text, width).ljust(width) for text, width in zip(cells, widths, strict=True)).rstrip()

    # -- one record ----------------------------------------------------------------------------------------------------

    def item(self, record: Record, text: str = "") -> None:
        """One record on its own (a document, a ticket): a JSON line, a CSV row, or `field  value` lines followed by
        `text` (a conversation, a body) in a table."""
        if self.fmt != "table":
            self.rows([record])
            return
        width = max((len(c) for c in self.columns), default=0)
        lines = [f"{c.ljust(width)}  {cell_text(record.get(c))}" for c in self.columns]
        self.stream.write("\n".join(lines) + "\n" + (f"\n{text.rstrip()}\n" if text else ""))
        self.count += 1
        self.stream.flush()


def narrate(message: str) -> None:
    """What the command is doing, for the person: stderr, so stdout stays data."""
    print(message, file=sys.stderr, flush=True)
