"""The Nuxeo client against a server that misbehaves on purpose: every read ends, in bounded time, with a typed value
or a readable `ServiceError`, and never lets a secret out.

Every read method of the client is listed in READS (a test checks, by introspection, that no public async method is
in neither READS nor WRITES) and driven against every mode of `tests.hostile`, then against JSON shapes hypothesis
makes up around Nuxeo's own (a document without a uid, a blob length of `1e999`, a page whose entries are an object).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import re
import time
import types
import typing
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.hostile import MODES, HostileServer
from tui.http import BadRequestError, ExchangeLog, ProtocolError, ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.models import Document, DocumentPage, Operation, ServerInfo, User
from tui.services.nuxeo.schemas import DocType

DEADLINE = 1.5  # seconds for one exchange; dripping and stalling modes cost this much each
MARGIN = 1.5  # what a call may take past its deadline (a download's stall check, scheduling on a busy machine)
PASSWORD = "Pw-s3cret-Nuxeo"
TOKEN = "Tok-s3cret-Nuxeo"
UID = "0b8f3a4e-5c4d-4d8e-9a77-000000000001"

Call = Callable[[NuxeoClient, Path], Awaitable[object]]

# name -> (how to call it, what it returns)
READS: dict[str, tuple[Call, Any]] = {
    "check": (lambda c, d: c.check(), str),
    "server_info": (lambda c, d: c.server_info(), ServerInfo),
    "current_user": (lambda c, d: c.current_user(), User),
    "get": (lambda c, d: c.get("/default-domain/workspaces", enrichers=("children", "permissions")), Document),
    "children": (lambda c, d: c.children(UID, page=1), DocumentPage),
    "search": (lambda c, d: c.search("quarterly report"), DocumentPage),
    "query": (lambda c, d: c.query("SELECT * FROM Note"), DocumentPage),
    "trashed_children": (lambda c, d: c.trashed_children(UID), DocumentPage),
    "descendant_count": (lambda c, d: c.descendant_count("/default-domain"), int),
    "operations": (lambda c, d: c.operations(), list[Operation]),
    "download": (lambda c, d: c.download(UID, d / "blob.bin"), Path),
    "versions": (lambda c, d: c.versions(UID), list[Document]),
    "document_type": (lambda c, d: c.document_type("File"), DocType),
    "other_lock_holder": (lambda c, d: c.other_lock_holder("jdoe"), str),
}
# Public async methods that send a change (driven against the sandbox in test_client.py), or close the client.
WRITES = {"create", "update", "delete", "trash", "untrash", "move", "upload", "attach", "execute", "aclose"}
WRITES |= {"lock_document", "unlock_document", "restore_version"}
# Whole answers of 50 MB: one call at a time, so the server does not hold eight copies at once.
HEAVY_MODES = {"huge", "huge-error", "huge-chunked"}
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback")


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


def hostile_client(server: HostileServer, *, token: bool = False, log: ExchangeLog | None = None) -> NuxeoClient:
    if token:
        client = NuxeoClient(server.url + "/nuxeo", token=TOKEN, exchange_log=log)
    else:
        client = NuxeoClient(server.url + "/nuxeo", "Administrator", PASSWORD, exchange_log=log)
    client.http.deadline = DEADLINE
    client.http.client.timeout = httpx.Timeout(1.0)
    client.http.backoff = 0.01
    return client


def test_the_read_list_covers_every_public_async_method():
    methods = {
        name for name, _ in inspect.getmembers(NuxeoClient, inspect.iscoroutinefunction) if not name.startswith("_")
    }
    assert WRITES <= methods, "WRITES names a method the client does not have"
    assert methods - WRITES == set(READS), "a public async method is in neither READS nor WRITES"


# -- what a call may end with ---------------------------------------------------------------------------------------


def conforms(value: object, hint: Any) -> bool:
    """`value` is what the annotation `hint` promises, all the way down (dataclass fields included)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(key, str) for key in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if not isinstance(value, hint):
        return False
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return all(conforms(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint))
    return True


