"""Snapshots of the Tickets pane (Cerb): the table, a ticket's conversation, the reply editor."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import paste, settle, steady, type_text

QUERY = "messages.count:3"  # tickets with a full conversation: the nicest ones to open


async def table(pilot: Pilot[object]) -> None:
    await settle(pilot, "160 tickets", "Updated ▼")
    await pilot.press("down", "down", "down")
    await steady(pilot, "160 tickets")


async def conversation(pilot: Pilot[object]) -> None:
    await settle(pilot, "160 tickets")
    await pilot.press("slash")
    await type_text(pilot, QUERY)
    await pilot.press("enter")
    await settle(pilot, "29 tickets", f"“{QUERY}”")
    await pilot.press("enter")
    await steady(pilot, "[#NRZ-26036-058] Question about the enterprise plan", "Thursday works.")


async def reply_editor(pilot: Pilot[object]) -> None:
    await conversation(pilot)
    await pilot.press("r")
    await settle(pilot, "Reply to [#NRZ-26036-058]")
    await paste(pilot, "Hi Leila,\n\nThe invite is on its way.\n\nMarco")
    await steady(pilot, "The invite is on its way.")


def test_table(shoot):
    """The open tickets, newest first, with filters and the search line; the cursor a few rows down."""
    assert shoot("cerb", table)


def test_conversation(shoot):
    """A ticket found by search, opened: its fields and the three messages of its conversation."""
    assert shoot("cerb", conversation)


def test_reply_editor(shoot):
    """`r` in a conversation: the reply editor quoting the last message, a reply typed (kept as a draft)."""
    assert shoot("cerb", reply_editor)
