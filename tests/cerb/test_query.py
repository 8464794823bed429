"""Cerb's search language in the sandbox: each filter of the subset, checked against the rows it returns."""

from __future__ import annotations

import pytest

from tui.sandbox.cerb import query as q


def test_parse_builds_parameterised_sql():
    parsed = q.parse('status:[o,w] group.id:2 subject:"*refund*" importance:>50 sort:-updated', q.TICKETS)
    assert parsed.where == ["status_id IN (?,?)", "group_id IN (?)", "subject LIKE ? ESCAPE '\\'", "importance > ?"]
    assert parsed.params == [0, 1, 2, "%refund%", 50]
    assert parsed.sort == [("updated", False)]


def test_words_negation_ranges_and_deep_filters():
    parsed = q.parse("status:!c importance:10..40 owner:(id:0) invoice", q.TICKETS)
    assert parsed.where[0] == "status_id NOT IN (?)" and parsed.params[0] == 2
    assert "BETWEEN" in parsed.where[1] and parsed.params[1:3] == [10, 40]
    assert parsed.where[2] == "owner_id IN (?)"
    assert "subject LIKE" in parsed.where[3] and "%invoice%" in parsed.params


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour:red", "Unknown search filter"),
        ("status:x", "not a ticket status"),
        ("group.id:abc", "not a record id"),
        ("importance:lots", "not a number filter"),
        ("sort:-colour", "Cannot sort by"),
    ],
)
def test_mistakes_are_explained(text, message):
    with pytest.raises(q.QueryError, match=message):
        q.parse(text, q.TICKETS)


def test_like_wildcards_are_escaped():
    assert q.like_pattern("100%_done") == "%100\\%\\_done%"
    assert q.like_pattern("*refund") == "%refund"


async def test_the_sandbox_answers_each_filter(cerb_conn):
    from tui.services.cerb.client import CerbClient

    async with CerbClient.from_connection(cerb_conn, cerb_conn.secret) as cerb:
        everything = await cerb.search_tickets("", limit=500)
        by_id = {t.id: t for t in everything.tickets}

        async def ids(query: str) -> set[int]:
            return {t.id for t in (await cerb.search_tickets(query, limit=500)).tickets}

        assert await ids("status:!c") == {i for i, t in by_id.items() if t.status != "closed"}
        assert await ids("importance:10..30") == {i for i, t in by_id.items() if 10 <= t.importance <= 30}
        assert await ids("bucket.id:2") == {i for i, t in by_id.items() if t.bucket_id == 2}
        some = next(iter(by_id.values()))
        assert some.id in await ids(f"mask:{some.mask}")
        assert await ids(f"id:[{some.id}]") == {some.id}
        assert await ids("URGENT") == {i for i, t in by_id.items() if "URGENT" in t.subject.upper()}
        page = await cerb.search_tickets("", limit=5, page=3, sort="id", ascending=True)
        assert [t.id for t in page.tickets] == sorted(by_id)[10:15]


async def test_bare_words_search_message_bodies_too(cerb_conn):
    from tui.services.cerb.client import CerbClient

    async with CerbClient.from_connection(cerb_conn, cerb_conn.secret) as cerb:
        group = (await cerb.groups())[0]
        ticket = await cerb.compose(
            group_id=group.id,
            to="ana@example.com",
            subject="Printer trouble",
            content="The quokkaprinter on floor 3 jams every morning.",
        )
        found = await cerb.search_tickets("quokkaprinter", limit=50)
        assert [t.id for t in found.tickets] == [ticket.id]
        assert (await cerb.search_tickets("quokkaprinter status:c", limit=50)).tickets == []