def readable(error: ServiceError) -> None:
    for text in (str(error), error.readable):
        assert 0 < len(text) < 500, text
        assert not CLASS_NAME.search(text), text


async def drive(client: NuxeoClient, name: str, folder: Path) -> object:
    """One read: its typed value or the `ServiceError` it raised (anything else fails the test), within the deadline."""
    call, returns = READS[name]
    started = time.monotonic()
    try:
        outcome: object = await call(client, folder)
    except ServiceError as error:
        readable(error)
        outcome = error
    else:
        assert conforms(outcome, returns), f"{name} returned {outcome!r}"
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN, f"{name} took {elapsed:.1f} s"
    return outcome


# -- every mode of the hostile server -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_every_read_against_every_hostile_mode(server, mode, tmp_path):
    server.set_mode(mode)
    async with hostile_client(server) as client:
        if mode in HEAVY_MODES:
            outcomes = [await drive(client, name, tmp_path) for name in READS]
        else:  # at once: the dripping and stalling modes cost the deadline once, not once per read
            outcomes = await asyncio.gather(*(drive(client, name, tmp_path) for name in READS))
    by_name = dict(zip(READS, outcomes, strict=True))
    if mode in ("html", "html-500", "not-json", "null", "list", "number", "string", "truncated", "deep", "reset"):
        # a download takes whatever bytes come as the file, unless they are an HTML page or break off; a client
        # signed in with a username knows who it is without asking, so other_lock_holder needs no answer
        reads = {name: outcome for name, outcome in by_name.items() if name not in ("download", "other_lock_holder")}
        assert all(isinstance(outcome, ServiceError) for outcome in reads.values()), reads
    if mode in ("html", "html-500", "reset", "drip", "drip-headers", "stall", "redirect-loop", "bad-gzip"):
        assert isinstance(by_name["download"], ServiceError), by_name["download"]
    if mode in ("null", "list", "number", "string", "object"):
        for name in ("current_user", "get", "children", "search", "operations"):
            assert isinstance(by_name[name], ProtocolError), (name, by_name[name])
            assert "unexpected shape" in str(by_name[name]) or "without a username" in str(by_name[name])
    assert not list(tmp_path.glob("*.part")), "a failed download left its partial file"


async def test_a_wrong_shape_names_the_request_and_the_place(server):
    server.answer(200, {"entries": [{"uid": "a", "path": "/a"}, {"uid": 7, "path": "/b"}]})
    async with hostile_client(server) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.children("/default-domain")
    assert str(caught.value) == (
        "Nuxeo answered GET api/v1/repo/default/path/default-domain/@children with data of an unexpected shape: "
        "expected `str`, got `int` at `$.entries[1].uid`."
    )


@pytest.mark.parametrize(
    ("reply", "place"),
    [
        ({"uid": UID, "path": "/a", "properties": {"file:content": {"length": 1e999}}}, "file:content"),
        ({"uid": UID, "path": "/a", "contextParameters": {"permissions": 5}}, "permissions"),
        ({"uid": UID, "path": "/a", "contextParameters": {"children": {"childCount": 1e999}}}, "childCount"),
        ({"uid": UID, "path": "/a", "facets": "Folderish"}, "facets"),
        ({"uid": "", "path": "/a"}, "uid"),
        ({"path": "/a"}, "uid"),
    ],
)
async def test_a_document_with_a_field_of_the_wrong_kind_is_a_protocol_error(server, reply, place):
    """Before the shapes were checked these became OverflowError, TypeError, a permission list of characters, or a
    document without a uid."""
    server.answer(200, reply)
    async with hostile_client(server) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.get(UID)
    assert place in str(caught.value)


@pytest.mark.parametrize("reply", [{"unexpected": True}, {"properties": {"groups": []}}, {"id": ""}])
async def test_a_sign_in_reply_without_a_username_is_refused(server, reply):
    """A server that answers /me with some other object is not a Nuxeo that signed us in (this used to say
    "Signed in as  on Nuxeo unknown")."""
    server.answer(200, reply)
    async with hostile_client(server) as client:
        with pytest.raises(ProtocolError):
            await client.check()


