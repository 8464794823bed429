"""Our Cerb client against a server that misbehaves on purpose (tests/hostile.py) and against generated JSON shapes.

Every call either returns its typed result, one that the pane can draw, or raises a `ServiceError` with a short
readable message, within the deadline of its exchanges; nothing else leaves the client, and no secret the server
echoes back reaches a message or the exchange log.
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import MODES, HostileServer
from tui.http import ExchangeLog, ProtocolError, ServiceError
from tui.services.cerb import render
from tui.services.cerb.client import MAX_PAGES, CerbClient
from tui.services.cerb.models import (
    Attachment,
    Bucket,
    Comment,
    Conversation,
    Group,
    Message,
    Ticket,
    TicketPage,
    Worker,
)

DEADLINE = 1.5  # seconds per exchange; the drip and stall modes cost this much
MARGIN = 1.5
SECRET = "CerbSecret-4815"

Call = Callable[[CerbClient], Awaitable[object]]

# Every public async method that only reads: (how to call it, what it must return)
READS: dict[str, tuple[Call, type | tuple[type, type]]] = {
    "check": (lambda c: c.check(), str),
    "current_worker": (lambda c: c.current_worker(), Worker),
    "me": (lambda c: c.me(), Worker),
    "search_tickets": (lambda c: c.search_tickets("status:o", limit=25), TicketPage),
    "ticket_pages": (lambda c: every_page(c), (list, TicketPage)),
    "get_ticket": (lambda c: c.get_ticket(7), Ticket),
    "messages": (lambda c: c.messages(7), (list, Message)),
    "comments": (lambda c: c.comments(7), (list, Comment)),
    "conversation": (lambda c: c.conversation(7), Conversation),
    "groups": (lambda c: c.groups(), (list, Group)),
    "buckets": (lambda c: c.buckets(2), (list, Bucket)),
    "workers": (lambda c: c.workers(), (list, Worker)),
    "attachments": (lambda c: c.attachments([9]), dict),
    "download": (lambda c: c.download(Attachment(3, "a.txt", "text/plain", 5), Path(tempfile.mkdtemp())), Path),
}
# The writes read a reply too, so they are driven the same way.
WRITES: dict[str, tuple[Call, type | tuple[type, type]]] = {
    "update_ticket": (lambda c: c.update_ticket(7, status="closed"), Ticket),
    "compose": (lambda c: c.compose(group_id=1, to="a@example.com", subject="Hi", content="Hello"), Ticket),
    "reply": (lambda c: c.reply(9, "Thanks"), Ticket),
    "comment": (lambda c: c.comment(7, "Noted"), int),
    "upload": (lambda c: c.upload(a_file()), Attachment),
}
LIFECYCLE = {"aclose"}


async def every_page(client: CerbClient) -> list[TicketPage]:
    return [page async for page in client.ticket_pages("status:o", limit=25)]


def a_file() -> Path:
    path = Path(tempfile.mkdtemp()) / "note.txt"
    path.write_text("a note")
    return path


CALLS = {**READS, **WRITES}


def test_the_lists_name_every_public_async_method_of_the_client():
    public = {
        name
        for name, member in inspect.getmembers(CerbClient)
        if (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member)) and not name.startswith("_")
    }
    assert public == set(READS) | set(WRITES) | LIFECYCLE, "classify the new method in READS or WRITES"


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


def client_of(server: HostileServer, log: ExchangeLog | None = None) -> CerbClient:
    client = CerbClient(f"{server.url}/rest/", "ACCESSKEY", SECRET, exchange_log=log)
    client.http.deadline = DEADLINE
    client.http.client.timeout = httpx.Timeout(1.0)
    client.http.backoff = 0.01
    return client


def drawable(value: object) -> None:
    """What the pane does with a result: draw it (a date out of range or a bad number would fail here)."""
    tickets: list[Ticket] = []
    if isinstance(value, Ticket):
        tickets = [value]
    elif isinstance(value, TicketPage):
        tickets = value.tickets
    elif isinstance(value, Conversation):
        tickets = [value.ticket]
        render.conversation(value)
    elif isinstance(value, list) and value and isinstance(value[0], (Message, Comment)):
        for entry in value:
            render.entry_renderable(entry)
    for ticket in tickets:
        render.ticket_cells(ticket)
        render.properties(ticket)


async def outcome(client: CerbClient, name: str) -> str:
    """Run one call; check it returned its type or failed readably, in time. Returns what happened, for messages."""
    call, kind = CALLS[name]
    started = time.monotonic()
    try:
        value = await call(client)
    except ServiceError as exc:
        text = exc.readable
        assert 0 < len(text) < 500, f"{name}: {len(text)} characters"
        assert "Traceback" not in text and "ValidationError" not in text, f"{name}: {text}"
        result = f"{type(exc).__name__}: {text}"
    else:
        if isinstance(kind, tuple):
            container, item = kind
            assert isinstance(value, container) and all(isinstance(v, item) for v in value), f"{name}: {value!r}"
        else:
            assert isinstance(value, kind), f"{name}: {value!r}"
        drawable(value)
        result = "ok"
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN, f"{name} took {elapsed:.1f} s"
    return result


async def every_call(client: CerbClient) -> dict[str, str]:
    """All calls at once (each is timed on its own): the slow modes cost one deadline, not one per call."""
    names = list(CALLS)
    results = await asyncio.gather(*(outcome(client, name) for name in names))
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_every_call_against_every_hostile_mode(server, mode):
    server.set_mode(mode)
    log = ExchangeLog()  # as in the app: every exchange recorded
    async with client_of(server, log) as client:
        results = await every_call(client)
    assert len(log) >= len(CALLS)
    if mode in ("null", "list", "number", "string", "html", "truncated", "not-json", "empty", "deep", "bignum"):
        assert all(r != "ok" for r in results.values()), results


async def test_deeply_nested_json_without_an_exchange_log(server):
    server.set_mode("deep")
    async with client_of(server) as client:
        results = await every_call(client)
    assert all("not valid JSON" in r for r in results.values()), results


# -- generated shapes -------------------------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "id",
        "results",
        "total",
        "page",
        "limit",
        "__status",
        "__error",
        "__version",
        "message",
        "mask",
        "subject",
        "status",
        "status_id",
        "importance",
        "owner_id",
        "created",
        "updated",
        "num_messages",
        "latest_message_id",
        "group__label",
        "first_name",
        "email",
        "name",
        "_label",
        "is_default",
        "is_outgoing",
        "content",
        "comment",
        "comment_id",
    ]
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["1", "0", "open", "error", "success", "ERROR_NOT_FOUND", "1e999", "", "9" * 30])
)
VALUES = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=12
)
RECORDS = st.dictionaries(KEYS, VALUES, max_size=10)
SEARCHES = st.fixed_dictionaries(
    {"results": st.lists(RECORDS | VALUES, max_size=3) | st.dictionaries(st.text(max_size=4), RECORDS, max_size=3)},
    optional={"total": LEAVES, "page": LEAVES, "limit": LEAVES, "__version": LEAVES, "__status": LEAVES},
)
REPLIES = st.one_of(VALUES, RECORDS, SEARCHES)
STATUSES = st.sampled_from([200, 200, 200, 401, 403, 404, 500])
EXAMPLES = 120


def test_generated_reply_shapes(server):
    """Hypothesis makes up replies (records with odd values, searches, errors, plain JSON); every call copes."""
    loop = asyncio.new_event_loop()
    client = client_of(server)
    seen: dict[str, int] = {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(status=STATUSES, reply=REPLIES)
    def one_reply(status: int, reply: object) -> None:
        server.answer(status, reply)
        client._me = None  # `me` would otherwise answer from the first example
        for name, result in loop.run_until_complete(every_call(client)).items():
            if result == "ok":
                seen[name] = seen.get(name, 0) + 1

    try:
        one_reply()
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
    # the shapes are not all refused: the calls that read lists and searches got typed results from some of them
    assert {"search_tickets", "groups", "messages"} <= set(seen), seen


# -- particular hostilities --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        {"__status": "error", "__error": "ERROR", "message": f"bad password {SECRET}"},
        {"message": f"bad password {SECRET}"},
    ],
)
@pytest.mark.parametrize("status", [200, 401])
async def test_a_secret_the_server_echoes_back_reaches_no_message_nor_the_log(server, reply, status):
    server.answer(status, reply, {"Content-Type": "application/json", "X-Echo": SECRET})
    log = ExchangeLog()
    async with client_of(server, log) as client:
        results = await every_call(client)
    assert all(SECRET not in result for result in results.values()), results
    assert len(log) >= len(CALLS) and all(SECRET not in repr(exchange) for exchange in log)


async def test_a_name_that_echoes_the_secret_is_masked_in_the_sign_in_line(server):
    server.answer(200, {"id": 1, "first_name": "bad password", "last_name": SECRET, "email": f"{SECRET}@example.com"})
    async with client_of(server) as client:
        line = await client.check()
    assert line.startswith("Signed in as bad password") and SECRET not in line


async def test_a_search_that_never_ends_stops_after_a_bounded_number_of_pages(server):
    server.answer(200, {"results": [{"id": i, "name": f"G{i}"} for i in range(250)], "total": 10**9})
    async with client_of(server) as client:
        groups = await asyncio.wait_for(client.groups(), 30)
    assert len(groups) == MAX_PAGES * 250


async def test_every_page_stops_when_the_server_sends_the_same_page_again(server):
    server.answer(200, {"results": [{"id": i, "mask": f"M-{i}"} for i in range(1, 26)], "total": 10**9})
    asked_before = len(server.requests)
    async with client_of(server) as client:
        pages = await asyncio.wait_for(every_page(client), 30)
    assert len(pages) == 1 and len(server.requests) - asked_before == 2  # the second page was the first again


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"id": 7, "created": -(10**15)}, "`$.created`"),
        ({"id": 7, "updated": 10**15}, "`$.updated`"),
        ({"id": 2**64}, "`$.id`"),
        ({"id": 7, "importance": 1e999}, "`$.importance`"),
        ({"mask": "ABC"}, "missing required field `id`"),
        ({"id": 7, "subject": ["a", "list"]}, "`$.subject`"),
    ],
)
async def test_a_ticket_the_pane_could_not_draw_is_refused_with_the_place_named(server, record, words):
    server.answer(200, record)
    async with client_of(server) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.get_ticket(7)
    assert "GET records/ticket/7" in caught.value.message and words in caught.value.message


async def test_old_cerb_results_keyed_by_id_and_numbers_in_strings_still_read(server):
    server.answer(200, {"results": {"5": {"id": "5", "mask": "A-5", "status_id": "2", "updated": "1700000000"}}})
    async with client_of(server) as client:
        page = await client.search_tickets()
    (ticket,) = page.tickets
    assert (ticket.id, ticket.status, ticket.updated, page.total) == (5, "closed", 1700000000, 0)


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("../../.bashrc", "bashrc"),
        ("C:\\tmp\\\x1b[2Jinvoice\u202efdp.exe", "[2Jinvoicefdp.exe"),
        ("..", "attachment-3"),
    ],
)
async def test_a_download_is_saved_inside_the_folder_under_a_safe_name(server, tmp_path, name, saved):
    server.answer(200, b"file body", {"Content-Type": "text/plain", "Content-Disposition": 'attachment; filename="x"'})
    folder = tmp_path / "downloads"
    async with client_of(server) as client:
        path = await client.download(Attachment(3, name, "text/plain", 9), folder)
    assert path == folder / saved and path.read_bytes() == b"file body"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [saved]
