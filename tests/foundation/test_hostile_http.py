"""The shared HTTP layer against a server that misbehaves on purpose: only `ServiceError`s, bounded time, no secret."""

from __future__ import annotations

import time

import httpx
import msgspec
import pytest

from tests.hostile import MODES, HostileServer
from tui.http import ExchangeLog, HttpConnection, ProtocolError, ServiceError, UnavailableError, expect

DEADLINE = 2.0
SECRET = "NxSecret-123"


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


def connection(server: HostileServer, log: ExchangeLog | None = None) -> HttpConnection:
    return HttpConnection(
        server.url,
        service="Nuxeo",
        timeout=httpx.Timeout(1.0),
        deadline=DEADLINE,
        retries=0,
        exchange_log=log,
        secrets=[SECRET],
    )


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_every_hostile_answer_is_a_value_or_a_readable_service_error(server, mode):
    server.set_mode(mode)
    async with connection(server) as http:
        started = time.monotonic()
        try:
            await http.get_json("/api/v1/path/")
        except ServiceError as exc:
            assert 0 < len(str(exc)) < 500
            assert "Traceback" not in str(exc) and "Error:" not in str(exc)
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + 1.5, f"{mode} took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("mode", "error", "words"),
    [
        ("drip", UnavailableError, "answering too slowly"),
        ("drip-headers", UnavailableError, "answering too slowly"),
        ("huge", ProtocolError, "larger than 20 MB"),
        ("huge-chunked", ProtocolError, "larger than 20 MB"),
        ("redirect-loop", ProtocolError, "redirects in a loop"),
        ("bad-gzip", ProtocolError, "cannot be decompressed"),
        ("invalid-utf8", ProtocolError, "not valid JSON"),
        ("deep", ProtocolError, "not valid JSON"),
        ("truncated", ProtocolError, "not valid JSON"),
        ("html", ProtocolError, "HTML page"),
        ("reset", ProtocolError, "closed the connection"),
    ],
)
async def test_each_failure_says_what_happened(server, mode, error, words):
    server.set_mode(mode)
    async with connection(server) as http:
        with pytest.raises(error) as caught:
            await http.get_json("/x")
    assert words in str(caught.value)


async def test_a_huge_error_body_becomes_a_short_message(server):
    server.set_mode("huge-error")
    async with connection(server) as http:
        with pytest.raises(ServiceError) as caught:
            await http.get_json("/x")
    assert len(caught.value.readable) < 500


async def test_a_secret_the_server_echoes_back_is_masked_everywhere(server):
    server.answer(401, {"message": f"bad password {SECRET}"}, {"Content-Type": "application/json", "X-Echo": SECRET})
    log = ExchangeLog()

    def error_from_response(response: httpx.Response) -> ServiceError | None:
        return ServiceError(response.json()["message"]) if response.status_code >= 400 else None

    http = connection(server, log)
    http._error_from_response = error_from_response
    async with http:
        with pytest.raises(ServiceError) as caught:
            await http.get_json("/x")
    assert SECRET not in caught.value.readable
    assert "bad password" in caught.value.message
    (exchange,) = log
    assert SECRET not in repr(exchange)


async def test_a_download_that_stalls_fails_after_the_read_timeout(server):
    server.set_mode("stall")
    async with connection(server) as http:
        started = time.monotonic()
        with pytest.raises(UnavailableError):
            async with http.stream("GET", "/file") as response:
                async for _ in response.aiter_bytes():
                    pass
    assert time.monotonic() - started < 5


async def test_a_download_answered_with_an_html_page_is_refused(server):
    server.set_mode("html")
    async with connection(server) as http:
        with pytest.raises(ProtocolError, match="HTML page instead of the file"):
            async with http.stream("GET", "/file", refuse_html=True):
                pass


async def test_state_listeners_hear_the_server_go_and_come_back(server):
    heard: list[str] = []
    server.answer(200, {"ok": True})
    async with connection(server) as http:
        http.on_state(lambda state, detail: heard.append(state))
        await http.get_json("/x")
        server.set_mode("drip")
        with pytest.raises(UnavailableError):
            await http.get_json("/x")
        server.answer(200, {"ok": True})
        await http.get_json("/x")
    assert heard == ["ok", "error", "ok"]


async def test_a_refused_connection_is_an_unavailable_error():
    with socket_nobody_listens_on() as port:
        async with HttpConnection(f"http://127.0.0.1:{port}", service="Cerb", retries=1, backoff=0.01) as http:
            with pytest.raises(UnavailableError, match="Cannot connect to Cerb"):
                await http.get_json("/x")


def socket_nobody_listens_on():
    import contextlib
    import socket

    @contextlib.contextmanager
    def reserved():
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        yield port

    return reserved()


class Doc(msgspec.Struct):
    uid: str


class Page(msgspec.Struct):
    entries: list[Doc]


def test_a_reply_of_the_wrong_shape_is_a_protocol_error_naming_the_request_and_the_place():
    assert (
        expect({"entries": [{"uid": "a", "more": 1}]}, Page, service="Nuxeo", what="GET children").entries[0].uid == "a"
    )
    for wrong, place in (({"entries": [{"uid": 5}]}, "$.entries[0].uid"), (None, "got `null`"), ([], "got `array`")):
        with pytest.raises(ProtocolError) as caught:
            expect(wrong, Page, service="Nuxeo", what="GET children")
        assert "Nuxeo answered GET children with data of an unexpected shape" in str(caught.value)
        assert place in str(caught.value)


async def test_odd_headers_and_urls_are_service_errors_or_values(server):
    server.answer(200, {"ok": True}, {"Content-Type": "application/json", "X-Note": "café ☕"})
    async with connection(server, ExchangeLog()) as http:
        assert await http.get_json("/x") == {"ok": True}
        with pytest.raises(ServiceError):
            await http.get_json("/x\x00y")
    server.answer(200, {"ok": True}, {"Content-Type": "application/json", "Content-Length": "²"})
    async with connection(server) as http:
        try:
            await http.get_json("/x")
        except ServiceError:
            pass
