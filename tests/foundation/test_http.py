"""The shared client layer against local servers that misbehave on purpose (fault injection, real sockets)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tui.http import (
    REDACTED,
    AuthError,
    ConflictError,
    ExchangeLog,
    HttpConnection,
    NotFoundError,
    ProtocolError,
    UnavailableError,
    redact_text,
    redact_url,
)

hits: dict[str, int] = {}


def count(name: str) -> int:
    hits[name] = hits.get(name, 0) + 1
    return hits[name]


async def html(request: Request):
    return HTMLResponse("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)


async def html_ok(request: Request):
    return HTMLResponse("<html><body>Log in</body></html>")


async def malformed(request: Request):
    return Response('{"entity-type": "document", "uid": ', media_type="application/json")


async def flaky(request: Request):
    if count(f"flaky-{request.query_params.get('key')}") < 3:
        return PlainTextResponse("busy", status_code=503)
    return JSONResponse({"ok": True})


async def slow(request: Request):
    await asyncio.sleep(2)
    return JSONResponse({"late": True})


async def echo(request: Request):
    return JSONResponse({"headers": dict(request.headers), "body": (await request.body()).decode()})


async def status(request: Request):
    return JSONResponse({"message": "no"}, status_code=int(request.path_params["code"]))


ROUTES = [
    Route("/html", html),
    Route("/html-ok", html_ok),
    Route("/malformed", malformed),
    Route("/flaky", flaky, methods=["GET", "POST"]),
    Route("/slow", slow),
    Route("/echo", echo, methods=["GET", "POST"]),
    Route("/status/{code:int}", status, methods=["GET", "POST"]),
]


@pytest.fixture(scope="module")
def bad_server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=ROUTES), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_html_error_page_is_a_readable_error(bad_server):
    async with HttpConnection(bad_server, service="Nuxeo", retries=0) as conn:
        with pytest.raises(UnavailableError) as err:
            await conn.get_json("/html")
    assert "HTML page" in str(err.value) and "Traceback" not in err.value.readable


async def test_html_with_200_is_a_protocol_error(bad_server):
    async with HttpConnection(bad_server, service="Nuxeo") as conn:
        with pytest.raises(ProtocolError) as err:
            await conn.get_json("/html-ok")
    assert "HTML page instead of JSON" in str(err.value)
    assert "URL" in err.value.hint


async def test_malformed_json_is_a_protocol_error(bad_server):
    async with HttpConnection(bad_server, service="Cerb") as conn:
        with pytest.raises(ProtocolError) as err:
            await conn.get_json("/malformed")
    assert str(err.value) == "Cerb sent a reply that is not valid JSON (HTTP 200)."


async def test_server_down_is_unavailable_with_a_way_forward():
    port = free_port()
    async with HttpConnection(f"http://127.0.0.1:{port}", service="MAX", retries=1, backoff=0.01) as conn:
        with pytest.raises(UnavailableError) as err:
            await conn.request("GET", "/anything")
    assert f"Cannot connect to MAX at http://127.0.0.1:{port}" in str(err.value)
    assert "server is running" in err.value.hint


async def test_slow_server_times_out_readably(bad_server):
    async with HttpConnection(bad_server, service="Nuxeo", timeout=0.3, retries=0) as conn:
        with pytest.raises(UnavailableError) as err:
            await conn.request("GET", "/slow")
    assert "did not answer in time" in str(err.value)


async def test_idempotent_requests_retry_on_503(bad_server):
    async with HttpConnection(bad_server, service="X", retries=3, backoff=0.01) as conn:
        response = await conn.request("GET", "/flaky", params={"key": "get"})
    assert response.json() == {"ok": True}
    assert hits["flaky-get"] == 3


async def test_post_is_never_retried(bad_server):
    async with HttpConnection(bad_server, service="X", retries=3, backoff=0.01) as conn:
        with pytest.raises(UnavailableError):
            await conn.request("POST", "/flaky", params={"key": "post"})
    assert hits["flaky-post"] == 1


@pytest.mark.parametrize("code,error", [(401, AuthError), (403, AuthError), (404, NotFoundError), (409, ConflictError)])
async def test_statuses_map_to_the_error_family(bad_server, code, error):
    async with HttpConnection(bad_server, service="X") as conn:
        with pytest.raises(error):
            await conn.request("GET", f"/status/{code}")


async def test_exchange_log_redacts_secrets_everywhere(bad_server):
    log = ExchangeLog()
    secret = "s3cr3t-value"
    async with HttpConnection(
        bad_server, service="X", exchange_log=log, secrets=[secret], auth=httpx.BasicAuth("me", secret)
    ) as conn:
        await conn.request(
            "POST",
            "/echo",
            params={"token": secret, "q": "x"},
            headers={"X-Oauth-Token": secret, "Cerb-Auth": "key:sig"},
            json={"username": "me", "password": secret, "nested": {"jwt": "abc.def.ghi"}},
        )
    (exchange,) = list(log)
    everything = json.dumps(exchange.__dict__, default=str) + exchange.as_curl()
    assert secret not in everything
    assert "abc.def.ghi" not in everything
    assert "key:sig" not in everything
    headers = dict((k.lower(), v) for k, v in exchange.request_headers)
    assert headers["authorization"] == REDACTED and headers["x-oauth-token"] == REDACTED
    assert exchange.status == 200 and exchange.elapsed_ms > 0
    curl = exchange.as_curl()
    assert curl.startswith("curl -X POST") and "q=x" in curl


def test_redaction_of_forms_and_urls():
    assert "hunter2" not in redact_text("grant_type=password&username=admin&password=hunter2")
    assert "username=admin" in redact_text("grant_type=password&username=admin&password=hunter2")
    assert "pw" not in redact_url("http://user:pw@host/x?access_token=abc&q=1").split("@")[0].replace(REDACTED, "")
    assert "abc" not in redact_url("http://host/x?access_token=abc&q=1")


def test_client_layer_does_not_import_textual():
    code = "import sys, tui.http, tui.profiles, tui.drafts, tui.services; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_password_equal_to_the_username_does_not_garble_urls():
    from tui.http import literal_secrets

    secrets = literal_secrets(["admin", "tok-123456"], public=["admin"])
    assert secrets == ("tok-123456",)
    assert (
        redact_url("http://h/people/admin/timeline?x=tok-123456", secrets)
        == f"http://h/people/admin/timeline?x={REDACTED}"
    )


def test_a_body_nested_too_deep_to_parse_is_redacted_as_text():
    from tui.http import redact_text

    deep = "[" * 50_000 + '"tok-secret-1"' + "]" * 50_000
    assert "tok-secret-1" not in redact_text(deep, ["tok-secret-1"])
