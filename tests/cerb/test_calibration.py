"""What a real Cerb 10.4 taught the client: each test runs on the sandbox and, when one is configured, on a real Cerb.

Each of these failed before the client was calibrated: a reply's status sent as a letter (which Cerb reads as 0,
open), a worker without an email (Cerb sends it only in the expanded address), messages without a sender (Cerb sends
`Name <email>` only when asked by name; outgoing mail comes from the group's address), Cerb's generic `ERROR` replies
shown as "Cerb reported an error", and a search with a typo that silently matched nothing.
"""

from __future__ import annotations

import httpx
import pytest

from tui.http import AuthError, BadRequestError, NotFoundError, ProtocolError
from tui.services.cerb.client import CerbClient
from tui.services.cerb.errors import cerb_error
from tui.services.cerb.models import Message, parse_address
from tui.services.cerb.query_check import UnknownFilter, unknown_filters


@pytest.fixture
async def cerb(cerb_server):
    async with CerbClient.from_connection(cerb_server.connection, cerb_server.connection.secret) as client:
        yield client


async def new_ticket(cerb: CerbClient, **kwargs):
    group = (await cerb.groups())[0]
    return await cerb.compose(group_id=group.id, to="calibration@example.com", subject="Calibration", **kwargs)


async def test_a_reply_leaves_the_ticket_in_the_status_asked(cerb):
    ticket = await new_ticket(cerb, content="Hello", status="waiting")
    assert ticket.status == "waiting"
    assert (await cerb.reply(ticket, "Closing this", status="closed")).status == "closed"
    reopened = await cerb.get_ticket(ticket.id)
    assert (await cerb.reply(reopened, "Over to you", status="waiting")).status == "waiting"
    # without a status, Cerb itself opens the ticket again
    assert (await cerb.reply(await cerb.get_ticket(ticket.id), "One more thing")).status == "open"


async def test_the_signed_in_worker_has_an_email(cerb, cerb_server):
    line = await cerb.check()
    me = await cerb.current_worker()
    assert "@" in me.email and f"({me.email})" in line
    assert all("@" in w.email for w in await cerb.workers())


async def test_messages_name_their_sender_and_outgoing_ones_their_worker(cerb, cerb_server):
    ticket = await new_ticket(cerb, content="From us")
    await cerb.reply(ticket, "Again from us")
    messages = await cerb.messages(ticket.id)
    assert [m.content for m in messages] == ["From us", "Again from us"]
    for message in messages:  # written by the signed-in worker, sent from the group's address
        assert message.is_outgoing and message.worker_id == cerb_server.me.id
        assert message.sender == cerb_server.me.name and "@" in message.sender_email
    conversation = await cerb.conversation(ticket.id)
    assert [e.sender for e in conversation.entries if isinstance(e, Message)] == [cerb_server.me.name] * 2


async def test_incoming_messages_carry_the_customers_name(cerb):
    found = await cerb.search_tickets("", limit=50, sort="id", ascending=True)  # the oldest: written by customers
    incoming = []
    for ticket in found.tickets:
        incoming = [m for m in await cerb.messages(ticket.id) if not m.is_outgoing]
        if incoming and incoming[0].sender:
            break
    assert incoming and incoming[0].sender and "@" in incoming[0].sender_email


async def test_a_search_with_an_unknown_filter_says_so(cerb):
    with pytest.raises(UnknownFilter, match="Unknown search filter 'colour'") as info:
        await cerb.search_tickets("status:o colour:blue")
    assert info.value.names == ["colour"] and isinstance(info.value, BadRequestError)
    # known filters that match nothing are no error
    assert (await cerb.search_tickets('status:o subject:"no such subject xyzzy"')).tickets == []


@pytest.mark.parametrize(
    ("query", "unknown"),
    [
        ("status:o group:(name:Support) colour:blue", ["colour"]),
        ('subject:"stauts:o" stauts:o', ["stauts"]),
        ("custom.12:yes links.org:(id:1) owner.id:1 sort:-updated", []),
        ("owner:(name:Ana) bucket:Inbox", []),
        ("plain words only", []),
    ],
)
def test_unknown_filters_are_named(query, unknown):
    assert unknown_filters(query) == unknown


def _error(body: str, path: str = "/rest/tickets/reply.json"):
    return cerb_error(httpx.Response(200, content=body.encode(), request=httpx.Request("POST", "http://x" + path)))


@pytest.mark.parametrize(
    ("body", "path", "kind", "words"),
    [
        (
            '{"__status":"error","__error":"ERROR","message":"Invalid ticket id \'9\'"}',
            "/rest/tickets/9.json",
            NotFoundError,
            "Invalid ticket id '9'",
        ),
        (
            '{"__status":"error","__error":"ERROR_NOT_FOUND",'
            '"message":"Invalid record cerberusweb.contexts.ticket #9"}',
            "/rest/records/ticket/9.json",
            NotFoundError,
            "Invalid ticket id '9'",
        ),
        (
            '{"__status":"error","__error":"ERROR_NOT_FOUND","message":"Record #9 not found"}',
            "/rest/records/ticket/9.json",
            NotFoundError,
            "Invalid ticket id '9'",
        ),
        (
            '{"__status":"error","__error":"ERROR","message":"The given \'message_id\' is invalid"}',
            "/rest/tickets/reply.json",
            NotFoundError,
            "message_id",
        ),
        (
            '{"__status":"error","__error":"ERROR","message":"The \'content\' parameter is required"}',
            "/rest/tickets/reply.json",
            BadRequestError,
            "content",
        ),
        (
            '{"__status":"error","__error":"ERROR","message":"The given \'group_id\' parameter is invalid"}',
            "/rest/tickets/compose.json",
            BadRequestError,
            "group_id",
        ),
        (
            '{"__status":"error","__error":"ERROR_PARAM_INVALID","message":"\'importance\' must be <= 100 (200)"}',
            "/rest/records/ticket/9.json",
            BadRequestError,
            "importance",
        ),
        (
            '{"__status":"error","__error":"ERROR","message":"You do not have write access to this ticket"}',
            "/rest/tickets/reply.json",
            AuthError,
            "write access",
        ),
        (
            '{"__status":"error","__error":"ERROR_PERMISSIONS","message":"Access denied to close tickets."}',
            "/rest/tickets/9.json",
            AuthError,
            "close",
        ),
        (
            '{"__status":"error","__error":"ERROR_NOT_IMPLEMENTED","message":"Not implemented."}',
            "/rest/tickets/search.json",
            ProtocolError,
            "does not support",
        ),
    ],
)
def test_cerbs_errors_are_classified_by_what_it_sends(body, path, kind, words):
    error = _error(body, path)
    assert type(error) is kind and words in error.message


def test_a_sender_label_is_parsed():
    assert parse_address("Ana Lima <ana@x.example>") == ("Ana Lima", "ana@x.example")
    assert parse_address('"Lima, Ana" <ana@x.example>') == ("Lima, Ana", "ana@x.example")
    assert parse_address("support@cerb.example") == ("", "support@cerb.example")
