"""The Tickets pane when the server misbehaves or goes away: a readable sentence, nothing left loading, keys still
work, and, once the server is back, the pane recovers by itself."""

from __future__ import annotations

import httpx

from tests.conftest import make_app, wait_for
from tests.hostile import CLASS_NAME, MODES, HostileServer
from tui.profiles import Connection, Profile
from tui.sandbox import Sandbox
from tui.widgets.connection_bar import ConnectionBar

SIZE = (140, 42)
DEADLINE = 1.5
SECRET = "CerbSecret-4815"

# The exchange log cannot record deeply nested JSON yet (tui/http/redact.py lets json.loads's RecursionError out):
# that mode has its own test, expected to fail until the shared redaction catches it.
APP_MODES = sorted(set(MODES) - {"deep"})

# One reply every path can read (the hostile server answers every request alike): a ticket, and a search of it.
TICKET = {"id": 7, "mask": "ABC-7", "subject": "The printer is on fire", "status": "open", "updated": 1_700_000_000}
GOOD = {**TICKET, "results": [TICKET], "total": 1, "page": 1, "limit": 50}


def hostile_profile(server: HostileServer) -> Profile:
    connection = Connection(
        kind="cerb", url=f"{server.url}/rest/", username="ACCESSKEY", secret=SECRET, secret_source="memory"
    )
    return Profile(name="hostile", connections={"cerb": connection}, builtin=True)


def readable(text: str) -> bool:
    return 0 < len(text) < 500 and not CLASS_NAME.search(text) and SECRET not in text


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_pane_against_every_hostile_mode(tmp_path):
    with HostileServer() as server:
        server.answer(200, GOOD)
        app = make_app(hostile_profile(server), tmp_path, pane="cerb")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one("#pane-cerb")
            pane.client.http.deadline = DEADLINE
            pane.client.http.client.timeout = httpx.Timeout(1.0)
            bar = app.query_one(ConnectionBar)
            table = pane.table
            for mode in APP_MODES:
                server.answer(200, GOOD)
                await pilot.press("ctrl+r")  # the keys still work after the previous mode
                await wait_for(pilot, lambda: table.current() is not None and pane.query_error == "")
                server.set_mode(mode)
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: pane.query_error != "", timeout=DEADLINE + 8)
                line = table.empty_text  # what the pane shows in place of the tickets
                assert readable(line) and line.count(". ") == 0 and line != "Loading…", (mode, line)
                assert readable(pane.query_error), (mode, pane.query_error)
                assert bar.state_of("cerb") == "error", mode
                assert "…" not in str(pane.query_one("#cerb-count").render()), mode
            assert all(readable(text) for text in notifications(app)), notifications(app)

            # the ticket view: the conversation fails readably, not "Loading…" forever
            server.answer(200, GOOD)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: table.current() is not None and pane.query_error == "")
            await pilot.press("enter")
            await wait_for(pilot, lambda: pane.in_ticket_view and pane.conversation is not None)
            body = pane.query_one("#cerb-conversation-body")
            for mode in ("html", "null", "bignum", "error-500", "reset", "drip", "huge"):
                server.set_mode(mode)
                pane.conversation = None
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: "Loading" not in str(body.render()), timeout=DEADLINE + 8)
                await wait_for(pilot, lambda: bar.state_of("cerb") == "error")
                shown = str(body.render())
                assert readable(shown) and pane.conversation is None, (mode, shown)
            await pilot.press("escape")  # back to the table: still answering keys
            assert not pane.in_ticket_view
            await pilot.press("right_square_bracket")
            assert pane.filter_name == "waiting"
            assert all(readable(text) for text in notifications(app)), notifications(app)


async def test_the_pane_against_deeply_nested_json(tmp_path):
    with HostileServer() as server:
        server.set_mode("deep")
        app = make_app(hostile_profile(server), tmp_path, pane="cerb")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one("#pane-cerb")
            await wait_for(pilot, lambda: pane.query_error != "")
            assert readable(pane.table.empty_text) and app.query_one(ConnectionBar).state_of("cerb") == "error"


async def test_the_pane_recovers_when_the_server_comes_back(tmp_path_factory, tmp_path):
    data_dir = tmp_path_factory.mktemp("sandbox-cerb-restart")
    box = Sandbox(data_dir=data_dir, kinds=["cerb"]).start()
    try:
        app = make_app(box.profile(), tmp_path, pane="cerb")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one("#pane-cerb")
            pane.RECOVERY_DELAYS = (0.3, 0.6)
            bar = app.query_one(ConnectionBar)
            table = pane.table
            await wait_for(pilot, lambda: table.current() is not None and bar.state_of("cerb") == "ok")
            total = table.total

            port = box.port
            box.stop()
            await pilot.press("ctrl+r")  # the pane talks to the server: it is gone
            await wait_for(pilot, lambda: bar.state_of("cerb") == "error", timeout=15)
            await wait_for(pilot, lambda: table.current() is None and pane.query_error != "", timeout=15)

            box = Sandbox(port=port, data_dir=data_dir, kinds=["cerb"]).start()  # back, with the same data
            await wait_for(pilot, lambda: bar.state_of("cerb") == "ok", timeout=15)  # without a key
            await wait_for(pilot, lambda: table.current() is not None and pane.query_error == "", timeout=15)
            assert table.total == total

            # the same in the ticket view: the conversation is loaded again
            await pilot.press("enter")
            await wait_for(pilot, lambda: pane.in_ticket_view and pane.conversation is not None)
            box.stop()
            pane.conversation = None
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: bar.state_of("cerb") == "error", timeout=15)
            box = Sandbox(port=port, data_dir=data_dir, kinds=["cerb"]).start()
            await wait_for(pilot, lambda: bar.state_of("cerb") == "ok" and pane.conversation is not None, timeout=15)
    finally:
        box.stop()


async def test_server_text_in_titles_and_notifications_is_not_read_as_markup(tmp_path):
    from textual.content import Content

    from tui.services.cerb.dialogs import TicketEditor

    fab = {**TICKET, "mask": "FAB"}  # "[#FAB]" is also a colour in Textual's markup
    with HostileServer() as server:
        server.answer(200, {**fab, "results": [fab], "total": 1})
        app = make_app(hostile_profile(server), tmp_path, pane="cerb")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one("#pane-cerb")
            await wait_for(pilot, lambda: pane.table.current() is not None)
            await pilot.press("x")  # the server answers the check and the change with the same ticket

            def shown() -> list[str]:
                return [Content.from_markup(n.message).plain if n.markup else n.message for n in app._notifications]

            await wait_for(pilot, lambda: any("status → closed" in text for text in shown()))
            assert any("[#FAB] status → closed" in text for text in shown()), shown()
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
            title = app.screen.query_one(".title")
            assert "Reply to [#FAB]" in str(title.render())