async def test_a_nuxeo_without_cmis_still_signs_in(server):
    """The version comes from the CMIS endpoint, an add-on: its absence (404) used to fail the sign-in check."""
    server.answer(404, {"entity-type": "exception", "status": 404, "message": "not found"})
    async with hostile_client(server) as client:
        assert (await client.server_info()).product_version == "unknown"


# -- secrets --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [False, True], ids=["password", "token"])
@pytest.mark.parametrize("status", [200, 400, 403, 500])
async def test_a_secret_the_server_echoes_back_never_reaches_a_message_or_the_log(server, tmp_path, status, token):
    secret = TOKEN if token else PASSWORD
    server.answer(
        status,
        {"entity-type": "exception", "message": f"bad password {secret}", "uid": secret, "entries": secret},
        {"Content-Type": "application/json", "X-Echo": secret},
    )
    log = ExchangeLog()
    async with hostile_client(server, token=token, log=log) as client:
        for name in READS:
            outcome = await drive(client, name, tmp_path)
            if isinstance(outcome, ServiceError):
                assert secret not in outcome.readable and secret not in repr(outcome.args)
                if status >= 400:
                    assert "bad password" in outcome.message
    # every read asked the server, but other_lock_holder on a client that signed in with a username: it knows who it is
    assert len(log) >= len(READS) - (0 if token else 1)
    for exchange in log:
        assert secret not in repr(exchange) and secret not in exchange.as_curl()


# -- downloads ------------------------------------------------------------------------------------------------------


async def test_a_download_answered_with_an_html_page_is_refused(server, tmp_path):
    """It used to be saved as the file: a login portal's page under the document's file name."""
    server.set_mode("html")
    dest = tmp_path / "report.pdf"
    async with hostile_client(server) as client:
        with pytest.raises(ProtocolError, match="HTML page instead of the file"):
            await client.download(UID, dest)
    assert not dest.exists() and not list(tmp_path.iterdir())


async def test_a_dripped_download_fails_in_bounded_time(server, tmp_path):
    """A byte every half second never trips the read timeout: it used to hold the download open for 500 s."""
    server.set_mode("drip")
    async with hostile_client(server) as client:
        started = time.monotonic()
        with pytest.raises(ServiceError, match="too slowly"):
            await client.download(UID, tmp_path / "slow.bin")
    assert time.monotonic() - started < DEADLINE + MARGIN


async def test_a_download_that_cannot_be_saved_here_is_a_readable_error(server, tmp_path):
    """This computer's side fails too (a file where the folder should be): a sentence, not an OSError."""
    server.answer(200, {"some": "bytes"})
    (tmp_path / "taken").write_text("a file, not a folder")
    async with hostile_client(server) as client:
        with pytest.raises(BadRequestError, match="Cannot save"):
            await client.download(UID, tmp_path / "taken" / "report.pdf")


# -- generated shapes -----------------------------------------------------------------------------------------------

KEYS = [
    "entity-type", "uid", "path", "type", "title", "state", "facets", "properties", "contextParameters", "children",
    "childCount", "hasFolderishChild", "permissions", "entries", "resultsCount", "totalSize", "currentPageIndex",
    "pageSize", "numberOfPages", "isNextPageAvailable", "dc:title", "dc:modified", "file:content", "name", "length",
    "mime-type", "operations", "id", "params", "values", "order", "signature", "default", "productVersion",
    "username", "groups", "message",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # inf and nan too: Python's json reads "Infinity" and "NaN"
    | st.text(max_size=12)
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner),
    max_leaves=20,
)


