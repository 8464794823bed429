"""The MAX client against a server that misbehaves on purpose: every call ends, in bounded time, with a typed value or
a readable `ServiceError`, and never lets a secret out.

Every public async method of the client is driven: the reads listed in READS (a test checks, by introspection, that no
read is missing), the writes in WRITES. Each runs against every mode of `tests.hostile` and against JSON shapes
hypothesis makes up around MAX's own (an activity with a `null` actor, a count of `1e999`, replies as an object...).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import MODES, HostileServer
from tui.http import ExchangeLog, ProtocolError, ServiceError
from tui.services.max.client import MaxClient
from tui.services.max.models import StreamView

DEADLINE = 1.5  # seconds for one exchange; dripping and stalling modes cost this much each
MARGIN = 1.0  # what a call may take past its deadline (scheduling on a busy machine)
PASSWORD = "Pw-s3cret-MAX"
TOKEN = "Tok-s3cret-MAX"
SOME_ID = "5" * 24
CONTEXT_URL = "http://intranet/teams/web"


@dataclass
class Clients:
    signed_in: MaxClient  # holds a token already: its calls go straight to the API (and renew the token on a 401)
    newcomer: MaxClient  # has only a password: it discovers the OAuth server and asks for a token first


Call = Callable[[Clients], Awaitable[object]]

READS: dict[str, Call] = {
    "check": lambda c: c.newcomer.check(),
    "discover": lambda c: c.newcomer.discover(),
    "ensure_token": lambda c: c.newcomer.ensure_token(),
    "timeline": lambda c: c.signed_in.timeline(hashtag="release", keyword="notes"),
    "user_activities": lambda c: c.signed_in.user_activities("bob", before=SOME_ID),
    "context_activities": lambda c: c.signed_in.context_activities(CONTEXT_URL, after=SOME_ID),
    "stream": lambda c: c.signed_in.stream(StreamView("hashtag", "release")),
    "count": lambda c: c.signed_in.count(StreamView()),
    "activity": lambda c: c.signed_in.activity(SOME_ID),
    "comments": lambda c: c.signed_in.comments(SOME_ID),
    "conversations_list": lambda c: c.signed_in.conversations_list(),
    "messages": lambda c: c.signed_in.messages(SOME_ID),
    "contexts_list": lambda c: c.signed_in.contexts_list(),
    "context": lambda c: c.signed_in.context(CONTEXT_URL),
    "subscriptions": lambda c: c.signed_in.subscriptions(),
    "person": lambda c: c.signed_in.person("bob"),
    "people_list": lambda c: c.signed_in.people_list("b"),
}
WRITES: dict[str, Call] = {
    "renew_token": lambda c: c.signed_in.renew_token(stale=TOKEN),
    "post": lambda c: c.signed_in.post("Hello #world", context=CONTEXT_URL),
    "delete_activity": lambda c: c.signed_in.delete_activity(SOME_ID),
    "comment": lambda c: c.signed_in.comment(SOME_ID, "Nice"),
    "like": lambda c: c.signed_in.like(SOME_ID),
    "unlike": lambda c: c.signed_in.unlike(SOME_ID),
    "favorite": lambda c: c.signed_in.favorite(SOME_ID),
    "unfavorite": lambda c: c.signed_in.unfavorite(SOME_ID),
    "start_conversation": lambda c: c.signed_in.start_conversation(["bob"], "Hi", title="Lunch"),
    "send_message": lambda c: c.signed_in.send_message(SOME_ID, "Hi again"),
    "create_context": lambda c: c.signed_in.create_context(CONTEXT_URL, "Web team"),
    "subscribe": lambda c: c.signed_in.subscribe(CONTEXT_URL),
    "unsubscribe": lambda c: c.signed_in.unsubscribe(CONTEXT_URL),
    "create_person": lambda c: c.signed_in.create_person("carol", "Carol"),
}
# Public async methods that are no typed call of their own: the raw request every typed call goes through, closing.
PLUMBING = {"request", "aclose"}


def public_async_methods() -> dict[str, Callable[..., Any]]:
    return {
        name: fn
        for name, fn in inspect.getmembers(MaxClient, inspect.iscoroutinefunction)
        if not name.startswith("_") and name not in PLUMBING
    }


def sample_arguments(fn: Callable[..., Any], text: str) -> dict[str, Any]:
    """Arguments for the required parameters of `fn`, made from their annotations."""
    hints = typing.get_type_hints(fn)
    samples = {str: text, list[str]: [text], StreamView: StreamView()}
    return {
        name: samples[hints[name]]
        for name, parameter in inspect.signature(fn).parameters.items()
        if name != "self" and parameter.default is inspect.Parameter.empty
    }


async def test_the_lists_hold_every_read_and_every_write_of_the_client(server):
    """Found by running them: each public async method is called once, and what it sends says whether it only reads
    (GET and HEAD) or writes. A method added to the client and missing from READS or WRITES fails here."""
    signed_in_token = "tok-123"
    server.answer(200, {"max.oauth_server": server.url + "/oauth", "access_token": signed_in_token})
    reads, writes = set(), set()
    for name, fn in public_async_methods().items():
        client = hostile_client(server, signed_in=False)
        try:
            await client.ensure_token()  # signed in first, so only the method's own requests are counted
            server.requests.clear()
            # every text is the current token, so that renew_token(stale=...) really renews
            await getattr(client, name)(**sample_arguments(fn, signed_in_token))
        except ServiceError:
            pass  # the answer fits no reply but /info and /token: what was sent is what counts
        finally:
            await client.aclose()
        sent = {method for method, _path, _body in server.requests}
        (writes if sent - {"GET", "HEAD"} else reads).add(name)
    assert reads == set(READS), "READS must list every method that only reads"
    assert writes == set(WRITES), "WRITES must list every method that sends a change"


# -- what a call may end with ---------------------------------------------------------------------------------------


def conforms(value: object, hint: Any) -> bool:
    """`value` is what the annotation `hint` promises, all the way down (dataclass fields included)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is None or hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is tuple:
        return isinstance(value, tuple) and all(conforms(item, args[0]) for item in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if hint is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if not isinstance(value, hint):
        return False
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return all(conforms(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint))
    return True


def returns(name: str) -> Any:
    return typing.get_type_hints(getattr(MaxClient, name))["return"]


async def outcome(name: str, call: Call, clients: Clients) -> str:
    """Run one call; it must end within its deadline with a typed value or a readable `ServiceError`."""
    started = time.monotonic()
    try:
        value = await call(clients)
    except ServiceError as exc:
        text = exc.readable
        assert 0 < len(text) < 500, f"{name}: {len(text)} characters"
        assert "Traceback" not in text and "\n" not in text, f"{name}: {text}"
        ended = type(exc).__name__
    except Exception as exc:
        raise AssertionError(f"{name} let out {type(exc).__name__}: {exc}") from exc
    else:
        assert conforms(value, returns(name)), f"{name} returned {value!r}"
        ended = "value"
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN, f"{name} took {elapsed:.1f} s"
    return ended


async def drive(calls: dict[str, Call], clients: Clients) -> dict[str, str]:
    """All the calls at once (each on its own connection), so slow modes cost one deadline, not one per call."""
    ended = await asyncio.gather(*(outcome(name, call, clients) for name, call in calls.items()))
    return dict(zip(calls, ended, strict=True))


# -- the server and the clients -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


def hostile_client(server: HostileServer, *, signed_in: bool, log: ExchangeLog | None = None) -> MaxClient:
    client = MaxClient(
        server.url + "/max",
        "alice",
        PASSWORD,
        token=TOKEN if signed_in else "",
        oauth_server=server.url + "/oauth" if signed_in else "",
        exchange_log=log,
    )
    client.http.deadline = DEADLINE
    client.http.client.timeout = httpx.Timeout(1.0)
    client.http.backoff = 0.01  # retries of a 503 stay, their waits shrink
    return client


def clients_for(server: HostileServer) -> Clients:
    """Two clients keeping an exchange log, as in the app (the log reads every body too)."""
    return Clients(
        hostile_client(server, signed_in=True, log=ExchangeLog()),
        hostile_client(server, signed_in=False, log=ExchangeLog()),
    )


async def close(clients: Clients) -> None:
    await clients.signed_in.aclose()
    await clients.newcomer.aclose()


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_every_call_against_every_hostile_mode(server, mode):
    server.set_mode(mode)
    clients = clients_for(server)
    try:
        reads = await drive(READS, clients)
        await drive(WRITES, clients)
    finally:
        await close(clients)
    assert "value" not in reads.values(), reads  # no hostile answer passes for what MAX sends


async def test_a_shape_surprise_names_the_request_and_the_place(server):
    server.answer(200, [{"id": SOME_ID, "actor": {"username": "bob"}, "likesCount": float("inf")}])
    clients = clients_for(server)
    try:
        with pytest.raises(ServiceError) as caught:
            await clients.signed_in.timeline()
    finally:
        await close(clients)
    assert "MAX answered GET /people/alice/timeline with data of an unexpected shape" in caught.value.message
    assert "$[0].likesCount" in caught.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
async def test_a_server_that_echoes_the_secrets_never_gets_them_shown_or_logged(server, status):
    echo = f"bad password {PASSWORD} for token {TOKEN}"
    server.answer(
        status,
        {"objectType": "error", "error": "Echo", "error_description": echo},
        {"Content-Type": "application/json", "X-Echo": f"{PASSWORD} {TOKEN}"},
    )
    # each client masks the secrets it holds: both, the password only, the token only (so it cannot renew on a 401)
    holders = {
        "signed in": (hostile_client(server, signed_in=True, log=ExchangeLog()), (PASSWORD, TOKEN)),
        "newcomer": (hostile_client(server, signed_in=False, log=ExchangeLog()), (PASSWORD,)),
        "token only": (MaxClient(server.url + "/max", "alice", token=TOKEN, exchange_log=ExchangeLog()), (TOKEN,)),
    }
    shown: list[str] = []
    for client, secrets in holders.values():
        texts: list[str] = []
        try:
            for call in (client.check(), client.timeline(), client.post("hi")):
                with pytest.raises(ServiceError) as caught:
                    await call
                texts.append(caught.value.readable)
        finally:
            await client.aclose()
        log = client.http.exchange_log
        assert log is not None and len(list(log)) >= 3
        texts += map(repr, log)
        shown += texts
        for text in texts:
            assert not any(secret in text for secret in secrets), text
    assert any("bad password" in text for text in shown)  # the server's words do come through, masked


async def test_a_token_that_cannot_go_back_in_a_header_is_refused(server):
    server.answer(200, {"max.oauth_server": server.url + "/oauth", "access_token": "tok\u00e9n with spaces"})
    clients = clients_for(server)
    try:
        with pytest.raises(ProtocolError) as caught:  # not a UnicodeEncodeError from inside httpx, as it was
            await clients.newcomer.check()
    finally:
        await close(clients)
    assert "token that cannot be sent back" in str(caught.value)


# Only ASCII here: a header outside ASCII fails earlier, in the shared HTTP layer (a ProtocolError all the same).
@pytest.mark.parametrize("header", ["9" * 5000, "-3", "1e999", "", "0x10"])
async def test_a_count_header_that_is_not_plain_digits_is_a_protocol_error(server, header):
    server.answer(200, [], {"Content-Type": "application/json", "X-totalItems": header})
    clients = clients_for(server)
    try:
        with pytest.raises(ProtocolError, match="X-totalItems"):
            await clients.signed_in.count(StreamView())
    finally:
        await close(clients)


# -- generated shapes -----------------------------------------------------------------------------------------------

texts = st.text(max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | texts
any_json = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=8
)
ids = st.sampled_from([SOME_ID, "6" * 24, "", "x/../y"])
counts = st.integers(0, 5) | st.sampled_from([float("inf"), -1, 10**30, "7", "seven", 2.5])
times = st.sampled_from(
    ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "no"]
)


