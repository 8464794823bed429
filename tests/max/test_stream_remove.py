"""The activity stream keeps Textual's `remove()`: deleting one activity is `drop_activity`.

(That no widget shadows a Textual name, and that no module imports in a cycle, is checked for the whole package by
tests/foundation/test_architecture.py and by the import contracts.)"""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.services.max.models import Activity, Person
from tui.services.max.stream_view import ActivityStream


def activity(n: int) -> Activity:
    return Activity(id=f"{n:024x}", actor=Person("alice", "Alice"), content=f"post {n}", published=None)


class StreamApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ActivityStream(id="stream")


async def test_stream_remove_is_textuals_and_drop_activity_deletes_one():
    app = StreamApp()
    async with app.run_test() as pilot:
        stream = app.query_one(ActivityStream)
        stream.set_entries([activity(3), activity(2), activity(1)])
        stream.drop_activity(activity(2).id)
        assert [a.id for a in stream.entries] == [activity(3).id, activity(1).id]
        assert activity(2).id not in stream.ids
        await stream.remove()  # Textual's Widget.remove(): the widget leaves the DOM
        await pilot.pause()
        assert not app.query(ActivityStream)