def obj(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def spoiled(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A reply of the right shape with one thing wrong, somewhere down inside: a field dropped, or anything at all in
    its place (a `null`, a list, a string where a number belongs, `inf`...)."""
    reply = draw(valid)
    node = reply
    while True:
        inner = [v for v in node.values() if isinstance(v, dict)]
        inner += [item for v in node.values() if isinstance(v, list) for item in v if isinstance(item, dict)]
        if not inner or draw(st.booleans()):
            break
        node = draw(st.sampled_from(inner))
    if node:
        key = draw(st.sampled_from(sorted(node)))
        if draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(anything)
    return reply


text = st.text(max_size=10)
ids = st.text(min_size=1, max_size=8)
counts = st.integers(min_value=-1, max_value=10**6)
blob = obj({}, {"name": text, "mime-type": text, "length": counts.map(str), "data": text})
document = obj(
    {"uid": ids, "path": st.just("/default-domain/x")},
    {
        "type": st.sampled_from(["Folder", "File", "Note"]),
        "title": text,
        "changeToken": text,
        "facets": st.lists(st.sampled_from(["Folderish", "Versionable"]), max_size=2),
        "properties": obj({}, {"dc:title": text, "dc:modified": text, "file:content": blob}),
        "contextParameters": obj(
            {},
            {
                "children": obj({}, {"childCount": counts, "hasFolderishChild": st.booleans()}),
                "permissions": st.lists(text, max_size=2),
            },
        ),
    },
)
page = obj(
    {"entries": st.lists(document, max_size=3)},
    {"resultsCount": counts, "currentPageIndex": counts, "pageSize": counts, "isNextPageAvailable": st.booleans()},
)
user = obj({"id": ids}, {"properties": obj({}, {"groups": st.lists(text, max_size=2)})})
operations = obj(
    {"operations": st.lists(obj({"id": ids}, {"params": st.lists(obj({"name": ids}, {"order": counts}))}))}, {}
)
cmis = obj({}, {"default": obj({}, {"productVersion": text})})
field_type = st.sampled_from(["string", "string[]", "date", "long", "boolean", "blob"]) | obj(
    {"type": st.sampled_from(["complex", "complex[]"]), "fields": st.dictionaries(ids, st.just("string"), max_size=2)},
    {},
)
schema = obj({"name": ids}, {"prefix": text, "fields": st.dictionaries(ids, field_type, max_size=3)})
doc_type = obj({"name": ids}, {"facets": st.lists(text, max_size=2), "schemas": st.lists(schema, max_size=2)})
shapes = [document, page, user, operations, cmis, doc_type]
bodies = st.one_of(anything, *shapes, *(spoiled(shape) for shape in shapes))
statuses = st.sampled_from([200] * 6 + [201, 204, 400, 401, 403, 404, 409, 500])
EXAMPLES = 200
# One usable reply of each shape, always tried first: what hypothesis makes up varies with the modules loaded (it
# borrows strings from their constants), and every read must meet a reply it can use whatever the luck of the run.
USABLE = [
    {"uid": "u", "path": "/default-domain/x"},
    {"entries": [{"uid": "u", "path": "/default-domain/x"}]},
    {"id": "jdoe", "properties": {"username": "jdoe"}},
    {"operations": [{"id": "Noop"}]},
    {"default": {"productVersion": "2023.12"}},
    {"name": "File", "schemas": [{"name": "dublincore", "prefix": "dc", "fields": {"title": "string"}}]},
]


def test_generated_replies_give_typed_values_or_readable_errors(server, tmp_path):
    """EXAMPLES replies, each answered to every read: a typed value or a readable `ServiceError`, nothing else; and
    each read meets a reply it can use at least once (so the typed way out is exercised too, not only the errors)."""
    values = dict.fromkeys(READS, 0)
    errors = 0
    with asyncio.Runner() as runner:
        client = hostile_client(server)

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        )
        @given(status=statuses, body=bodies)
        def every_read(status: int, body: Any) -> None:
            nonlocal errors
            server.answer(status, body)
            for name in READS:
                if isinstance(runner.run(drive(client, name, tmp_path)), ServiceError):
                    errors += 1
                else:
                    values[name] += 1

        for usable in USABLE:
            every_read = example(status=200, body=usable)(every_read)
        try:
            every_read()
        finally:
            runner.run(client.aclose())
    assert all(values.values()) and errors > EXAMPLES, (values, errors)
