"""Screenshot scenes of the Activity pane: the timeline with new activities announced, a post with its comments,
the post editor, and a private conversation."""

from __future__ import annotations

from tests.conftest import wait_for


def _pane(pilot):
    from tui.services.max.pane import ActivityPane

    return pilot.app.query_one(ActivityPane)


async def _loaded(pilot):
    pane = _pane(pilot)
    await wait_for(pilot, lambda: pane.loaded and pane.stream.entries, timeout=20)
    return pane


async def activity(pilot) -> None:
    """The timeline, reading a little way down, while two colleagues post: announced, nothing moves."""
    from tui.services.max.client import MaxClient

    pane = await _loaded(pilot)
    await pilot.press("down", "down")
    # seeded people sign in with their username as password
    for username, text in (
        ("alice", "Release **2.4** is out, notes on the <a href='http://wiki'>wiki</a> #release"),
        ("bob", "Who is up for lunch at 13:00? #lunch"),
    ):
        async with MaxClient(pane.client.url, username, username) as colleague:
            await colleague.post(text)
    pane.poll()
    await wait_for(pilot, lambda: pane.new_count >= 2, timeout=20)
    await pilot.pause(0.2)


async def activity_comments(pilot) -> None:
    """A post with context, likes and several comments, opened in the reader."""
    from tui.services.max.activity_view import ActivityScreen

    pane = await _loaded(pilot)
    best = max(
        range(len(pane.stream.entries)),
        key=lambda i: (
            pane.stream.entries[i].comments_count >= 3,
            bool(pane.stream.entries[i].contexts),
            pane.stream.entries[i].likes_count,
        ),
    )
    pane.stream.move_cursor(best)
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, ActivityScreen) and pilot.app.screen.comments is not None,
        timeout=20,
    )
    await pilot.pause(0.2)


async def activity_post(pilot) -> None:
    """The post editor: markdown and hashtags, a context to post in, kept as a draft while typed."""
    from tui.services.max.dialogs import ComposeScreen

    pane = await _loaded(pilot)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), timeout=20)
    area = pilot.app.screen.query_one("#compose-text")
    area.insert(
        "Demo day on **Friday** at 15:00 in room 2.\n\n- five-minute demos\n- coffee provided\n\n#demo #roadmap"
    )
    await pilot.pause(0.2)
    assert pane.context.drafts.load(pane.post_draft_key) is not None


async def activity_conversation(pilot) -> None:
    """`m`: the conversations, then the group one opened, a reply being typed."""
    from tui.services.max.conversations_view import ConversationScreen, ConversationsScreen

    await _loaded(pilot)
    await pilot.press("m")
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, ConversationsScreen) and pilot.app.screen.conversations, timeout=20
    )
    listing = pilot.app.screen
    group = next(c for c in listing.conversations if c.group)
    listing.query_one("OptionList").highlighted = listing.conversations.index(group)
    await pilot.press("enter")
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, ConversationScreen) and pilot.app.screen.messages, timeout=20
    )
    await pilot.press(*"Room 2 it is, see you there")
    await pilot.pause(0.2)


SCENES = [
    ("activity", activity),
    ("activity-comments", activity_comments),
    ("activity-post", activity_post),
    ("activity-conversation", activity_conversation),
]
