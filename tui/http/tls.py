"""One TLS context per process, its CA certificates loaded only when some connection needs them.

Loading the CA certificates takes ~50 ms, and every new `httpx.AsyncClient` would pay it again. The one shared context
loads them once: in a thread while the app starts when a connection is https (`warm_up_tls`), otherwise on its first
TLS handshake (a redirect to https); a profile of http:// connections alone (the sandbox, the demo) never loads them.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterable
from typing import Any


class DeferredCertificates(ssl.SSLContext):
    """httpx's default client context (certifi's CA bundle, SSL_CERT_FILE/SSL_CERT_DIR honoured), whose certificates
    are loaded by `load_certificates()` or, at the latest, when the first TLS connection is wrapped. anyio wraps a
    context of a subclass in a worker thread, so a load at that moment does not hold up the event loop."""

    def __new__(cls) -> DeferredCertificates:
        context = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
        context._load_lock = threading.Lock()
        context._loaded = False
        return context

    _load_lock: threading.Lock
    _loaded: bool

    @property
    def certificates_loaded(self) -> bool:
        return self._loaded

    def load_certificates(self) -> None:
        """Load the CA certificates now, once (callers at the same time wait for the first). A bundle that cannot be
        read raises `ssl.SSLError`, which httpx reports as a failed connection."""
        with self._load_lock:
            if self._loaded:
                return
            try:
                if os.environ.get("SSL_CERT_FILE"):
                    self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
                elif os.environ.get("SSL_CERT_DIR"):
                    self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
                else:
                    import certifi  # httpx's own dependency, and its default bundle

                    self.load_verify_locations(cafile=certifi.where())
            except ssl.SSLError:
                raise
            except OSError as exc:  # a missing or unreadable file
                raise ssl.SSLError(f"cannot read the CA certificates: {exc.strerror or exc}") from None
            self._loaded = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_certificates()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_certificates()
        return super().wrap_socket(*args, **kwargs)


_tls_context: DeferredCertificates | None = None
_tls_lock = threading.Lock()
_warming = False  # a thread was started to load the certificates


def warm_up_tls(urls: Iterable[str] | None = None) -> None:
    """When one of `urls` is https (or none are given), load the shared context's certificates in a thread, off the
    path to the first screen; for http:// URLs alone, do nothing (the certificates wait for a TLS handshake)."""
    if urls is not None and not any(url.strip().lower().startswith("https:") for url in urls):
        return
    global _warming
    context = shared_tls_context()
    with _tls_lock:
        if _warming or context.certificates_loaded:
            return  # one thread loads them (the command line and the app both ask)
        _warming = True
    threading.Thread(target=_load_quietly, args=(context,), name="tls-certificates", daemon=True).start()


def _load_quietly(context: DeferredCertificates) -> None:
    global _warming
    try:
        context.load_certificates()
    except ssl.SSLError:  # said by the first https request, as a connection that failed
        pass
    finally:
        with _tls_lock:
            _warming = False


def shared_tls_context() -> DeferredCertificates:
    """The process's one client TLS context; its certificates may not be loaded yet (they are before any handshake)."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            _tls_context = DeferredCertificates()
        return _tls_context
