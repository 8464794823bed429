"""The REST-ish resource accessor: MAX's URL structure as attribute and item access, the way the `maxclient`
REST-ish client does it:

    await client.people["alice"].timeline.get(limit=20)
    await client.people["alice"].activities.post(object_content="Hello #world")   # nested as {"object": {...}}
    await client.activities[some_id].comments.post(object_content="Nice")

Collections are attributes, items are `[...]`; POST/PUT keywords become the JSON body on top of per-endpoint
defaults, with `key_subkey` keywords nested; GET/HEAD/DELETE keywords become the query string (`qs=` also works).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from tui.http import ProtocolError
from tui.services.max.models import SERVICE, context_hash

GENERATOR = "servicedeck"


class Transport(Protocol):
    """What a resource needs from the client: send a request to a path under the API, decode a JSON answer."""

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...

    def decode(self, response: httpx.Response) -> Any: ...


# Per-endpoint defaults, keyed by (route with {} for items, method). Keywords are merged on top, recursively.
DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("people/{}/activities", "post"): {"object": {"objectType": "note"}, "generator": GENERATOR},
    ("contexts/{}/activities", "post"): {"object": {"objectType": "note"}, "generator": GENERATOR},
    ("activities/{}/comments", "post"): {"object": {"objectType": "comment"}},
    ("contexts", "post"): {"objectType": "context"},
    ("people/{}/subscriptions", "post"): {"object": {"objectType": "context"}},
    ("conversations", "post"): {"object": {"objectType": "message"}},
    ("conversations/{}/messages", "post"): {"object": {"objectType": "message"}},
}
HEX40 = re.compile(r"[0-9a-f]{40}")
COUNT_HEADER = re.compile(r"[0-9]{1,15}")
ROOT_COLLECTIONS = frozenset(
    {"people", "activities", "contexts", "conversations", "messages", "info", "admin", "security", "hashtags"}
)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def nest(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`object_content="x"` -> {"object": {"content": "x"}} (also `object.content`)."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        parts = re.split(r"[._]", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"{key} nests into a value that is not an object")
        node[parts[-1]] = value
    return out


class Resource:
    """A lazy URL: attributes add a collection segment, `[item]` adds an item; methods send the request."""

    def __init__(self, client: Transport, segments: tuple[str, ...] = (), route: tuple[str, ...] = ()):
        self._client = client
        self._segments = segments
        self._route = route

    def __getattr__(self, name: str) -> Resource:
        if name.startswith("_"):
            raise AttributeError(name)
        return Resource(self._client, (*self._segments, name), (*self._route, name))

    def __getitem__(self, item: str) -> Resource:
        item = str(item)
        if self._segments and self._segments[-1] == "contexts" and not HEX40.fullmatch(item):
            item = context_hash(item)  # contexts are addressed by the hash of their URL
        return Resource(self._client, (*self._segments, item), (*self._route, "{}"))

    @property
    def path(self) -> str:
        return "/" + "/".join(_quote(s) for s in self._segments)

    def defaults(self, method: str) -> dict[str, Any]:
        return copy.deepcopy(DEFAULTS.get(("/".join(self._route), method.lower()), {}))

    def __repr__(self) -> str:
        return f"<MAX resource {self.path}>"

    async def _send(self, method: str, *, qs: dict[str, Any] | None = None, data: Any = None, **kwargs: Any) -> Any:
        params = dict(qs or {})
        body = None
        if method in ("POST", "PUT"):
            body = data if data is not None else merge(self.defaults(method), nest(kwargs))
        else:
            params.update(kwargs)
        response = await self._client.request(method, self.path, params=params or None, json=body)
        return self._client.decode(response)

    async def get(self, **kwargs: Any) -> Any:
        return await self._send("GET", **kwargs)

    async def post(self, **kwargs: Any) -> Any:
        return await self._send("POST", **kwargs)

    async def put(self, **kwargs: Any) -> Any:
        return await self._send("PUT", **kwargs)

    async def delete(self, **kwargs: Any) -> Any:
        return await self._send("DELETE", **kwargs)

    async def head(self, **kwargs: Any) -> int:
        """HEAD on a collection: how many items it holds (MAX's X-totalItems header)."""
        params = dict(kwargs.pop("qs", None) or {}, **kwargs)
        response = await self._client.request("HEAD", self.path, params=params or None)
        total = response.headers.get("X-totalItems", "").strip()
        if not COUNT_HEADER.fullmatch(total):  # not str.isdigit: it says yes to "²" and to 5000 digits, int() says no
            raise ProtocolError(
                f"MAX did not say how many items there are (HEAD {self.path} has no X-totalItems count).",
                service=SERVICE,
            )
        return int(total)


def _quote(segment: str) -> str:
    return quote(segment, safe="@.-_~")
