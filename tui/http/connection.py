"""The connection: one pooled httpx client per service connection, with retries, error mapping and logging.

httpx (with httpcore, h11 and anyio: a sixth of the app's start-up) is imported when the first request goes out, not
when a connection is made: the app builds its panes' clients before the first frame, and its first answers can come
from a helper process (`tui.first_answers`) while this one draws.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

from tui.http.errors import (
    BadRequestError,
    ProtocolError,
    ReadOnlyError,
    ServiceError,
    UnavailableError,
    error_for_status,
)
from tui.http.exchanges import Exchange, ExchangeLog, preview
from tui.http.redact import literal_secrets, redact_headers, redact_text, redact_url
from tui.http.tls import shared_tls_context

if TYPE_CHECKING:
    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 15.0, 15.0, 15.0)  # seconds to connect, read, write, wait for a pooled connection
DEFAULT_DEADLINE = 30.0  # seconds for one whole exchange: connect, headers and the entire body
DEFAULT_MAX_BODY = 20 * 1024 * 1024  # bytes of (decoded) body read before a reply is refused

_BODY_ENCODING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

StateListener = Callable[[str, str], None]


def _never_sent() -> tuple[type[BaseException], ...]:
    """Failures that mean the request never left this machine."""
    import httpx

    return (httpx.ConnectError, httpx.ConnectTimeout, httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeEncodeError)


def _failures() -> tuple[type[BaseException], ...]:
    """What can go wrong on the way: httpx's family, the deadline, a header that cannot be encoded (a non-ASCII
    token), a body over the limit."""
    import httpx

    return (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, TimeoutError, UnicodeEncodeError, BodyTooLarge)


class BodyTooLarge(Exception):
    """Raised while reading a body that passes `max_body`; becomes a `ProtocolError`."""


class HttpConnection:
    """One service connection: a long-lived pooled `httpx.AsyncClient` plus what every service needs around it.

    Every failure leaves as a `ServiceError`: httpx's errors, a reply over `max_body` bytes, an exchange that takes
    longer than `deadline` seconds in all (a server that drips its answer a byte at a time fails in bounded time).
    Listeners given to `on_state` hear "ok" after any answer and "error" when the server cannot be reached.
    Subclass hooks: `error_from_response` turns a service's error shape into a `ServiceError`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | tuple[float, float, float, float] | float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
        retries: int = 2,
        backoff: float = 0.25,
        exchange_log: ExchangeLog | None = None,
        secrets: Iterable[str] = (),
        public: Iterable[str] = (),
        error_from_response: Callable[[httpx.Response], ServiceError | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        make_auth: Callable[[], httpx.Auth] | None = None,
    ):
        self.base_url = base_url
        self.service = service
        self.deadline = deadline
        self.max_body = max_body
        self.retries = retries
        self.backoff = backoff
        self.exchange_log = exchange_log
        self.secrets = literal_secrets(secrets, public)
        self.state = ""  # "" until the first exchange, then "ok" or "error"
        self.read_only = False  # when set, only requests that read go out (see `request`)
        self._state_listeners: list[StateListener] = []
        self._error_from_response = error_from_response
        self._client_options: dict[str, Any] = {
            "auth": auth,  # a (username, password) pair is HTTP Basic
            "headers": headers,
            "timeout": timeout,
            "transport": transport,
        }
        self._make_auth = make_auth  # an auth built on httpx's classes: made with the client, when httpx is imported

    @cached_property
    def client(self) -> httpx.AsyncClient:
        """The pooled httpx client, made (and httpx imported) on first use."""
        import httpx

        options = dict(self._client_options)
        if self._make_auth is not None:
            options["auth"] = self._make_auth()
        return httpx.AsyncClient(
            base_url=self.base_url,
            **options,
            verify=shared_tls_context(),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=True,
            max_redirects=10,
        )

    async def aclose(self) -> None:
        if "client" in self.__dict__:  # never made, nothing to release
            await self.client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- state --------------------------------------------------------------------------------------------------------

    def on_state(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(state, detail)` when reachability changes; returns a function that unsubscribes."""
        self._state_listeners.append(listener)
        return lambda: self._state_listeners.remove(listener) if listener in self._state_listeners else None

    def _set_state(self, state: str, detail: str = "") -> None:
        if state == self.state:
            return
        self.state = state
        for listener in list(self._state_listeners):
            listener(state, detail)

    # -- requests -----------------------------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        expected: Iterable[int] | None = None,
        reads: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request, retrying idempotent ones on connect errors and 502/503/504; raise `ServiceError` on failure.

        `expected` lists statuses that are not errors even though they are >= 400 (a caller that handles them).
        `reads=True` marks a POST that only reads (a search, a sign-in): it still goes out when read-only.
        """
        import httpx

        method = method.upper()
        if self.read_only and method not in READ_METHODS and not reads:
            raise ReadOnlyError(f"Read-only: {method} {url} was not sent to {self.service}.", service=self.service)
        retryable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempts = 1 + (self.retries if retryable else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._send_logged(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if last:
                    raise self._failure(exc) from None
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
    async def stream(
        self, method: str, url: str, *, refuse_html: bool = False, **kwargs: Any
    ) -> AsyncIterator[httpx.Response]:
        """Stream a response body (downloads); errors are raised before the first chunk.

        The headers must come within the deadline; after that, the body may take as long as it needs while bytes keep
        arriving (the read timeout ends a stalled one). `refuse_html`: a file was expected, so an HTML page (a login
        portal, a proxy's error page) is an error, not the file."""
        exchange = self._start_exchange(method, url, kwargs)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.deadline):
                response = await self.client.send(self.client.build_request(method, url, **kwargs), stream=True)
        except _failures() as exc:
            error = self._failure(exc)
            exchange.error = error.message
            raise error from None
        try:
            exchange.elapsed_ms = (time.perf_counter() - started) * 1000
            self._finish_exchange(exchange, response, streamed=True)
            if response.status_code >= 400 or (refuse_html and looks_like_html(response)):
                async with asyncio.timeout(self.deadline):
                    read = await self._read_capped(response)
                exchange.response_body = self._body_preview(read)
                self.raise_for_error(read)
                if refuse_html:
                    raise ProtocolError(
                        f"{self.service} answered with an HTML page instead of the file.",
                        status=response.status_code,
                        service=self.service,
                    )
            yield response
        except _failures() as exc:
            error = self._failure(exc)
            exchange.error = error.message
            raise error from None
        finally:
            await response.aclose()

    # -- error mapping ------------------------------------------------------------------------------------------------

    def raise_for_error(self, response: httpx.Response, expected: Iterable[int] | None = None) -> None:
        if expected is not None and response.status_code in expected:
            return
        error: ServiceError | None = None
        if self._error_from_response is not None:
            try:
                error = self._error_from_response(response)
            except ServiceError as raised:
                error = raised
            except Exception:  # an error body of a shape the service's parser did not foresee: say it generically
                error = self.generic_error(response) if response.status_code >= 400 else None
        if error is None and response.status_code >= 400:
            error = self.generic_error(response)
        if error is not None:
            error.service = error.service or self.service
            error.message = redact_text(error.message, self.secrets)  # a server may echo a secret back
            error.hint = redact_text(error.hint, self.secrets)
            error.args = (error.message,)  # repr() and tracebacks show args: the redacted text only
            raise error

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
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python can parse
            raise ProtocolError(
                f"{self.service} sent a reply that is not valid JSON (HTTP {response.status_code}).",
                status=response.status_code,
                service=self.service,
            ) from None

    def _failure(self, exc: BaseException) -> ServiceError:
        """The one readable error for whatever went wrong on the way (httpx's family, the deadline, a huge body)."""
        import httpx

        where = redact_url(self.base_url, self.secrets)
        service = self.service
        error: ServiceError
        if isinstance(exc, TimeoutError):
            error = UnavailableError(
                f"{service} at {where} is answering too slowly (no complete answer in {self.deadline:g} s).",
                service=service,
            )
        elif isinstance(exc, BodyTooLarge):
            error = ProtocolError(
                f"{service} sent a reply larger than {self.max_body // (1024 * 1024)} MB; it was not read.",
                hint="Narrow the request (a smaller page or a more specific search).",
                service=service,
            )
        elif isinstance(exc, httpx.TimeoutException):
            error = UnavailableError(f"{service} at {where} did not answer in time.", service=service)
        elif isinstance(exc, httpx.ConnectError):
            error = UnavailableError(f"Cannot connect to {service} at {where}.", service=service)
        elif isinstance(exc, httpx.TooManyRedirects):
            error = ProtocolError(f"{service} at {where} redirects in a loop.", service=service)
        elif isinstance(exc, httpx.DecodingError):
            error = ProtocolError(f"{service} sent a compressed reply that cannot be decompressed.", service=service)
        elif isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            error = ProtocolError(
                f"{service} at {where} closed the connection or broke the HTTP protocol.", service=service
            )
        elif isinstance(exc, UnicodeEncodeError):
            error = BadRequestError(
                f"The request to {service} could not be sent: a header holds characters outside ASCII.",
                hint="Check the username and secret of this connection in the profile.",
                service=service,
            )
        elif isinstance(exc, httpx.InvalidURL):
            error = BadRequestError(f"The address for {service} is not a valid URL: {where}.", service=service)
        else:
            error = UnavailableError(f"The connection to {service} at {where} failed.", service=service)
        if isinstance(error, UnavailableError) or isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
            self._set_state("error", error.message)
        return error

    def _delay(self, attempt: int) -> float:
        return self.backoff * (2.0**attempt) * (0.5 + random.random())

    # -- logging ------------------------------------------------------------------------------------------------------

    async def _send_logged(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One exchange within the deadline, its body read up to `max_body`, recorded in the exchange log.

        Connect errors are raised as they are (the caller retries them); every other failure as a `ServiceError`."""
        import httpx

        exchange = self._start_exchange(method, url, kwargs)
        started = time.perf_counter()
        send_options = {k: kwargs.pop(k) for k in ("auth", "follow_redirects") if k in kwargs}
        try:
            async with asyncio.timeout(self.deadline):
                request = self.client.build_request(method, url, **kwargs)
                streamed = await self.client.send(request, stream=True, **send_options)
                try:
                    response = await self._read_capped(streamed)
                finally:
                    await streamed.aclose()
        except _failures() as exc:
            exchange.elapsed_ms = (time.perf_counter() - started) * 1000
            error = self._failure(exc)
            exchange.error = error.message
            exchange.sent = not isinstance(exc, _never_sent())
            if self.exchange_log is not None:
                self.exchange_log.changed(exchange)
            if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
                raise
            raise error from None
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        self._set_state("error" if response.status_code in RETRY_STATUSES else "ok")
        self._finish_exchange(exchange, response)
        return response

    async def _read_capped(self, response: httpx.Response) -> httpx.Response:
        """The response with its whole body read, refused once it passes `max_body` (announced or actual, after
        decompression, so a compressed bomb is refused too)."""
        announced = response.headers.get("content-length", "")
        if announced.isascii() and announced.isdigit() and int(announced) > self.max_body:
            raise BodyTooLarge(announced)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(size)
            chunks.append(chunk)
        # The same response, holding the decoded body (so without the headers that described the encoded one).
        import httpx

        # raw bytes: a header value outside ASCII (which servers do send) must not fail on the way
        headers = [(k, v) for k, v in response.headers.raw if k.lower().decode("latin-1") not in _BODY_ENCODING_HEADERS]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=response.request,
            extensions=response.extensions,
        )

    def _start_exchange(self, method: str, url: str, kwargs: dict[str, Any]) -> Exchange:
        import httpx

        try:
            full_url = str(self.client.base_url.join(url))
        except httpx.InvalidURL:  # reported when the request is built; the log shows what was asked for
            full_url = url
        exchange = Exchange(service=self.service, method=method, url=redact_url(full_url, self.secrets))
        if self.exchange_log is not None:
            self.exchange_log.add(exchange)
        return exchange

    def _finish_exchange(self, exchange: Exchange, response: httpx.Response, streamed: bool = False) -> None:
        if self.exchange_log is None:
            return
        request = response.request
        exchange.url = redact_url(str(request.url), self.secrets)
        exchange.status = response.status_code
        exchange.request_headers = redact_headers(request.headers.multi_items(), self.secrets)
        exchange.request_body = self._request_preview(request)
        exchange.response_headers = redact_headers(response.headers.multi_items(), self.secrets)
        if not streamed:
            exchange.response_body = self._body_preview(response)
        else:
            exchange.response_body = f"<streamed {response.headers.get('content-length', '?')} bytes>"
        self.exchange_log.changed(exchange)

    def _request_preview(self, request: httpx.Request) -> str:
        import httpx

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

    def on_state(self, listener: StateListener) -> Callable[[], None]:
        """Hear "ok" / "error" as the server answers or cannot be reached; returns a function that unsubscribes."""
        return self.http.on_state(listener)

    def forbid_writes(self) -> None:
        """From now on only requests that read go out; the others fail with `ReadOnlyError` before leaving."""
        self.http.read_only = True

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def looks_like_html(response: httpx.Response) -> bool:
    import httpx

    if "html" in response.headers.get("content-type", ""):
        return True
    try:
        head = response.content[:200].lstrip().lower()
    except httpx.ResponseNotRead:  # a streamed body: the content type alone decides
        return False
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")
