"""A deliberately misbehaving HTTP server on 127.0.0.1, for fault-injection tests.

Every request gets the answer of the current `mode`, whatever its path: an HTML login page, truncated JSON, 50 MB,
a body dripped one byte at a time, invalid UTF-8, a broken gzip stream, a redirect loop, a reset mid-body... or
`answer(status, body, headers)` for any JSON shape a test (or hypothesis) makes up. It speaks raw HTTP/1.1 over
real sockets, so what reaches the client is exactly what a broken server or proxy would send.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


def json_answer(value: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(value).encode())


Writer = Callable[[asyncio.StreamWriter], Any]  # a custom way of answering (dripping, resetting...)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Status"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _send(writer: asyncio.StreamWriter, answer: Answer) -> None:
    headers = {"Content-Length": str(len(answer.body)), "Connection": "close", **answer.headers}
    writer.write(_head(answer.status, headers) + answer.body)
    await writer.drain()


async def _drip(writer: asyncio.StreamWriter) -> None:
    writer.write(_head(200, {"Content-Type": "application/json", "Content-Length": "1000", "Connection": "close"}))
    for _ in range(1000):
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.5)


async def _drip_headers(writer: asyncio.StreamWriter) -> None:
    for byte in _head(200, {"Content-Type": "application/json"}):
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.5)


async def _stall(writer: asyncio.StreamWriter) -> None:
    """Headers and a first piece of a file, then nothing more."""
    writer.write(_head(200, {"Content-Type": "application/octet-stream", "Content-Length": "100000"}) + b"x" * 1000)
    await writer.drain()
    await asyncio.sleep(60)


async def _huge_chunked(writer: asyncio.StreamWriter) -> None:
    """50 MB of a JSON string, sent chunked so the size is not announced."""
    writer.write(_head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
    chunk = b"x" * MB
    writer.write(b'1\r\n"\r\n')
    for _ in range(50):
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
    writer.write(b'1\r\n"\r\n0\r\n\r\n')
    await writer.drain()


async def _reset_mid_body(writer: asyncio.StreamWriter) -> None:
    writer.write(_head(200, {"Content-Type": "application/json", "Content-Length": "5000"}) + b'{"entries": [')
    await writer.drain()
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST, not FIN
    writer.transport.abort()


def _redirect_loop() -> Answer:
    return Answer(302, b"", {"Location": "/loop", "Content-Type": "text/plain"})


MODES: dict[str, Answer | Writer] = {
    "html": Answer(
        200, b"<!DOCTYPE html><html><body>Sign in to the portal</body></html>", {"Content-Type": "text/html"}
    ),
    "html-500": Answer(500, b"<html><body><h1>Proxy Error</h1></body></html>", {"Content-Type": "text/html"}),
    "truncated": Answer(200, b'{"entries": [{"uid": "a", "title": '),
    "not-json": Answer(200, b"this is not json", {"Content-Type": "application/json"}),
    "empty": Answer(200, b""),
    "null": Answer(200, b"null"),
    "list": Answer(200, b"[1, 2, 3]"),
    "number": Answer(200, b"42"),
    "string": Answer(200, b'"surprise"'),
    "object": Answer(200, b'{"unexpected": true}'),
    "invalid-utf8": Answer(200, b'{"title": "\xff\xfe\xfd"}', {"Content-Type": "application/json; charset=utf-8"}),
    "deep": Answer(200, b"[" * 50_000 + b"]" * 50_000),
    "bignum": Answer(200, b'{"id": 1e999, "count": 1e999, "size": -1e999, "total": 1e999, "entries": []}'),
    "long-int": Answer(200, b'{"id": ' + b"9" * 5000 + b"}"),
    "bad-gzip": Answer(
        200, b"\x1f\x8bnot really gzip", {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    ),
    "huge": Answer(200, b'"' + b"x" * (50 * MB) + b'"'),
    "huge-error": Answer(500, b"E" * (50 * MB), {"Content-Type": "text/plain"}),
    "error-500": Answer(500, b'{"message": "Internal error"}'),
    "redirect-loop": _redirect_loop(),
    "drip": _drip,
    "drip-headers": _drip_headers,
    "huge-chunked": _huge_chunked,
    "stall": _stall,
    "reset": _reset_mid_body,
}


class HostileServer:
    """Run with `with HostileServer() as server:`; set `server.mode` (a name of MODES) or call `server.answer(...)`."""

    def __init__(self) -> None:
        self.mode: str = "html"
        self.custom: Answer | None = None
        self.requests: list[tuple[str, str, bytes]] = []  # (method, path, body) as received
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """Answer every request with this (a JSON value, or bytes as they are)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.custom = Answer(status, raw, headers or {"Content-Type": "application/json"})

    def set_mode(self, mode: str) -> None:
        self.custom = None
        self.mode = mode

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self) -> None:
        """Cancel the answers still dripping or stalling, so none outlives the loop."""
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, *_ = [*lines[0].split(" "), "", ""]
            length = next(
                (int(v) for k, _, v in (h.partition(": ") for h in lines[1:]) if k.lower() == "content-length"), 0
            )
            body = await reader.readexactly(length) if length else b""
            self.requests.append((method, path, body))
            behaviour = self.custom or MODES[self.mode]
            if isinstance(behaviour, Answer):
                await _send(writer, behaviour)
            else:
                await behaviour(writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()


# What a message shown to a person must never hold: an exception's class name or a traceback.
CLASS_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b|Traceback")


def quicken(monkeypatch: Any, client_class: type[Any], deadline: float) -> None:
    """Make the app's clients of `client_class` give up after `deadline` seconds (and a 1 s read timeout), so a
    dripping or stalled server costs a pane test little."""
    import httpx

    build = client_class.from_connection.__func__

    def quick(cls: type[Any], connection: Any, secret: str, *, exchange_log: Any = None) -> Any:
        client = build(cls, connection, secret, exchange_log=exchange_log)
        client.http.deadline = deadline
        client.http.client.timeout = httpx.Timeout(1.0)
        return client

    monkeypatch.setattr(client_class, "from_connection", classmethod(quick))
