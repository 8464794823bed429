"""One TLS context per process, built in a thread while the app starts.

Loading the CA certificates takes ~50 ms, and every new `httpx.AsyncClient` would pay it again.
"""

from __future__ import annotations

import ssl
import threading
from concurrent.futures import Future

import httpx

_tls_context: Future[ssl.SSLContext] | None = None
_tls_lock = threading.Lock()


def warm_up_tls() -> None:
    """Start building the TLS context in a thread. Loading the CA certificates takes ~50 ms, and every new
    `httpx.AsyncClient` would pay it again; one shared context, built while the app starts, pays it once, off the
    path to the first screen."""
    _tls_future()


def shared_tls_context() -> ssl.SSLContext:
    """httpx's default context (CA bundle, SSL_CERT_FILE/SSL_CERT_DIR honoured), built once per process."""
    return _tls_future().result()


def _tls_future() -> Future[ssl.SSLContext]:
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            future: Future[ssl.SSLContext] = Future()

            def build() -> None:
                try:
                    future.set_result(httpx.create_ssl_context())
                except BaseException as exc:  # handed to whoever asks for the context
                    future.set_exception(exc)

            threading.Thread(target=build, name="tls-context", daemon=True).start()
            _tls_context = future
        return _tls_context
