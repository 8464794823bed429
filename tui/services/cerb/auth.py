"""Cerb's two ways to sign in: a request signature over an access key and secret, or an OAuth2 access token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from email.utils import formatdate

import httpx


def sign(verb: str, date: str, path: str, query: str, body: str, secret: str) -> str:
    """Cerb's request signature: md5 over verb, date, path, sorted query, body and md5(secret), each line ended."""
    pairs = sorted((p for p in query.split("&") if p), key=lambda p: p.split("=", 1)[0])
    secret_md5 = hashlib.md5(secret.encode("utf-8")).hexdigest().lower()
    text = "\n".join([verb.upper(), date, path, "&".join(pairs), body, secret_md5, ""])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class CerbSignatureAuth(httpx.Auth):
    """Signs each request with `Cerb-Auth: <access key>:<signature>` over the exact path, query and body sent."""

    requires_request_body = True

    def __init__(self, access_key: str, secret: str, *, clock: Callable[[], str] | None = None):
        self.access_key = access_key
        self._secret = secret
        # RFC 2822 in GMT; the server allows 10 minutes of clock difference
        self._clock = clock or (lambda: formatdate(usegmt=True))

    def __repr__(self) -> str:  # never show the secret
        return f"CerbSignatureAuth(access_key={self.access_key!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        date = self._clock()
        raw = request.url.raw_path.decode("ascii")
        path, _, query = raw.partition("?")
        body = request.content.decode("utf-8") if request.method in ("POST", "PUT", "PATCH") else ""
        request.headers["Date"] = date
        request.headers["Cerb-Auth"] = (
            f"{self.access_key}:{sign(request.method, date, path, query, body, self._secret)}"
        )
        yield request


class BearerAuth(httpx.Auth):
    """An OAuth2 access token, the alternative to a signed access key."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth()"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
