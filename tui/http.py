"""The shared async client layer: one pooled httpx client per connection, one error family, the exchange log.

Nothing here imports Textual: clients built on this module work from a plain script or a notebook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import shlex
import ssl
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

# --------------------------------------------------------------------------------------------------------------------
# Errors: every failure a person can meet becomes one of these, with a sentence they can act on.
# --------------------------------------------------------------------------------------------------------------------


class ServiceError(Exception):
    """A failure talking to a service. `str(error)` is one readable sentence; `hint` says what to do next."""

    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None, service: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint
        self.status = status
        self.service = service

    def __str__(self) -> str:
        return self.message

    @property
    def readable(self) -> str:
        """Message plus the way forward, for a notification."""
        return f"{self.message} {self.hint}".strip()


class AuthError(ServiceError):
    default_hint = "Check the username and password of this connection in the profile."


class NotFoundError(ServiceError):
    default_hint = "It may have been deleted or moved; reload to refresh."


class ConflictError(ServiceError):
    default_hint = "Someone else changed it since you loaded it: reload, or overwrite their change."


class BadRequestError(ServiceError):
    default_hint = "Check what you entered and try again."


class ProtocolError(ServiceError):
    default_hint = "The address may point at something that is not this service; check the URL in the profile."


class UnavailableError(ServiceError):
    default_hint = "Check that the server is running and the URL in the profile is right, then reload (ctrl+r)."


def error_for_status(status: int) -> type[ServiceError]:
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFoundError
    if status in (409, 412):
        return ConflictError
    if 400 <= status < 500:
        return BadRequestError
    if status in (502, 503, 504):
        return UnavailableError
    return ServiceError


# --------------------------------------------------------------------------------------------------------------------
# Redaction: secrets never reach the exchange log, a screenshot or a curl command.
# --------------------------------------------------------------------------------------------------------------------

REDACTED = "•••"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "cerb-auth",
        "cerb5-auth",
        "x-oauth-token",
        "x-authentication-token",
    }
)
SECRET_FIELDS = frozenset(
    {"password", "passwd", "secret", "jwt", "token", "access_token", "oauth_token", "refresh_token", "client_secret"}
)


def is_secret_field(name: str) -> bool:
    name = name.lower()
    return name in SECRET_FIELDS or name in SECRET_HEADERS


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers]


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_field(str(k)) else _redact_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


_FIELD_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_FIELDS | SECRET_HEADERS, key=len, reverse=True))
# A secret field inside text that is not parseable as a whole (JSON embedded in a JSON string, a log line).
_SECRET_FIELD_IN_TEXT = re.compile(
    r'((?:\\)?"(?:' + _FIELD_NAMES + r')(?:\\)?"\s*:\s*(?:\\)?")((?:[^"\\]|\\(?!"))*)', re.I
)
_JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Redact secret fields of a JSON or form body, then secret fields and JWTs embedded in text, then any literal
    secret value that is still there."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            text = json.dumps(_redact_json(json.loads(stripped)), ensure_ascii=False)
        except ValueError:
            pass
    elif "=" in text and "\n" not in stripped and " " not in stripped:
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            text = urlencode([(k, REDACTED if is_secret_field(k) else v) for k, v in pairs])
    text = _SECRET_FIELD_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, REDACTED)
    return text


def literal_secrets(secrets: Iterable[str], public: Iterable[str] = ()) -> tuple[str, ...]:
    """The secret values worth masking wherever they appear. A secret equal to a public value (a password that is
    the same as the username, as on the sandbox) is shown with that value anyway; masking it would only garble
    every URL and message that names the user."""
    shown = {p for p in public if p}
    return tuple(s for s in secrets if s and s not in shown)


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:  # user:password@host
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        query = urlencode(
            [(k, REDACTED if is_secret_field(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        )
    out = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    for secret in secrets:
        if secret and len(secret) >= 3:
            out = out.replace(secret, REDACTED)
    return out


# --------------------------------------------------------------------------------------------------------------------
# The exchange log.
# --------------------------------------------------------------------------------------------------------------------

PREVIEW_LIMIT = 4000
_exchange_ids = itertools.count(1)


def preview(body: bytes | str | None, content_type: str = "", limit: int = PREVIEW_LIMIT) -> str:
    """A readable, bounded preview of a body; binary bodies are described, not dumped."""
    if body is None or body == b"" or body == "":
        return ""
    if isinstance(body, bytes):
        textual_type = not content_type or any(t in content_type for t in ("json", "text", "xml", "form", "javascript"))
        if not textual_type:
            return f"<{len(body)} bytes of {content_type}>"
        try:
            text = body[: limit * 4].decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
    else:
        text = body
    if len(text) > limit:
        return text[:limit] + f"… ({len(text) - limit} more characters)"
    return text


@dataclass
class Exchange:
    """One request and its response (or the error that replaced it), already redacted."""

    service: str
    method: str
    url: str
    status: int | None = None
    elapsed_ms: float = 0.0
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str = ""
    error: str = ""
    note: str = ""  # what a websocket message was ("signin", "queueevent orders")
    started: float = field(default_factory=time.time)
    id: int = field(default_factory=lambda: next(_exchange_ids))

    @property
    def summary(self) -> str:
        if self.note:
            return f"{self.method} {self.url} {self.note}"
        outcome = str(self.status) if self.status is not None else (self.error or "…")
        return f"{self.method} {self.url} -> {outcome} ({self.elapsed_ms:.0f} ms)"

    def as_curl(self) -> str:
        """A curl command that repeats this request; redacted headers stay redacted (fill them in yourself)."""
        if self.method in ("WS", "SEND", "RECV"):
            return f"# {self.method} over a websocket, not repeatable with curl\n# {self.url}\n{self.request_body}"
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for key, value in self.request_headers:
            if key.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
                continue
            parts += ["-H", shlex.quote(f"{key}: {value}")]
        if self.request_body and not self.request_body.startswith("<"):
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)


class ExchangeLog:
    """A bounded, observable record of every exchange with every service."""

    def __init__(self, limit: int = 2000):
        self.entries: deque[Exchange] = deque(maxlen=limit)
        self._listeners: list[Callable[[Exchange], None]] = []

    def add(self, exchange: Exchange) -> Exchange:
        self.entries.append(exchange)
        self.changed(exchange)
        return exchange

    def changed(self, exchange: Exchange) -> None:
        """Tell the listeners an exchange was added or completed (its response arrived)."""
        for listener in list(self._listeners):
            listener(exchange)

    def subscribe(self, listener: Callable[[Exchange], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def __iter__(self):
        return iter(list(self.entries))

    def __len__(self) -> int:
        return len(self.entries)


# --------------------------------------------------------------------------------------------------------------------
# The connection: one pooled client, retries, error mapping, logging.
# --------------------------------------------------------------------------------------------------------------------

_tls_context: Future | None = None
_tls_lock = threading.Lock()


def warm_up_tls() -> None:
    """Start building the TLS context in a thread. Loading the CA certificates takes ~50 ms, and every new
    `httpx.AsyncClient` would pay it again; one shared context, built while the app starts, pays it once, off the
    path to the first screen."""
    _tls_future()


def shared_tls_context() -> ssl.SSLContext:
    """httpx's default context (CA bundle, SSL_CERT_FILE/SSL_CERT_DIR honoured), built once per process."""
    return _tls_future().result()


