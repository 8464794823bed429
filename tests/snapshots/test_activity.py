"""Snapshots of the Activity pane (MAX): the timeline, an activity with its comments, the post editor, the
conversations, one conversation, the contexts I follow."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import paste, settle, steady, type_text


async def timeline(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press("down", "down")
    await steady(pilot, "30 loaded")


async def activity_with_comments(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press(*["down"] * 6)  # Carla's post in the Support context: three comments
    await settle(pilot, "3 comments")
    await pilot.press("enter")
    await steady(pilot, "Comments (3)")


async def post_editor(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press("p")
    await settle(pilot, "New post")
    await paste(pilot, "Demo day on **Friday** at 15:00 in room 2.\n\n- five-minute demos\n- coffee\n\n#demo")
    await steady(pilot, "#demo")


async def conversations(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press("m")
    await steady(pilot, "Conversations", "Friday demo", "unread")


async def conversation(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press("m")
    await settle(pilot, "Conversations", "Friday demo", "unread")
    await pilot.press("down", "enter")  # the second one: the group conversation
    await settle(pilot, "Friday demo", "I book room 2")
    await type_text(pilot, "See you there")
    await steady(pilot, "See you there")


async def contexts(pilot: Pilot[object]) -> None:
    await settle(pilot, "My timeline", "30 loaded")
    await pilot.press("s")
    await steady(pilot, "Contexts I follow", "✓ Announcements", "Social club")


def test_timeline(shoot):
    """The timeline with people, contexts, hashtags, comment and like counts; the cursor two posts down."""
    assert shoot("max", timeline)


def test_activity_with_comments(shoot):
    """An activity opened in the reader: its context, likes and comments."""
    assert shoot("max", activity_with_comments)


def test_post_editor(shoot):
    """`p`: the post editor with markdown and a hashtag typed, the context to post in above."""
    assert shoot("max", post_editor)


def test_conversations(shoot):
    """`m`: private conversations, the newest first, unread counts on the left."""
    assert shoot("max", conversations)


def test_conversation(shoot):
    """A group conversation opened, a reply being typed on the line at the bottom."""
    assert shoot("max", conversation)


def test_contexts(shoot):
    """`s`: the contexts I follow (✓) first, then the others the server lists."""
    assert shoot("max", contexts)
