"""The output formats on their own: JSON lines, CSV and the table, batch by batch."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from tui.commands.output import Output, choose_format, iso_time


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_lines_off_a_terminal_and_a_table_on_one():
    assert choose_format(None, io.StringIO()) == "json"
    assert choose_format(None, Terminal()) == "table"
    assert choose_format("csv", Terminal()) == "csv"


def test_json_lines_carry_every_field_and_unicode_as_is():
    stream = io.StringIO()
    out = Output("json", ["a"], stream)
    out.rows([{"a": 1, "b": {"nested": ["x"]}, "c": "café"}])
    out.rows([{"a": 2}])
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [{"a": 1, "b": {"nested": ["x"]}, "c": "café"}, {"a": 2}]
    assert "café" in lines[0] and out.count == 2


def test_csv_has_one_header_and_quotes_what_needs_it():
    stream = io.StringIO()
    out = Output("csv", ["id", "subject", "tags"], stream)
    out.rows([{"id": 1, "subject": 'a, "quoted"\nline', "tags": ["x", "y"]}])
    out.rows([{"id": 2, "subject": None}])
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows == [["id", "subject", "tags"], ["1", 'a, "quoted"\nline', '["x","y"]'], ["2", "", ""]]


def test_table_keeps_the_first_batch_widths_and_cuts_long_cells(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    stream = io.StringIO()
    out = Output("table", ["mask", "subject"], stream)
    out.rows([{"mask": "ABC-1", "subject": "short"}])
    out.rows([{"mask": "ABC-2", "subject": "a much longer subject\nwith a second line " * 5}])
    header, first, second = stream.getvalue().splitlines()
    assert header.split() == ["mask", "subject"]
    assert first == "ABC-1  short"
    assert second.startswith("ABC-2  a much") and second.endswith("…") and "\n" not in second
    assert second == "ABC-2  a much…"  # as wide as the column the first batch measured


def test_table_fits_a_narrow_terminal_by_squeezing_the_widest_column(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    stream = io.StringIO()
    Output("table", ["id", "subject", "owner"], stream).rows([{"id": 1, "subject": "x" * 50, "owner": "Alice Smith"}])
    assert all(len(line) <= 40 for line in stream.getvalue().splitlines())


def test_one_record_as_fields_then_its_text():
    stream = io.StringIO()
    Output("table", ["id", "subject"], stream).item({"id": 7, "subject": "Hello"}, "── the conversation")
    assert stream.getvalue() == "id       7\nsubject  Hello\n\n── the conversation\n"


def test_iso_time():
    assert iso_time(0) is None and iso_time(None) is None
    assert iso_time(1714564800) == "2024-05-01T12:00:00Z"
    assert iso_time(datetime(2024, 5, 1, 12, tzinfo=UTC)) == "2024-05-01T12:00:00Z"
