"""Read-only mode: from the command line, the profile or the palette; writing keys hidden and refused, nothing sent."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, start_sandbox, wait_for
from tests.hostile import HostileServer
from tui.http import HttpConnection, ReadOnlyError
from tui.profiles import Profile, ProfileStore
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.keys_screen import KeysScreen, key_rows

SIZE = (140, 45)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "max")
    yield sandbox
    sandbox.stop()


def test_a_read_only_profile_is_kept_in_the_file(tmp_path):
    store = ProfileStore(tmp_path / "profiles.toml")
    store.save(Profile("prod", read_only=True))
    assert "read_only = true" in store.path.read_text()
    assert store.get("prod").read_only


async def test_a_read_only_connection_sends_no_change():
    with HostileServer() as server:
        server.answer(200, {"ok": True})
        async with HttpConnection(server.url, service="Nuxeo", retries=0) as http:
            http.read_only = True
            assert await http.get_json("/read") == {"ok": True}
            await http.request("POST", "/search", reads=True)
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                with pytest.raises(ReadOnlyError, match="Read-only"):
                    await http.request(method, "/change")
        assert [(m, p) for m, p, _ in server.requests] == [("GET", "/read"), ("POST", "/search")]


def keys_of(app) -> set[str]:
    return {what for _, _, what in key_rows(app.screen, app._place_of)}


async def test_read_only_hides_and_refuses_every_writing_key_and_sends_nothing(tmp_path, box):
    app = make_app(box.profile(), tmp_path, pane="max")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(ConnectionBar).state_of("max") == "ok", timeout=15)
        assert "READ-ONLY" in str(app.query_one(ConnectionBar).render())
        assert not {"Post", "Comment", "Like/unlike", "Delete", "Favorite"} & keys_of(app)
        for key in ("p", "c", "l", "f", "d"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, KeysScreen) and len(app.screen_stack) == 1, key
        await app.open_pane_action("max", "post")
        await pilot.pause(0.2)
        assert any("Read-only" in n.message for n in app._notifications)
        with pytest.raises(ReadOnlyError):
            await app.clients["max"].post("not sent")
    assert {e.method for e in app.exchange_log if not e.is_message} <= {"GET", "HEAD", "POST"}
    assert all(e.url.endswith("/oauth/token") for e in app.exchange_log if e.method == "POST")  # signing in only


async def test_the_palette_turns_read_only_on_for_good(tmp_path, box):
    from tui.palette import ServiceDeckCommands

    app = make_app(box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(ConnectionBar).state_of("max") == "ok", timeout=15)
        assert "Post" in keys_of(app)
        titles = [title for title, _, _ in ServiceDeckCommands(app.screen)._commands()]
        assert "Read-only mode: on" in titles
        app.action_read_only()
        await pilot.pause(0.2)
        assert "Post" not in keys_of(app) and "READ-ONLY" in str(app.query_one(ConnectionBar).render())
        titles = [title for title, _, _ in ServiceDeckCommands(app.screen)._commands()]
        assert not any(title.startswith("Read-only") for title in titles)  # no way back while the app runs
