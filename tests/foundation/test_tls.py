"""The shared TLS context: its CA certificates load only when some connection is https (in a thread at start-up) or
on the first TLS handshake; a profile of http:// connections alone (the sandbox, the demo) never loads them."""

from __future__ import annotations

import ssl
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import start_sandbox
from tui.http.tls import DeferredCertificates, warm_up_tls

RUN_ON_HTTP = """
import asyncio, sys, threading
from tui.http import shared_tls_context
from tui.profiles import sandbox_profile
from tui.services import SERVICES

async def main():
    profile = sandbox_profile(sys.argv[1], ["nuxeo"])
    connection = profile.connection("nuxeo")
    client = SERVICES["nuxeo"].client_class().from_connection(connection, connection.resolve_secret(profile.name))
    try:
        print(await client.check())
    finally:
        await client.aclose()

from tui.http import warm_up_tls
warm_up_tls([sys.argv[1]])
asyncio.run(main())
names = [t.name for t in threading.enumerate()]
print("loaded" if shared_tls_context().certificates_loaded else "not loaded", "tls-certificates" in names)
"""


def test_an_http_connection_never_loads_the_ca_certificates(tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "nuxeo")
    try:
        out = subprocess.run(
            [sys.executable, "-c", RUN_ON_HTTP, box.base_url], capture_output=True, text=True, check=True, timeout=60
        )
    finally:
        box.stop()
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "not loaded False", out.stdout + out.stderr
    assert len(lines) == 2  # the request was answered


def test_the_certificates_load_on_the_first_handshake():
    context = DeferredCertificates()
    assert not context.certificates_loaded
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert context.certificates_loaded
    assert context.cert_store_stats()["x509_ca"] > 0


def test_an_unreadable_bundle_is_a_tls_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    context = DeferredCertificates()
    with pytest.raises(ssl.SSLError, match="cannot read the CA certificates"):
        context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert not context.certificates_loaded


def test_an_https_url_starts_loading_at_start_up(monkeypatch):
    started: list[str] = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread.name)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    warm_up_tls(["http://127.0.0.1:8470"])
    assert "tls-certificates" not in started
    warm_up_tls(["http://127.0.0.1:8470", "https://nuxeo.example.org/nuxeo"])
    warm_up_tls(["https://nuxeo.example.org/nuxeo"])  # the app asks again: one thread loads them
    from tui.http import shared_tls_context

    context = shared_tls_context()
    assert started.count("tls-certificates") == 1 or (context.certificates_loaded and not started)
    for _ in range(500):
        if context.certificates_loaded:
            break
        time.sleep(0.01)
    assert context.certificates_loaded
    started.clear()
    warm_up_tls(["https://nuxeo.example.org/nuxeo"])
    assert started == []  # loaded once for the process
