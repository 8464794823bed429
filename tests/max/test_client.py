"""Our MAX client against the sandbox: the resource accessor, paging far back, writes, token renewal, errors."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from tui.http import AuthError, BadRequestError, NotFoundError
from tui.services.max.client import MaxClient
from tui.services.max.models import StreamView, context_hash, hashtags
from tui.services.max.resource import nest


def test_resource_accessor_mirrors_urls_with_defaults_and_nesting():
    c = MaxClient("http://max.invalid/max", "Admin", "pw")
    assert c.people["alice"].timeline.path == "/people/alice/timeline"
    assert c.activities["abc"].likes["admin"].path == "/activities/abc/likes/admin"
    url = "http://intranet.example.com/x"
    assert c.contexts[url].activities.path == f"/contexts/{context_hash(url)}/activities"
    assert c.people["alice"].activities.defaults("post")["object"] == {"objectType": "note"}
    assert c.activities["abc"].comments.defaults("post") == {"object": {"objectType": "comment"}}
    assert nest({"object_content": "Hi", "generator": "x"}) == {"object": {"content": "Hi"}, "generator": "x"}
    assert c.username == "admin"


def test_import_does_not_pull_in_textual():
    code = "import sys, tui.services.max.client; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


async def test_generic_accessor_round_trip(client):
    page = await client.people["admin"].timeline.get(limit=3)
    assert isinstance(page, list) and len(page) == 3
    doc = await client.people["admin"].activities.post(object_content="Via the accessor #accessor")
    assert doc["object"] == {"objectType": "note", "content": "Via the accessor #accessor"}
    assert doc["generator"] == "servicedeck"
    total = await client.people["admin"].timeline.head(hashtag="accessor")
    assert total == 1


async def test_scroll_back_far_without_gaps_or_repeats(client):
    view = StreamView()
    total = await client.count(view)
    seen: list[str] = []
    before = None
    for _ in range(40):
        page = await client.stream(view, limit=50, before=before)
        if not page:
            break
        seen.extend(a.id for a in page)
        before = page[-1].id
    assert len(seen) == len(set(seen)) == min(total, 2000)
    assert seen == sorted(seen, reverse=True)


async def test_new_activities_are_found_after_the_newest_id(client, alice, max_server):
    newest = (await client.timeline(limit=1))[0].id
    assert await client.timeline(after=newest) == []
    ids = [max_server.post_as("alice", f"Fresh post number {i}") for i in range(3)]
    fresh = await client.timeline(after=newest, limit=10)
    assert [a.id for a in fresh] == list(reversed(ids))


async def test_post_comment_like_unlike_delete(client):
    post = await client.post("Typed helpers **work** #typed")
    assert post.created and post.actor.username == "admin" and post.hashtags == ["typed"]
    repeat = await client.post("Typed helpers **work** #typed")
    assert repeat.id == post.id and repeat.created is False
    comment = await client.comment(post.id, "A comment")
    assert comment.activity_id == post.id and comment.actor.username == "admin"
    assert [c.content for c in await client.comments(post.id)] == ["A comment"]
    assert await client.like(post.id) is True
    assert await client.like(post.id) is False
    fetched = await client.activity(post.id)
    assert fetched.liked and fetched.likes_count == 1 and fetched.comments_count == 1
    await client.unlike(post.id)
    assert not (await client.activity(post.id)).liked
    await client.delete_activity(post.id)
    with pytest.raises(NotFoundError) as caught:
        await client.activity(post.id)
    assert "Cannot find activity" in caught.value.readable


async def test_views_user_context_hashtag(client):
    subs = await client.subscriptions()
    assert subs
    context = subs[0]
    in_context = await client.stream(StreamView("context", context.hash), limit=20)
    assert in_context and all(a.contexts and a.contexts[0].hash == context.hash for a in in_context)
    by_bob = await client.stream(StreamView("user", "bob"), limit=20)
    assert by_bob and {a.actor.username for a in by_bob} == {"bob"}
    tagged = await client.stream(StreamView("hashtag", "coffee"), limit=20)
    assert tagged and all("coffee" in a.hashtags for a in tagged)
    assert hashtags("Hi #One and #two, not&#39;this") == ["one", "two"]


async def test_post_in_a_context(client):
    ctx = (await client.subscriptions())[0]
    post = await client.post("Posted into a context", context=ctx.url)
    assert post.contexts == [ctx]


async def test_expired_token_is_renewed_transparently(client, max_server):
    await client.timeline(limit=1)
    fetched = client.token_fetches
    assert max_server.store.revoke_tokens("admin") >= 1
    page = await client.timeline(limit=2)  # the 401 is answered with a fresh token and the request repeated
    assert len(page) == 2
    assert client.token_fetches == fetched + 1


async def test_wrong_password_is_a_readable_error_without_the_password(max_url, exchange_log):
    c = MaxClient(max_url, "admin", "Wr0ngPassw0rd", exchange_log=exchange_log)
    try:
        with pytest.raises(AuthError) as caught:
            await c.timeline()
    finally:
        await c.aclose()
    text = caught.value.readable
    assert "refused the username or password" in text and "Wr0ngPassw0rd" not in text
    assert all("Wr0ngPassw0rd" not in e.request_body and "Wr0ngPassw0rd" not in e.url for e in exchange_log)


async def test_token_without_password_cannot_renew(max_url, max_server):
    token = max_server.store.grant("alice", "alice")
    c = MaxClient(max_url, "alice", token=token)
    try:
        assert len(await c.timeline(limit=1)) == 1
        max_server.store.revoke_tokens("alice")
        with pytest.raises(AuthError):
            await c.timeline(limit=1)
    finally:
        await c.aclose()


async def test_exchange_log_never_holds_the_token(client, exchange_log):
    await client.timeline(limit=1)
    token = client._token
    assert token and len(exchange_log) >= 2
    for e in exchange_log:
        assert token not in repr(e.request_headers) and token not in e.response_body and token not in e.url
        assert e.service == "MAX"
    assert any(k.lower() == "x-oauth-scope" and v == "widgetcli" for e in exchange_log for k, v in e.request_headers)


async def test_both_before_and_after_is_refused_before_sending(client):
    with pytest.raises(BadRequestError):
        await client.timeline(before="a" * 24, after="b" * 24)


async def test_check_names_the_signed_in_person(client):
    assert "Administrator" in await client.check()


def test_unknown_top_level_names_are_not_urls():
    c = MaxClient("http://max.invalid/max", "admin", "pw")
    assert not hasattr(c, "aclose_now")
    assert c["people/alice/timeline"].path == "/people/alice/timeline"


async def test_tokens_expire_after_their_lifetime_and_are_renewed(tmp_path_factory):
    import time

    import httpx

    from tests.conftest import start_sandbox

    box = start_sandbox(tmp_path_factory, "max", scale={"activities": 20, "max_token_ttl": 1})
    c = MaxClient(box.base_url + "/max", "admin", "admin")
    try:
        await c.timeline(limit=1)
        stale = c._token
        headers = {"X-Oauth-Token": stale, "X-Oauth-Username": "admin", "X-Oauth-Scope": "widgetcli"}
        deadline = time.monotonic() + 10
        async with httpx.AsyncClient() as raw:  # wait until the server itself says the token is expired
            while (await raw.get(box.base_url + "/max/people/admin", headers=headers)).status_code != 401:
                assert time.monotonic() < deadline, "the token never expired"
                await asyncio.sleep(0.1)
        assert len(await c.timeline(limit=2)) == 2
        assert c._token != stale and c.token_fetches == 2
    finally:
        await c.aclose()
        box.stop()


async def test_demo_mode_posts_new_activities_by_itself(tmp_path_factory):
    from tests.conftest import start_sandbox

    box = start_sandbox(tmp_path_factory, "max", demo=True, scale={"activities": 20, "max_live_interval": 0.2})
    c = MaxClient(box.base_url + "/max", "admin", "admin")
    try:
        newest = (await c.timeline(limit=1))[0].id
        deadline = asyncio.get_running_loop().time() + 10
        fresh = []
        while not fresh:
            assert asyncio.get_running_loop().time() < deadline, "no live activity appeared"
            await asyncio.sleep(0.1)
            fresh = await c.stream(StreamView("user", "alice"), after=newest) + await c.timeline(after=newest)
        assert all(a.id > newest for a in fresh)
    finally:
        await c.aclose()
        box.stop()


async def test_conversations_through_typed_helpers(client, alice):
    first = await client.start_conversation(["alice"], "Private hello", title="Admin and Alice")
    assert first.conversation_id and first.actor.username == "admin"
    answer = await alice.send_message(first.conversation_id, "Hello back")
    assert [m.content for m in await client.messages(first.conversation_id)] == ["Hello back", "Private hello"]
    mine = {c.id: c for c in await alice.conversations_list()}
    assert mine[first.conversation_id].messages == 2 and answer.id > first.id
    assert {p.username for p in mine[first.conversation_id].participants} == {"admin", "alice"}
