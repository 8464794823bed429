"""MAX's sign-in on the wire: OAuth's password grant gives a token, which goes with every request in three headers.

`MaxAuth` signs requests with the token its `TokenSource` (the client) holds, and asks it for a fresh one on a 401.
What the OAuth server answers is checked here before it is used: a token must be able to go back in a header, and
the OAuth server MAX names must be a web address.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Generator
from typing import Protocol

import httpx

CLIENT_ID = "MAX"
SCOPE = "widgetcli"
# A token goes into a header as it is: printable ASCII only (anything else could not be sent, or would split the header)
PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]{1,4096}")


class TokenSource(Protocol):
    """What signing a request needs from the client."""

    username: str

    @property
    def can_renew(self) -> bool: ...

    async def ensure_token(self) -> str: ...

    async def renew_token(self, stale: str) -> str: ...


def is_sendable_token(token: str) -> bool:
    return bool(PRINTABLE_ASCII.fullmatch(token))


def is_web_address(address: str) -> bool:
    """An http(s) URL, or a path on the MAX server itself, that httpx can send to: the address comes from the server,
    and where the password goes must not be a surprise (nor a URL httpx refuses with its own exception)."""
    if not PRINTABLE_ASCII.fullmatch(address):
        return False
    try:
        url = httpx.URL(address)
    except httpx.InvalidURL:
        return False
    return (url.scheme in ("http", "https") and bool(url.host)) or (not url.scheme and address.startswith("/"))


class MaxAuth(httpx.Auth):
    """Adds X-Oauth-Token/-Username/-Scope; on a 401, asks the OAuth server for a new token once and retries."""

    def __init__(self, client: TokenSource):
        self.client = client

    def _sign(self, request: httpx.Request, token: str) -> None:
        request.headers["X-Oauth-Token"] = token
        request.headers["X-Oauth-Username"] = self.client.username.lower()
        request.headers["X-Oauth-Scope"] = SCOPE

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.client.ensure_token()
        self._sign(request, token)
        response = yield request
        if response.status_code == 401 and self.client.can_renew:
            await response.aread()
            token = await self.client.renew_token(stale=token)
            self._sign(request, token)
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("MaxClient is async only")
