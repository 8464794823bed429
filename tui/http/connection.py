"""The connection: one pooled httpx client per service connection, with retries, error mapping and logging."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, Self

import httpx

from tui.http.errors import ProtocolError, ServiceError, UnavailableError, error_for_status
from tui.http.exchanges import Exchange, ExchangeLog, preview
from tui.http.redact import literal_secrets, redact_headers, redact_text, redact_url
from tui.http.tls import shared_tls_context

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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
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
        return self.backoff * (2.0**attempt) * (0.5 + random.random())

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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", ""):
        return True
    head = response.content[:200].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")
