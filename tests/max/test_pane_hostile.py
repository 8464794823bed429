"""The Activity pane when the server misbehaves or goes away: a readable sentence, no spinner left, keys still work;
and when the server comes back, the pane finds out by itself and shows it again."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, wait_for
from tests.hostile import CLASS_NAME, MODES, HostileServer, quicken
from tui.profiles import Connection, Profile
from tui.sandbox import Sandbox
from tui.services.max.client import MaxClient
from tui.services.max.pane import ActivityPane
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.dialogs import FormDialog

SIZE = (140, 42)
DEADLINE = 1.5


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


@pytest.fixture
def quick_clients(monkeypatch):
    quicken(monkeypatch, MaxClient, DEADLINE)


def hostile_profile(server: HostileServer) -> Profile:
    connection = Connection(
        kind="max",
        url=server.url + "/max",
        username="alice",
        secret="Pw-s3cret-MAX",
        secret_source="memory",
        options={"token": "Tok-s3cret-MAX", "oauth_server": server.url + "/oauth"},
    )
    return Profile(name="hostile", connections={"max": connection}, builtin=True)


def error_notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_a_hostile_server_gets_one_readable_sentence_and_the_pane_stays_usable(
    server, mode, quick_clients, tmp_path
):
    server.set_mode(mode)
    app = make_app(hostile_profile(server), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(ActivityPane)
        await wait_for(pilot, lambda: "Could not load" in pane.stream.empty_text and error_notes(app))
        for note in error_notes(app):
            assert "\n" not in note and "Traceback" not in note and len(note) < 500, note
            assert not CLASS_NAME.search(note), note
        assert pane.stream.empty_text == "Could not load my timeline. Press ctrl+r to try again."
        # the bar says something is wrong; "connecting" would stay forever
        assert app.query_one(ConnectionBar).state_of("max") == "error"
        await pilot.press("h")  # keys still work: the hashtag prompt opens and closes
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FormDialog))


async def test_the_pane_notices_the_server_go_and_come_back_and_reloads(tmp_path_factory, tmp_path, monkeypatch):
    monkeypatch.setattr(ActivityPane, "poll_interval", 0.2)
    monkeypatch.setattr(ActivityPane, "RECOVERY_DELAYS", (0.2, 0.5))
    data_dir = tmp_path_factory.mktemp("max-restarted")
    box = Sandbox(data_dir=data_dir, kinds=["max"], scale={"activities": 60}).start()
    try:
        app = make_app(box.profile(), tmp_path, pane="max")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(ActivityPane)
            bar = app.query_one(ConnectionBar)
            await wait_for(pilot, lambda: pane.loaded and bool(pane.stream.entries) and bar.state_of("max") == "ok")
            newest = pane.stream.entries[0].id
            box.stop()
            await wait_for(pilot, lambda: bar.state_of("max") == "error")  # the next poll finds nobody
            shown = pane.stream.entries
            box = Sandbox(port=box.port or 0, data_dir=data_dir, kinds=["max"]).start()  # same port, same data
            await wait_for(pilot, lambda: bar.state_of("max") == "ok", timeout=15)  # no key pressed
            await wait_for(pilot, lambda: pane.stream.entries is not shown)  # the page was loaded again
            assert pane.stream.entries[0].id == newest and not error_notes(app)
    finally:
        box.stop()
