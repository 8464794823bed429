"""Our client against the sandbox over real sockets: signing, every call, and readable errors."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tui.http import AuthError, BadRequestError, ExchangeLog, NotFoundError, ProtocolError
from tui.services.cerb.auth import CerbSignatureAuth, sign
from tui.services.cerb.client import CerbClient
from tui.services.cerb.errors import TicketChanged, cerb_error
from tui.services.cerb.models import Ticket


def test_signature_matches_the_documented_test_vector():
    auth = CerbSignatureAuth(
        "pjlfmn339fgh", "fw4y9fjjd5tqjlsk3u9zkjjr154xbftc", clock=lambda: "Wed, 08 Feb 2017 19:53:35 GMT"
    )
    request = httpx.Request(
        "POST", "https://cerb.example.com/rest/tickets/search.json?show_meta=0", content=b"expand=custom_&q=status%3Ao"
    )
    signed = next(auth.auth_flow(request))
    assert signed.headers["Cerb-Auth"] == "pjlfmn339fgh:0cfe2f3b06552c060c8e77f7a0c875ee"
    assert signed.headers["Date"] == "Wed, 08 Feb 2017 19:53:35 GMT"


def test_signature_sorts_the_query_by_key():
    a = sign("GET", "d", "/rest/x.json", "q=1&expand=a", "", "s")
    b = sign("GET", "d", "/rest/x.json", "expand=a&q=1", "", "s")
    assert a == b
    assert a != sign("GET", "d", "/rest/x.json", "expand=a&q=2", "", "s")


def test_client_code_does_not_import_textual():
    code = "import sys, tui.services.cerb.client; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _response(status, body):
    return httpx.Response(status, content=body.encode(), request=httpx.Request("GET", "http://x/rest/a.json"))


def test_http_200_error_bodies_become_readable_errors():
    not_found = cerb_error(
        _response(200, '{"__status":"error","__error":"ERROR_NOT_FOUND","message":"Invalid ticket id \'9\'"}')
    )
    assert isinstance(not_found, NotFoundError) and "Invalid ticket id '9'" in not_found.readable
    bad = cerb_error(_response(200, '{"__status":"error","__error":"ERROR_PARAM_REQUIRED","message":"x is required"}'))
    assert isinstance(bad, BadRequestError)
    assert cerb_error(_response(200, '{"__status":"success","results":[]}')) is None
    clock = cerb_error(_response(401, '{"__status":"error","message":"Access denied! (Invalid timestamp)"}'))
    assert isinstance(clock, AuthError) and "clock" in clock.readable


@pytest.fixture
async def cerb(cerb_conn):
    log = ExchangeLog()
    client = CerbClient.from_connection(cerb_conn, cerb_conn.secret, exchange_log=log)
    client.log = log
    yield client
    await client.aclose()


async def test_check_names_the_signed_in_worker(cerb):
    assert (await cerb.check()).startswith("Signed in as Jamie Torres")
    assert (await cerb.current_worker()).id == 1


async def test_secret_never_reaches_the_exchange_log(cerb, cerb_conn):
    await cerb.current_worker()
    text = repr([(e.url, e.request_headers, e.request_body, e.response_body) for e in cerb.log])
    assert cerb_conn.secret not in text
    assert "sandbox:" not in text  # the Cerb-Auth value is redacted


async def test_search_with_query_paging_and_sorting(cerb):
    page = await cerb.search_tickets("status:o", limit=7, sort="id", ascending=True)
    assert len(page.tickets) == 7 and page.total > 7
    assert all(t.status == "open" for t in page.tickets)
    assert [t.id for t in page.tickets] == sorted(t.id for t in page.tickets)
    page2 = await cerb.search_tickets("status:o", page=2, limit=7, sort="id", ascending=True)
    assert page2.tickets[0].id > page.tickets[-1].id
    refunds = await cerb.search_tickets('subject:"*refund*" group.id:1')
    assert refunds.total > 0 and all("efund" in t.subject and t.group_name == "Support" for t in refunds.tickets)
    unassigned = await cerb.search_tickets("owner.id:0 status:[o,w]")
    assert all(t.owner_id == 0 and t.status in ("open", "waiting") for t in unassigned.tickets)
    important = await cerb.search_tickets("importance:>80")
    assert all(t.importance > 80 for t in important.tickets)


async def test_get_update_and_conflict(cerb):
    loaded = (await cerb.search_tickets("status:o", limit=1)).tickets[0]
    again = await cerb.get_ticket(loaded.id)
    assert again == loaded
    changed = await cerb.update_ticket(loaded.id, status="waiting", owner_id=2, importance=77, loaded=loaded)
    assert (changed.status, changed.owner_id, changed.owner_name, changed.importance) == (
        "waiting",
        2,
        "Priya Nair",
        77,
    )
    with pytest.raises(TicketChanged) as info:  # `loaded` is now stale: nothing is overwritten
        await cerb.update_ticket(loaded.id, status="closed", loaded=loaded)
    assert ("status", "open", "waiting") in info.value.differences
    assert (await cerb.get_ticket(loaded.id)).status == "waiting"
    moved = await cerb.update_ticket(loaded.id, group_id=3, bucket_id=0, subject="Renamed", loaded=changed)
    assert (moved.group_name, moved.bucket_name, moved.subject) == ("Development", "Inbox", "Renamed")


async def test_compose_reply_comment_and_conversation(cerb):
    groups = await cerb.groups()
    sales = next(g for g in groups if g.name == "Sales")
    buckets = await cerb.buckets(sales.id)
    leads = next(b for b in buckets if b.name == "Leads")
    ticket = await cerb.compose(
        group_id=sales.id, bucket_id=leads.id, to="ana@client.example", subject="Trial", content="Welcome aboard"
    )
    assert (ticket.group_name, ticket.bucket_name, ticket.num_messages) == ("Sales", "Leads", 1)
    replied = await cerb.reply(ticket, "A follow-up", status="closed")
    assert replied.num_messages == 2 and replied.status == "closed"
    comment_id = await cerb.comment(ticket.id, "Internal note")
    assert comment_id > 0
    conversation = await cerb.conversation(ticket.id)
    texts = [getattr(e, "content", None) or getattr(e, "text", None) for e in conversation.entries]
    assert texts == ["Welcome aboard", "A follow-up", "Internal note"]
    assert {w.name for w in await cerb.workers()} >= {"Jamie Torres", "Priya Nair"}


async def test_errors_are_readable(cerb, cerb_conn):
    with pytest.raises(NotFoundError, match="Invalid ticket id"):
        await cerb.get_ticket(987654)
    with pytest.raises(BadRequestError, match="Unknown search filter"):
        await cerb.search_tickets("colour:blue")
    with pytest.raises(BadRequestError):
        await cerb.update_ticket(1, importance=500)
    with pytest.raises(ProtocolError):
        await cerb._call("GET", "nothing/here")
    async with CerbClient(cerb_conn.url, "sandbox", "not-the-secret") as wrong:
        with pytest.raises(AuthError) as info:
            await wrong.check()
        assert "signature" in info.value.readable and "not-the-secret" not in info.value.readable
    async with CerbClient(cerb_conn.url, "nobody", "x") as unknown:
        with pytest.raises(AuthError, match="access key"):
            await unknown.check()


async def test_a_skewed_clock_is_refused(cerb_conn):
    import time
    from email.utils import formatdate

    async with CerbClient(cerb_conn.url, "sandbox", cerb_conn.secret) as skewed:
        skewed.http.client.auth = CerbSignatureAuth(
            "sandbox", cerb_conn.secret, clock=lambda: formatdate(time.time() - 900, usegmt=True)
        )
        with pytest.raises(AuthError, match="clock"):
            await skewed.check()


async def test_oauth_bearer_token(cerb_conn):
    async with CerbClient(cerb_conn.url, token="sandbox-oauth-token") as bearer:
        assert (await bearer.current_worker()).id == 1
    async with CerbClient(cerb_conn.url, token="expired") as bearer:
        with pytest.raises(AuthError, match="token"):
            await bearer.check()


def test_ticket_differences_are_human():
    a = Ticket(1, "M", "S", "open", 50, 1, 1, 0, 0, 10, group_name="Support", bucket_name="Inbox")
    b = Ticket(
        1, "M", "S", "closed", 50, 1, 1, 2, 0, 11, group_name="Support", bucket_name="Inbox", owner_name="Priya Nair"
    )
    assert a.differences(b) == [("status", "open", "closed"), ("owner", "nobody", "Priya Nair")]


async def test_demo_activity_brings_new_customer_mail(cerb_box, cerb_conn):
    import random

    from tui.sandbox.cerb.server import CerbSandbox

    service = next(s for s in cerb_box.services if s.kind == "cerb").live.__self__
    assert isinstance(service, CerbSandbox)
    async with CerbClient.from_connection(cerb_conn, cerb_conn.secret) as cerb:
        before = (await cerb.search_tickets("status:o", limit=1)).total
        rng = random.Random(3)
        touched = [service.customer_writes(rng) for _ in range(4)]
        assert (await cerb.search_tickets("status:o", limit=1)).total > before
        newest = await cerb.get_ticket(touched[-1])
        assert newest.status == "open" and (await cerb.messages(newest.id))[-1].is_outgoing is False
