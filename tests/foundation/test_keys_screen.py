"""`?` lists every key of the pane and of the app, scrollable and searchable, at any terminal size."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.conftest import make_app, start_sandbox, wait_for
from tui.widgets.keys_screen import KeysScreen


def rows(app) -> list[tuple[str, str, str]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_keys_list_every_key_of_the_pane_and_the_app_and_can_be_searched(tmp_path_factory, tmp_path):
    box = start_sandbox(tmp_path_factory, "nuxeo")
    try:
        app = make_app(box.profile(), tmp_path, pane="nuxeo")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.query("DocumentTree") and app.focused is not None)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
            listed = rows(app)
            places = {where for where, _, _ in listed}
            assert {"Documents", "everywhere"} <= places
            assert any(what == "Quit" for _, _, what in listed)  # the app's keys are at the end of the list
            assert len(listed) > 15  # more than fits in 24 lines: the list scrolls
            await pilot.press(*"upload")
            await wait_for(pilot, lambda: len(rows(app)) < len(listed))
            assert all("upload" in " ".join(row).lower() for row in rows(app))
            await pilot.press("escape")
            assert not isinstance(app.screen, KeysScreen)
    finally:
        box.stop()
