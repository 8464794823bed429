"""The Exchanges tab while traffic streams: follows the newest, filters, pauses, keeps HTTP apart from messages."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.widgets import Static

from tests.conftest import make_app, wait_for
from tui.http import Exchange, ExchangeLog, HttpConnection, ServiceError, redact_text
from tui.profiles import Profile
from tui.widgets.exchange_detail import detail
from tui.widgets.exchange_log import ExchangeLogView

SIZE = (140, 45)


def http(n: int, service: str = "Nuxeo") -> Exchange:
    return Exchange(service=service, method="GET", url=f"http://h/api/{service.lower()}/{n}", status=200)


def message(n: int) -> Exchange:
    return Exchange(service="OpenIAP", method="RECV", url="ws://h/ws/v2", note=f"queueevent orders {n}")


def plain(renderable) -> str:
    console = Console(width=120, record=True)
    console.print(renderable)
    return console.export_text()


def status_line(view: ExchangeLogView) -> str:
    return str(view.query_one("#exchange-status", Static).render())


def test_websocket_messages_never_push_http_exchanges_out():
    log = ExchangeLog(limit=10, message_limit=10)
    for n in range(5):
        log.add(http(n))
    for n in range(3000):
        log.add(message(n))
    kept = list(log)
    assert sum(not e.is_message for e in kept) == 5 and sum(e.is_message for e in kept) == 10
    assert [e.id for e in kept] == sorted(e.id for e in kept)


async def test_the_tab_follows_the_newest_until_the_person_looks_elsewhere(tmp_path):
    log = ExchangeLog()
    for n in range(30):
        log.add(http(n))
    app = make_app(Profile("bare"), tmp_path, exchange_log=log)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        view = app.query_one(ExchangeLogView)
        rebuilds = 0
        original = view._rebuild

        def counting() -> None:
            nonlocal rebuilds
            rebuilds += 1
            original()

        view._rebuild = counting  # type: ignore[method-assign]
        await wait_for(pilot, lambda: view.selected() is not None and view.selected().url.endswith("/29"))
        for n in range(30, 35):
            log.add(http(n))
        await wait_for(pilot, lambda: view.selected().url.endswith("/34"))
        assert rebuilds == 0  # new rows are added, the table is not rebuilt
        await pilot.press("up", "up")
        for n in range(35, 38):
            log.add(http(n))
        await wait_for(pilot, lambda: "+3 newer" in status_line(view))
        assert view.selected().url.endswith("/32")
        await pilot.press("home")
        assert view.selected().url.endswith("/0")
        await pilot.press("end")
        await wait_for(pilot, lambda: view.selected().url.endswith("/37") and "following" in status_line(view))


async def test_filter_by_text_and_service_and_pause(tmp_path):
    log = ExchangeLog()
    for n in range(5):
        log.add(http(n, "Nuxeo"))
        log.add(http(n, "Cerb"))
    app = make_app(Profile("bare"), tmp_path, exchange_log=log)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        view = app.query_one(ExchangeLogView)
        await wait_for(pilot, lambda: view.table.row_count == 10)
        await pilot.press("slash", *"cerb/3", "enter")
        await wait_for(pilot, lambda: view.table.row_count == 1)
        assert view.selected().url == "http://h/api/cerb/3"
        await pilot.press("escape")
        await wait_for(pilot, lambda: view.table.row_count == 10)
        await pilot.press("s")  # Nuxeo only
        await wait_for(pilot, lambda: view.table.row_count == 5 and view.service == "Nuxeo")
        await pilot.press("space")  # pause
        log.add(http(99, "Nuxeo"))
        await pilot.pause(0.5)
        assert view.table.row_count == 5 and "paused: 1 new" in status_line(view)
        await pilot.press("space")
        await wait_for(pilot, lambda: view.table.row_count == 6)


def test_bodies_are_pretty_json_and_forms_show_their_fields_with_secrets_hidden():
    exchange = Exchange(
        service="MAX",
        method="POST",
        url="http://h/oauth/token",
        status=200,
        request_headers=[("content-type", "application/x-www-form-urlencoded")],
        request_body=redact_text("grant_type=password&username=admin&password=s3cret-pw"),
        response_headers=[("content-type", "application/json")],
        response_body='{"access_token": "•••", "expires_in": 3600}',
    )
    shown = plain(detail(exchange))
    assert "password   = •••" in shown and "%E2" not in shown and "s3cret-pw" not in shown
    assert '  "expires_in": 3600' in shown  # pretty-printed, one key a line


async def test_a_request_that_never_went_out_says_so():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = ExchangeLog()
    async with HttpConnection(f"http://127.0.0.1:{port}", service="Nuxeo", retries=0, exchange_log=log) as connection:
        with pytest.raises(ServiceError):
            await connection.get_json("/x")
    (exchange,) = log
    assert not exchange.sent
    assert "The request was never sent: Cannot connect to Nuxeo" in plain(detail(exchange))
