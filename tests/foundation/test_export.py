"""Exporting what a pane shows: JSON lines or CSV, streamed, with a safe default name, from a key or the palette."""

from __future__ import annotations

import csv
import io
import json

import pytest
from textual.widgets import Input, Select

from tests.conftest import make_app, start_sandbox, wait_for
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.export import ExportScreen, RowWriter, default_path

SIZE = (140, 45)


def test_rows_become_json_lines_or_csv_with_nested_values_as_json():
    rows = [{"id": 1, "tags": ["a", "b"], "who": "Ada"}, {"id": 2, "tags": [], "who": 'Lin, "the" second'}]
    for fmt in ("jsonl", "csv"):
        buffer = io.StringIO()
        writer = RowWriter(buffer, fmt)
        for row in rows:
            writer.write(row)
        assert writer.count == 2
        text = buffer.getvalue()
        if fmt == "jsonl":
            assert [json.loads(line) for line in text.splitlines()] == rows
        else:
            read = list(csv.DictReader(io.StringIO(text)))
            assert read[0] == {"id": "1", "tags": '["a", "b"]', "who": "Ada"} and read[1]["who"] == 'Lin, "the" second'


def test_the_default_name_is_safe_and_in_the_current_folder(tmp_path):
    path = default_path("activities of ../my timeline", "csv", tmp_path)
    assert path.parent == tmp_path and path.suffix == ".csv" and "/" not in path.name and ".." not in path.name


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_the_activity_stream_as_loaded_exports_from_a_key(tmp_path_factory, tmp_path, fmt):
    box = start_sandbox(tmp_path_factory, "max")
    try:
        app = make_app(box.profile(), tmp_path, pane="max")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.query_one(ConnectionBar).state_of("max") == "ok", timeout=15)
            pane = app.current_pane()
            await wait_for(pilot, lambda: len(pane.stream.entries) > 0)
            shown = len(pane.stream.entries)
            await pilot.press("ctrl+x")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            target = tmp_path / f"out.{fmt}"
            app.screen.query_one("#export-format", Select).value = fmt
            app.screen.query_one("#export-path", Input).value = str(target)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
        text = target.read_text()
        rows = list(csv.DictReader(io.StringIO(text))) if fmt == "csv" else text.splitlines()
        assert len(rows) == shown
        assert any("Exported" in n.message for n in app._notifications)
    finally:
        box.stop()
