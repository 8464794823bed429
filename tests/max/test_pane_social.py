"""The Activity pane's second half in the real app, against the MAX sandbox: keyword search, favorites, the contexts
I follow, private conversations; polling that stops while the tab is hidden; a failed load told once."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input, OptionList

from tests.conftest import make_app, wait_for
from tui.drafts import DraftStore
from tui.profiles import Connection, Profile
from tui.services.max.contexts_view import ContextsScreen
from tui.services.max.conversations_view import ConversationScreen, ConversationsScreen
from tui.services.max.pane import ActivityPane
from tui.widgets.dialogs import FormDialog

SIZE = (140, 42)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def started(pilot) -> ActivityPane:
    pane = pilot.app.query_one(ActivityPane)
    await wait_for(pilot, lambda: pane.loaded and pane.stream.entries)
    return pane


async def test_polling_stops_while_the_tab_is_hidden(max_box, tmp_path, monkeypatch):
    monkeypatch.setattr(ActivityPane, "poll_interval", 0.1)
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await wait_for(pilot, lambda: pane.polls >= 3)  # polling while shown
        await pilot.press("1")  # another tab
        await pilot.pause()
        hidden_at = pane.polls
        await asyncio.sleep(1.0)
        await pilot.pause()
        assert pane.polls <= hidden_at + 1  # one already under way may finish; no more start
        await pilot.press("3")
        await wait_for(pilot, lambda: pane.polls >= hidden_at + 3)  # and again once shown


async def test_news_posted_while_hidden_is_announced_as_soon_as_the_tab_is_shown(
    max_box, max_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(ActivityPane, "poll_interval", 60.0)  # no timer tick during the test: only showing polls
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("1")
        await pilot.pause()
        max_server.post_as("alice", "Posted while nobody looked #hidden")
        await asyncio.sleep(0.3)
        assert pane.new_count == 0
        await pilot.press("3")
        await wait_for(pilot, lambda: pane.new_count == 1, timeout=3)
        assert "1 new" in pane.header_text


async def test_a_failure_repeated_by_ctrl_r_is_told_once(tmp_path):
    connection = Connection(
        kind="max", url="http://127.0.0.1:9/max", username="admin", secret="admin", secret_source="memory"
    )
    app = make_app(Profile(name="down", connections={"max": connection}, builtin=True), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(ActivityPane)
        await wait_for(pilot, lambda: any("Could not load my timeline" in n for n in notes(app)))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Still cannot load my timeline" in pane.stream.empty_text)
        await pilot.press("ctrl+r")
        await asyncio.sleep(0.5)
        await pilot.pause()
        loads = [n for n in notes(app) if "Could not load my timeline" in n]
        assert len(loads) == 1, loads


async def test_search_my_timeline_for_words(max_box, max_server, tmp_path):
    wanted = max_server.post_as("admin", "Searchable zeppelin hangar notes")
    max_server.post_as("admin", "Only a zeppelin here")
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"zeppelin hangar")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: pane.view.kind == "search" and pane.loaded and pane.stream.entries)
        assert [a.id for a in pane.stream.entries] == [wanted]
        assert "zeppelin hangar" in pane.header_text


async def test_favorite_from_the_stream_and_the_favorites_view(max_box, tmp_path, client):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        target = next(a for a in pane.stream.entries if not a.favorited)
        pane.stream.move_cursor(pane.stream.index_of(target.id))
        await pilot.press("f")
        await wait_for(pilot, lambda: pane.stream.entries[pane.stream.index_of(target.id)].favorited)
        assert (await client.activity(target.id)).favorited
        await pilot.press("F")
        await wait_for(pilot, lambda: pane.view.kind == "favorites" and target.id in pane.stream.ids)
        assert all(a.favorited for a in pane.stream.entries) and "My favorites" in pane.header_text
        pane.stream.move_cursor(pane.stream.index_of(target.id))
        await pilot.press("f")  # unmarked: it leaves the favorites view
        await wait_for(pilot, lambda: target.id not in pane.stream.ids)
        assert not (await client.activity(target.id)).favorited


async def test_follow_and_stop_following_a_context_then_show_its_stream(max_box, tmp_path, client):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ContextsScreen) and app.screen.loaded)
        screen = app.screen
        stranger = next(c for c in screen.contexts if c.hash not in screen.followed)  # admin skips one in the seed
        screen.query_one(OptionList).highlighted = screen.contexts.index(stranger)
        await pilot.press("space")
        await wait_for(pilot, lambda: stranger.hash in screen.followed)
        assert stranger.hash in {c.hash for c in await client.subscriptions()}
        assert screen.current.hash == stranger.hash  # the highlight stays on it as the list reorders
        await pilot.press("space")
        await wait_for(pilot, lambda: stranger.hash not in screen.followed)
        assert stranger.hash not in {c.hash for c in await client.subscriptions()}
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.view.kind == "context" and pane.view.value == stranger.hash)
        assert app.screen is not screen


async def test_conversations_open_one_reply_and_the_unread_count_goes(max_box, tmp_path, client):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(max_box.profile(), tmp_path, pane="max", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationsScreen) and app.screen.conversations)
        listing = app.screen
        unread = next(c for c in listing.conversations if c.unread)
        listing.query_one(OptionList).highlighted = listing.conversations.index(unread)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.messages)
        talk = app.screen
        assert talk.query_one(Input).has_focus
        await pilot.press(*"Typed, kept")
        assert drafts.load(pane.message_draft_key(unread.id)).data["text"] == "Typed, kept"
        await pilot.press("escape")  # closed unsent: the draft stays, and comes back
        await wait_for(pilot, lambda: app.screen is listing)
        await wait_for(pilot, lambda: next(c for c in listing.conversations if c.id == unread.id).unread == 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.messages)
        assert app.screen.draft_text == "Typed, kept"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.messages[-1].content == "Typed, kept")
        assert (await client.messages(unread.id, limit=1))[0].content == "Typed, kept"
        assert drafts.load(pane.message_draft_key(unread.id)) is None and app.screen.draft_text == ""


async def test_start_a_conversation_with_people(max_box, tmp_path, max_url):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationsScreen) and app.screen.conversations)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        form.query_one("#field-participants").value = "@gemma, laia"
        form.query_one("#field-title").value = "Coffee club"
        form.query_one("#field-message").text = "First round is on me"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.messages)
        assert app.screen.conversation.name == "Coffee club"
        assert [m.content for m in app.screen.messages] == ["First round is on me"]
    from tui.services.max.client import MaxClient

    async with MaxClient(max_url, "laia", "laia") as laia:
        theirs = next(c for c in await laia.conversations_list() if c.name == "Coffee club")
        assert theirs.unread == 1 and {p.username for p in theirs.participants} == {"admin", "gemma", "laia"}


async def test_a_conversation_without_people_goes_back_to_the_form_with_the_text(max_box, tmp_path):
    app = make_app(max_box.profile(), tmp_path, pane="max")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationsScreen) and app.screen.conversations)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-message").text = "Nobody to send to"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("at least one person" in n for n in notes(app)))
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#field-message").text == "Nobody to send to"


@pytest.mark.parametrize("key", ["f", "F", "slash", "m", "s"])
def test_every_new_key_is_in_the_readme_and_the_help(key):
    from pathlib import Path

    binding = next(b for b in ActivityPane.BINDINGS if key in b.key.split(","))
    assert binding.description and binding.tooltip  # what the help shows for it
    readme = Path(__file__).parents[2].joinpath("README.md").read_text(encoding="utf-8")
    activity = readme[readme.index("**Activity** (MAX)") :].split("\n\n", 2)[1]
    shown = {"slash": "/"}.get(key, key)
    assert f"| `{shown}` |" in activity
