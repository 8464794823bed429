"""Differential testing: the same signed request to a real Cerb and to our sandbox, and the parts of the replies
that must agree: the HTTP status, `__status`, `__error`, `message`, and which keys are present with which JSON types
(the values differ: the two servers hold different data).

Each server gets a ticket of its own to write on (composed at the start), and the ids a request needs are taken from
that server's own data (`Facts`), so a request names the same kind of thing on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tui.services.cerb.auth import CerbSignatureAuth

Params = list[tuple[str, str]]

# Keys never compared, and why: Cerb tags every related record it knows of with its context and type
# (`bucket_group_reply_signature__context`, dozens of them on `tickets/1.json`), and links an avatar image; the
# sandbox models neither the relationships behind those tags nor avatars, and no client reads them.
NOT_COMPARED = re.compile(r"(__context|__type|_image_url)$")


@dataclass
class Server:
    name: str
    url: str
    access_key: str
    secret: str
    facts: dict[str, int] = field(default_factory=dict)

    def client(self, auth: httpx.Auth | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=auth or CerbSignatureAuth(self.access_key, self.secret), timeout=60)


@dataclass
class Reply:
    status: int
    body: Any


def send(
    server: Server,
    method: str,
    path: str,
    *,
    params: Params | None = None,
    data: Params | None = None,
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request, its path and fields filled from the server's facts (`{ticket}`, `{message}`...)."""
    path = path.format(**server.facts)
    kwargs: dict[str, Any] = {"headers": dict(headers or {})}
    if params:
        kwargs["params"] = [(k, v.format(**server.facts)) for k, v in params]
    if data is not None:
        kwargs["content"] = str(httpx.QueryParams([(k, v.format(**server.facts)) for k, v in data])).encode()
        kwargs["headers"]["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    with server.client(auth) as client:
        response = client.request(method, path, **kwargs)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Reply(response.status_code, body)


def json_type(value: Any) -> str:
    """JSON's own types: PHP sends 0.5 and 0 for the same float field, so int and float are both a number."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def record_shape(records: list[dict[str, Any]]) -> dict[str, str]:
    """Each compared key of the records, with the JSON types its values have ("null|string" when it varies)."""
    types: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            if not NOT_COMPARED.search(key):
                types.setdefault(key, set()).add(json_type(value))
    return {key: "|".join(sorted(found)) for key, found in sorted(types.items())}


def shape(reply: Reply, facts: dict[str, int]) -> dict[str, Any]:
    """What must agree between two replies to the same request."""
    body = reply.body
    if not isinstance(body, dict):
        return {"http": reply.status, "body": json_type(body) if not isinstance(body, str) else "text"}
    message = body.get("message")
    if isinstance(message, str):
        for name, value in sorted(facts.items(), key=lambda item: -len(str(item[1]))):
            message = re.sub(rf"(?<!\d){value}(?!\d)", "{" + name + "}", message)
    out: dict[str, Any] = {
        "http": reply.status,
        "__status": body.get("__status"),
        "__error": body.get("__error"),
        "message": message,
    }
    results = body.get("results")
    top = {k: v for k, v in body.items() if k != "results"}
    if isinstance(results, list) and all(isinstance(r, dict) for r in results):
        out["results"] = record_shape(results)
        out["keys"] = record_shape([top])
    else:
        out["keys"] = record_shape([body])
    return out


def same_types(mine: str | None, theirs: str | None) -> bool:
    """A key's types agree. Where both sides have a value that is not null, only those types are compared: whether
    a nullable field (a worker's location) happens to be null in the records at hand is a matter of data."""
    if mine is None or theirs is None:
        return mine == theirs
    a, b = set(mine.split("|")), set(theirs.split("|"))
    if a - {"null"} and b - {"null"}:
        return a - {"null"} == b - {"null"}
    return a == b


def differences(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Readable lines: what the sandbox (mine) says where the real Cerb (theirs) says otherwise."""
    lines: list[str] = []
    for part in ("http", "body", "__status", "__error", "message"):
        if mine.get(part) != theirs.get(part):
            lines.append(f"{part}: sandbox {mine.get(part)!r}, real {theirs.get(part)!r}")
    for part in ("keys", "results"):
        a, b = mine.get(part) or {}, theirs.get(part) or {}
        if (part in mine) != (part in theirs):
            lines.append(f"{part}: sandbox {'has' if part in mine else 'lacks'} them, real does not")
        for key in sorted(set(a) | set(b)):
            if not same_types(a.get(key), b.get(key)):
                lines.append(f"{part}.{key}: sandbox {a.get(key) or 'absent'}, real {b.get(key) or 'absent'}")
    return lines
