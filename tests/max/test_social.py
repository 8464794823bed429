"""Keyword search, favorites, subscriptions and conversations: the client's typed calls against the MAX sandbox, and
the wire shapes the sandbox answers with (MAX's own routes and replies)."""

from __future__ import annotations

import httpx
import pytest

from tui.http import NotFoundError
from tui.services.max.client import MaxClient
from tui.services.max.models import StreamView


async def test_keyword_search_matches_every_word_on_my_timeline(client, max_server):
    aid = max_server.post_as("alice", "Quarterly budget spreadsheet reviewed")
    max_server.post_as("alice", "Quarterly party announced")
    found = await client.stream(StreamView("search", "quarterly budget"))
    assert [a.id for a in found] == [aid]
    assert all("quarterly" in a.content.lower() for a in await client.timeline(keyword="quarterly"))


async def test_keyword_search_sends_one_keyword_per_word(client, exchange_log):
    await client.stream(StreamView("search", "coffee machine"))
    url = next(httpx.URL(e.url) for e in exchange_log if "/timeline" in e.url)
    assert url.params.get_list("keyword") == ["coffee", "machine"]


async def test_favorite_unfavorite_and_the_favorites_view(client):
    target = (await client.timeline(limit=5))[-1]
    assert await client.favorite(target.id) is True
    assert await client.favorite(target.id) is False  # already a favorite: MAX answers 200
    marked = await client.activity(target.id)
    assert marked.favorited and marked.favorites_count >= 1
    assert target.id in {a.id for a in await client.stream(StreamView("favorites"), limit=100)}
    await client.unfavorite(target.id)
    assert not (await client.activity(target.id)).favorited
    assert target.id not in {a.id for a in await client.stream(StreamView("favorites"), limit=100)}
    with pytest.raises(NotFoundError):
        await client.unfavorite(target.id)  # not a favorite any more


async def test_favorites_are_per_person(client, alice):
    target = (await alice.timeline(limit=3))[0]
    before = await client.activity(target.id)
    await alice.favorite(target.id)
    try:
        assert (await alice.activity(target.id)).favorited
        seen_by_admin = await client.activity(target.id)
        assert seen_by_admin.favorites_count == before.favorites_count + 1
        assert seen_by_admin.favorited == before.favorited  # alice's mark is hers
        assert target.id in {a.id for a in await alice.stream(StreamView("favorites"), limit=100)}
    finally:
        await alice.unfavorite(target.id)


async def test_the_favorite_answer_is_max_s_favorite_activity(max_url, client):
    target = (await client.timeline(limit=2))[1]
    token = await client.ensure_token()
    headers = {"X-Oauth-Token": token, "X-Oauth-Username": "admin", "X-Oauth-Scope": "widgetcli"}
    async with httpx.AsyncClient(base_url=max_url, headers=headers) as http:
        added = await http.post(f"/activities/{target.id}/favorites", json={})
        assert added.status_code in (200, 201)
        body = added.json()
        assert body["verb"] == "favorite" and body["object"]["favorited"] is True
        assert body["object"]["favoritesCount"] >= 1
        removed = await http.delete(f"/activities/{target.id}/favorites/admin")
        assert removed.status_code == 200 and removed.json()["verb"] == "unfavorite"
        assert removed.json()["object"]["favorited"] is False


async def test_subscribe_unsubscribe_and_the_list(alice, client):
    contexts = await client.contexts_list()
    mine = {c.hash for c in await alice.subscriptions()}
    other = next(c for c in contexts if c.hash not in mine)
    await alice.subscribe(other.url)
    assert other.hash in {c.hash for c in await alice.subscriptions()}
    await alice.unsubscribe(other.url)
    assert other.hash not in {c.hash for c in await alice.subscriptions()}
    with pytest.raises(NotFoundError):
        await alice.unsubscribe(other.hash)  # not subscribed any more


async def test_the_older_unsubscribe_route_still_works(max_url, alice):
    subscribed = (await alice.subscriptions())[0]
    await alice.request("DELETE", f"/people/alice/subscriptions/{subscribed.hash}")
    assert subscribed.hash not in {c.hash for c in await alice.subscriptions()}
    await alice.subscribe(subscribed.url)


async def test_conversations_count_unread_and_reading_clears_them(max_url):
    admin, bob = MaxClient(max_url, "admin", "admin"), MaxClient(max_url, "bob", "bob")
    try:
        started = await admin.start_conversation(["bob", "carla"], "Planning", title="Unread test")
        listed = {c.id: c for c in await bob.conversations_list()}
        assert listed[started.conversation_id].unread == 1 and listed[started.conversation_id].group
        assert [m.content for m in await bob.messages(started.conversation_id)] == ["Planning"]
        assert {c.id: c for c in await bob.conversations_list()}[started.conversation_id].unread == 0
        await bob.send_message(started.conversation_id, "On it")
        mine = {c.id: c for c in await admin.conversations_list()}[started.conversation_id]
        assert mine.unread == 1 and mine.last_message == "On it"
        assert (await admin.conversations_list())[0].id == started.conversation_id  # newest message first
    finally:
        await admin.aclose()
        await bob.aclose()


async def test_a_message_to_one_person_goes_to_the_conversation_they_share(max_url):
    hugo, irene = MaxClient(max_url, "hugo", "hugo"), MaxClient(max_url, "irene", "irene")
    try:
        first = await hugo.start_conversation(["irene"], "Hi Irene")
        again = await hugo.start_conversation(["irene"], "Me again")
        assert again.conversation_id == first.conversation_id
        listed = {c.id: c for c in await irene.conversations_list()}[first.conversation_id]
        assert listed.name == "Hugo Serra" and not listed.group  # called by the other person's name
        assert listed.unread == 2
    finally:
        await hugo.aclose()
        await irene.aclose()


async def test_messages_page_newest_first(client):
    started = await client.start_conversation(["jordi"], "m0", title="Paging")
    for n in range(1, 15):
        await client.send_message(started.conversation_id, f"m{n}")
    page = await client.messages(started.conversation_id, limit=5)
    assert [m.content for m in page] == ["m14", "m13", "m12", "m11", "m10"]
    older = await client.messages(started.conversation_id, limit=5, before=page[-1].id)
    assert [m.content for m in older] == ["m9", "m8", "m7", "m6", "m5"]


async def test_the_demo_has_conversations_with_unread_messages(client):
    conversations = await client.conversations_list()
    assert {"Alice Martí", "Friday demo"} <= {c.name for c in conversations}
    assert any(c.unread for c in conversations)