def sometimes(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what MAX sends there, now and then anything at all."""
    return st.one_of(*[right] * 5, any_json)


def shaped(required: dict[str, Any], optional: dict[str, Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {k: sometimes(v) for k, v in required.items()},
        optional={k: sometimes(v) for k, v in (optional or {}).items()},
    )


person = shaped({"username": st.sampled_from(["alice", "bob", ""]) | texts}, {"displayName": texts | st.none()})
context = shaped({"url": st.just(CONTEXT_URL) | texts}, {"hash": texts, "displayName": texts})
reference = shaped({}, {"id": ids, "objectType": texts})
note = shaped({}, {"objectType": texts, "content": texts, "inReplyTo": st.lists(reference, max_size=2)})
comment = shaped(
    {"id": ids, "actor": person},
    {"content": texts, "published": times, "inReplyTo": st.lists(reference, max_size=2), "object": note},
)
activity = shaped(
    {"id": ids, "actor": person},
    {
        "object": note,
        "published": times,
        "verb": texts,
        "contexts": st.lists(context, max_size=2),
        "replies": st.lists(comment, max_size=2) | shaped({}, {"items": st.lists(comment, max_size=2)}),
        "commentsCount": counts,
        "likes": st.lists(person, max_size=2),
        "likesCount": counts,
        "liked": st.booleans(),
        "deletable": st.booleans(),
        "generator": texts | st.none(),
    },
)
conversation = shaped(
    {"id": ids},
    {
        "displayName": texts,
        "participants": st.lists(person, max_size=2),
        "messages": counts,
        "lastMessage": shaped({}, {"content": texts}) | st.none(),
    },
)
message = shaped({"id": ids, "actor": person}, {"object": note, "published": times, "contexts": st.lists(reference)})
info = shaped({}, {"max.oauth_server": st.sampled_from(["", "/oauth"]) | texts})
token = shaped({}, {"access_token": st.just(TOKEN) | texts, "oauth_token": texts})
# one answer that does for /info, /token and the person signing in: so a newcomer gets all the way through
signing_in = shaped(
    {"max.oauth_server": st.just("/oauth"), "access_token": st.just(TOKEN), "username": st.just("alice")},
    {"displayName": texts},
)
error = shaped({}, {"objectType": st.just("error"), "error": texts, "error_description": texts})

kinds = [activity, comment, person, context, conversation, message, signing_in]
several = [st.lists(kind, max_size=3) for kind in kinds]
replies = st.one_of(any_json, info, token, error, *several, *kinds, *kinds)  # MAX's own shapes, most of the time
statuses = st.sampled_from([*[200] * 8, 201, 400, 401, 403, 404, 409, 500, 503])
headers = st.fixed_dictionaries(
    {"Content-Type": st.sampled_from([*["application/json"] * 6, "text/html", "text/plain"])},
    optional={"X-totalItems": st.sampled_from(["3", "0", "9" * 5000, "9" * 40, "", "-1", "\u00b2"])},
)

EXAMPLES = 200
CALLS = {**READS, **WRITES}


def test_every_call_against_generated_shapes(server):
    loop = asyncio.new_event_loop()
    clients = clients_for(server)
    endings: dict[str, set[str]] = {name: set() for name in CALLS}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(status=statuses, reply=replies, answer_headers=headers)
    def one_reply(status: int, reply: Any, answer_headers: dict[str, str]) -> None:
        server.answer(status, reply, answer_headers)
        # the newcomer starts from nothing each time, so its discovery and sign-in meet every shape too
        clients.newcomer.oauth_server = ""
        clients.newcomer._token = ""
        for name, ended in loop.run_until_complete(drive(CALLS, clients)).items():
            endings[name].add(ended)

    try:
        one_reply()
    finally:
        loop.run_until_complete(close(clients))
        loop.close()
    # the shapes reach past the first check: most calls get a value now and then, and reads meet shape errors
    assert sum("value" in e for e in endings.values()) > len(CALLS) // 2, endings
    assert any("ProtocolError" in e for e in endings.values()), endings
