"""The Activity pane in the real app, driven with a pilot against the MAX sandbox over real sockets."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_app, start_sandbox, wait_for
from tui.drafts import DraftStore
from tui.http import NotFoundError
from tui.profiles import Connection, Profile
from tui.services.max.activity_view import ActivityScreen
from tui.services.max.client import MaxClient
from tui.services.max.dialogs import ComposeScreen
from tui.services.max.models import StreamView
from tui.services.max.pane import ActivityPane
from tui.widgets.dialogs import ConfirmDialog, FormDialog

SIZE = (140, 42)


def pane_of(app) -> ActivityPane:
    return app.query_one(ActivityPane)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def started(pilot) -> ActivityPane:
    pane = pane_of(pilot.app)
    await wait_for(pilot, lambda: pane.loaded and pane.stream.entries)
    return pane


@pytest.fixture
def fast_poll(monkeypatch):
    monkeypatch.setattr(ActivityPane, "poll_interval", 0.2)


async def test_first_page_is_the_timeline_newest_first(max_box, tmp_path, client):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        ids = [a.id for a in pane.stream.entries]
        assert ids == sorted(ids, reverse=True) and len(ids) == pane.page_size
        assert ids[0] == (await client.timeline(limit=1))[0].id
        await wait_for(pilot, lambda: pane.total is not None)
        assert pane.total == await client.count(pane.view)
        assert pane.stream.has_focus


async def test_scroll_back_far_keeps_a_bounded_window(max_box, tmp_path, monkeypatch):
    monkeypatch.setattr(ActivityPane, "max_entries", 90)
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        newest = pane.stream.entries[0].id
        seen: set[str] = set()
        for _ in range(9):
            await pilot.press("end")
            await wait_for(pilot, lambda: not pane.loading_older)
            seen.update(pane.stream.ids)
        assert len(seen) >= 270  # three times what the window holds
        ids = [a.id for a in pane.stream.entries]
        assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
        assert len(ids) <= 90 and pane.stream.has_newer_above and pane.stream.dropped > 0
        # back to the top: the dropped newer activities come back a page at a time
        for _ in range(20):
            await pilot.press("home")
            await wait_for(pilot, lambda: not pane.loading_newer)
            if pane.stream.entries[0].id == newest:
                break
        assert pane.stream.entries[0].id == newest and not pane.stream.has_newer_above


async def test_new_activities_are_announced_without_moving_the_reader(max_box, max_server, tmp_path, fast_poll):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        for _ in range(6):
            await pilot.press("down")
        reading = pane.stream.current.id
        scroll = pane.stream.scroll_y
        first = [
            max_server.post_as("alice", "Something new while you read #live"),
            max_server.post_as("bob", "And another one #live"),
        ]
        await wait_for(pilot, lambda: pane.new_count == 2)
        assert "2 new" in pane.header_text
        assert pane.stream.current.id == reading and pane.stream.scroll_y == scroll
        await pilot.press("n")
        assert [a.id for a in pane.stream.entries[:2]] == list(reversed(first))
        assert pane.stream.cursor == 0 and pane.new_count == 0


async def test_post_from_the_editor(max_box, tmp_path, client):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(max_box.profile(), tmp_path, pane="max", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await pilot.press(*"Hi #panepost")
        assert drafts.load(pane.post_draft_key).data["text"] == "Hi #panepost"  # saved as typed
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen))
        assert pane.stream.entries[0].content == "Hi #panepost"
        assert drafts.load(pane.post_draft_key) is None
        mine = await client.timeline(hashtag="panepost")
        assert [a.id for a in mine] == [pane.stream.entries[0].id]


def drafts_on_disk(folder) -> list[str]:
    """The texts of the draft files as they are on disk right now."""
    return [json.loads(path.read_text(encoding="utf-8"))["data"]["text"] for path in folder.glob("*.json")]


async def test_the_editors_write_the_draft_at_every_key_without_a_timer(max_box, tmp_path):
    folder = tmp_path / "drafts"
    app = make_app(max_box.profile(), tmp_path, pane="max", drafts=DraftStore(folder))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        for key, typed in (("p", "Post"), ("c", "Reply")):  # the post editor, then the comment editor
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
            for length in range(1, len(typed) + 1):
                await pilot.press(typed[length - 1])
                assert typed[:length] in drafts_on_disk(folder)  # on disk at once: no pause, no timer waited for
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen))


async def test_open_comment_like_and_unlike(max_box, tmp_path, client):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("down", "down")
        target = pane.stream.current
        before = await client.activity(target.id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActivityScreen) and app.screen.comments is not None)
        reader = app.screen
        assert len(reader.comments) == before.comments_count
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await pilot.press(*"Nice one")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                app.screen is reader
                and reader.comments is not None
                and any(c.content == "Nice one" for c in reader.comments)
            ),
        )
        was_liked = reader.activity.liked
        await pilot.press("l")
        await wait_for(pilot, lambda: reader.activity.liked != was_liked)
        await pilot.press("escape")
        entry = pane.stream.entries[pane.stream.index_of(target.id)]
        assert entry.comments_count == before.comments_count + 1 and entry.liked != was_liked
        await pilot.press("l")  # and back, from the stream
        await wait_for(pilot, lambda: pane.stream.entries[pane.stream.index_of(target.id)].liked == was_liked)
        assert (await client.activity(target.id)).liked == was_liked


async def test_delete_own_after_confirming_and_not_others(max_box, tmp_path, client):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        someone_else = next(i for i, a in enumerate(pane.stream.entries) if a.actor.username != "admin")
        pane.stream.move_cursor(someone_else)
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("only delete your own" in n for n in notes(app))

        post = await client.post("Doomed post for the delete test")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: pane.stream.entries and pane.stream.entries[0].id == post.id)
        pane.stream.move_cursor(0)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # changed my mind
        await pilot.pause()
        assert pane.stream.entries[0].id == post.id
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: post.id not in pane.stream.ids)
        with pytest.raises(NotFoundError):
            await client.activity(post.id)


async def test_views_hashtag_person_context_and_back(max_box, tmp_path):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-hashtag").value = "coffee"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                pane.view.kind == "hashtag"
                and pane.loaded
                and pane.stream.entries
                and all("coffee" in a.hashtags for a in pane.stream.entries)
            ),
        )

        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-username").value = "carla"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                pane.view.kind == "user"
                and pane.stream.entries
                and {a.actor.username for a in pane.stream.entries} == {"carla"}
            ),
        )

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                pane.view.kind == "context"
                and pane.stream.entries
                and all(a.contexts and a.contexts[0].hash == pane.view.value for a in pane.stream.entries)
            ),
        )
        assert "Context:" in pane.view.title

        await pilot.press("t")
        await wait_for(pilot, lambda: pane.view.kind == "timeline" and pane.stream.entries)


def test_palette_commands_name_pane_actions():
    assert ActivityPane.COMMANDS
    for title, action in ActivityPane.COMMANDS:
        assert title.startswith("Activity: ") and callable(getattr(ActivityPane, f"action_{action}"))


async def test_palette_command_runs_the_view(max_box, tmp_path):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        app.run_pane_action(pane, "view_hashtag")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))


async def test_expired_token_is_renewed_without_the_reader_noticing(max_box, max_server, tmp_path):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        fetched = pane.client.token_fetches
        max_server.store.revoke_tokens("admin")
        pane.loaded = False
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: pane.loaded)
        assert pane.client.token_fetches == fetched + 1
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_wrong_password_is_one_readable_sentence(max_box, tmp_path):
    connection = Connection(
        kind="max", url=max_box.base_url + "/max", username="admin", secret="Not-The-Password", secret_source="memory"
    )
    app = make_app(Profile(name="bad", connections={"max": connection}, builtin=True), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = pane_of(app)
        await wait_for(pilot, lambda: any("password" in n for n in notes(app)))
        message = next(n for n in notes(app) if "password" in n)
        assert "refused the username or password" in message and "Traceback" not in message
        assert "Not-The-Password" not in message
        assert "Could not load" in pane.stream.empty_text


async def test_a_failed_send_keeps_the_draft_and_offers_it_back(tmp_path_factory, tmp_path):
    box = start_sandbox(tmp_path_factory, "max", scale={"activities": 40})
    drafts = DraftStore(tmp_path / "drafts")
    try:
        app = make_app(box.profile(), tmp_path, pane="max", drafts=drafts)
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            key = pane.post_draft_key
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
            await pilot.press(*"Keep me")
            box.stop()  # the server goes away before the send
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "Not sent" in str(app.screen.query_one("#compose-error").render()))
            assert isinstance(app.screen, ComposeScreen)  # still open, text still there
            assert app.screen.text == "Keep me"
            assert drafts.load(key).data["text"] == "Keep me"
            await pilot.press("escape")
        # a new session with the same drafts offers the text back
        again = make_app(box.profile(), tmp_path, pane="max", drafts=drafts)
        async with again.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: any("unsent post" in n for n in notes(again)))
            pane = pane_of(again)
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(again.screen, ComposeScreen))
            assert again.screen.text == "Keep me" and again.screen.restored
    finally:
        box.stop()


async def test_a_failed_comment_keeps_its_draft(max_box, tmp_path, client):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(max_box.profile(), tmp_path, pane="max", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        post = await client.post("Soon gone, comment in vain")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: pane.stream.entries and pane.stream.entries[0].id == post.id)
        pane.stream.move_cursor(0)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await pilot.press(*"Too late")
        await client.delete_activity(post.id)  # someone deletes the post meanwhile
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not sent" in str(app.screen.query_one("#compose-error").render()))
        assert "Cannot find activity" in str(app.screen.query_one("#compose-error").render())
        assert drafts.load(pane.comment_draft_key(post.id)).data["text"] == "Too late"


async def test_client_is_built_from_the_sandbox_connection(max_box):
    conn = max_box.profile().connection("max")
    assert (conn.kind, conn.url, conn.username, conn.secret_source) == (
        "max",
        max_box.base_url + "/max",
        "admin",
        "memory",
    )
    c = MaxClient.from_connection(conn, conn.secret)
    try:
        assert "admin" in await c.check()
    finally:
        await c.aclose()


async def test_my_post_goes_on_top_of_news_not_yet_shown(max_box, max_server, tmp_path, fast_poll):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        theirs = max_server.post_as("carla", "Posted just before you #order")
        await wait_for(pilot, lambda: pane.new_count == 1)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await pilot.press(*"Mine")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen) and pane.new_count == 0)
        top = pane.stream.entries[:2]
        assert top[0].content == "Mine" and top[0].actor.username == "admin" and top[1].id == theirs
        assert pane.stream.cursor == 0


async def test_a_short_stream_says_where_it_begins(max_box, max_server, tmp_path, client):
    await client.create_person("newcomer", "New Comer")
    max_server.post_as("newcomer", "My first post")
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        assert pane.stream.tail_text == "scroll on for older activities"
        pane.set_view(StreamView("user", "newcomer", "New Comer"))
        await wait_for(pilot, lambda: pane.view.kind == "user" and pane.at_end and len(pane.stream.entries) == 1)
        assert "beginning of this stream" in pane.stream.tail_text
        assert "Activities of New Comer" in pane.header_text and "(all)" in pane.header_text