def _tls_future() -> Future:
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            future: Future = Future()

            def build() -> None:
                try:
                    future.set_result(httpx.create_ssl_context())
                except BaseException as exc:  # handed to whoever asks for the context
                    future.set_exception(exc)

            threading.Thread(target=build, name="tls-context", daemon=True).start()
            _tls_context = future
        return _tls_context


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class HttpConnection:
    """One service connection: a long-lived pooled `httpx.AsyncClient` plus what every service needs around it.

    Subclass hooks: `error_from_response` turns a service's error shape into a `ServiceError`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        auth: httpx.Auth | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retries: int = 2,
        backoff: float = 0.25,
        exchange_log: ExchangeLog | None = None,
        secrets: Iterable[str] = (),
        public: Iterable[str] = (),
        error_from_response: Callable[[httpx.Response], ServiceError | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.base_url = base_url
        self.service = service
        self.retries = retries
        self.backoff = backoff
        self.exchange_log = exchange_log
        self.secrets = literal_secrets(secrets, public)
        self._error_from_response = error_from_response
        self.client = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=shared_tls_context(),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    # -- requests -----------------------------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        expected: Iterable[int] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request, retrying idempotent ones on connect errors and 502/503/504; raise `ServiceError` on failure.

        `expected` lists statuses that are not errors even though they are >= 400 (a caller that handles them).
        """
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempts = 1 + (self.retries if retryable else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._send_logged(method, url, **kwargs)
            except httpx.TransportError as exc:
                if last or not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
                    raise self._transport_error(exc) from None
            else:
                if response.status_code in RETRY_STATUSES and not last:
                    await asyncio.sleep(self._delay(attempt))
                    continue
                self.raise_for_error(response, expected=expected)
                return response
            await asyncio.sleep(self._delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.json(await self.request("GET", url, **kwargs))

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """Stream a response body (downloads); errors are raised before the first chunk."""
        exchange = self._start_exchange(method, url, kwargs)
        started = time.perf_counter()
        try:
            async with self.client.stream(method, url, **kwargs) as response:
                exchange.elapsed_ms = (time.perf_counter() - started) * 1000
                self._finish_exchange(exchange, response, streamed=True)
                if response.status_code >= 400:
                    await response.aread()
                    exchange.response_body = self._body_preview(response)
                    self.raise_for_error(response)
                yield response
        except httpx.TransportError as exc:
            exchange.error = type(exc).__name__
            raise self._transport_error(exc) from None

    # -- error mapping ------------------------------------------------------------------------------------------------

    def raise_for_error(self, response: httpx.Response, expected: Iterable[int] | None = None) -> None:
        if expected is not None and response.status_code in expected:
            return
        if self._error_from_response is not None:
            error = self._error_from_response(response)
            if error is not None:
                error.service = error.service or self.service
                raise error
        if response.status_code >= 400:
            raise self.generic_error(response)

    def generic_error(self, response: httpx.Response) -> ServiceError:
        status = response.status_code
        cls = error_for_status(status)
        if looks_like_html(response):
            what = f"an HTML page (HTTP {status})"
            if status < 400:
                cls = ProtocolError
            return cls(f"{self.service} answered with {what} instead of data.", status=status, service=self.service)
        reason = response.reason_phrase or "error"
        return cls(f"{self.service} refused the request: HTTP {status} {reason}.", status=status, service=self.service)

    def json(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a `ProtocolError` that says what came instead."""
        if looks_like_html(response):
            raise ProtocolError(
                f"{self.service} answered with an HTML page instead of JSON (HTTP {response.status_code}).",
                status=response.status_code,
                service=self.service,
            )
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"{self.service} sent a reply that is not valid JSON (HTTP {response.status_code}).",
                status=response.status_code,
                service=self.service,
            ) from None

    def _transport_error(self, exc: httpx.TransportError) -> ServiceError:
        where = redact_url(self.base_url, self.secrets)
        if isinstance(exc, httpx.TimeoutException):
            return UnavailableError(f"{self.service} at {where} did not answer in time.", service=self.service)
        if isinstance(exc, httpx.ConnectError):
            return UnavailableError(f"Cannot connect to {self.service} at {where}.", service=self.service)
        if isinstance(exc, httpx.RemoteProtocolError):
            return ProtocolError(
                f"{self.service} at {where} closed the connection or broke the HTTP protocol.", service=self.service
            )
        return UnavailableError(f"The connection to {self.service} at {where} failed.", service=self.service)

    def _delay(self, attempt: int) -> float:
        return self.backoff * (2**attempt) * (0.5 + random.random())

    # -- logging ------------------------------------------------------------------------------------------------------

    async def _send_logged(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        exchange = self._start_exchange(method, url, kwargs)
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            exchange.elapsed_ms = (time.perf_counter() - started) * 1000
            exchange.error = self._transport_error(exc).message
            raise
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        self._finish_exchange(exchange, response)
        return response

    def _start_exchange(self, method: str, url: str, kwargs: dict[str, Any]) -> Exchange:
        exchange = Exchange(
            service=self.service, method=method, url=redact_url(str(self.client.base_url.join(url)), self.secrets)
        )
        if self.exchange_log is not None:
            self.exchange_log.add(exchange)
        return exchange

    def _finish_exchange(self, exchange: Exchange, response: httpx.Response, streamed: bool = False) -> None:
        if self.exchange_log is None:
            return
        request = response.request
        exchange.url = redact_url(str(request.url), self.secrets)
        exchange.status = response.status_code
        exchange.request_headers = redact_headers(request.headers.multi_items())
        exchange.request_body = self._request_preview(request)
        exchange.response_headers = redact_headers(response.headers.multi_items())
        if not streamed:
            exchange.response_body = self._body_preview(response)
        else:
            exchange.response_body = f"<streamed {response.headers.get('content-length', '?')} bytes>"
        self.exchange_log.changed(exchange)

    def _request_preview(self, request: httpx.Request) -> str:
        try:
            body = request.content
        except httpx.RequestNotRead:
            return "<streamed body>"
        return redact_text(preview(body, request.headers.get("content-type", "")), self.secrets)

    def _body_preview(self, response: httpx.Response) -> str:
        return redact_text(preview(response.content, response.headers.get("content-type", "")), self.secrets)


class HttpServiceClient:
    """Base of the HTTP services' clients: they keep their connection in `self.http` and close it with `aclose()`
    or by leaving `async with`."""

    http: HttpConnection

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", ""):
        return True
    head = response.content[:200].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


def log_message(
    log: ExchangeLog | None,
    service: str,
    direction: str,
    url: str,
    summary: str,
    body: str = "",
    secrets: Iterable[str] = (),
) -> None:
    """Record one websocket message (direction SEND or RECV) in the exchange log, redacted."""
    if log is None:
        return
    log.add(
        Exchange(
            service=service,
            method=direction,
            url=redact_url(url, secrets),
            status=None,
            request_body=redact_text(preview(body), secrets) if direction == "SEND" else "",
            response_body=redact_text(preview(body), secrets) if direction == "RECV" else "",
            note=summary,
        )
    )


_SPACES = re.compile(r"\s+")


def one_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace and cut, for previews in lists."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
