"""Snapshots of what the app itself shows around the panes: the Exchanges tab and the keys panel."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import settle, steady


async def exchanges(pilot: Pilot[object]) -> None:
    """The Tickets pane loads its first page; `5` shows that request, signed, its Cerb-Auth header redacted."""
    await steady(pilot, "160 tickets")
    await pilot.press("5")
    await steady(pilot, "/cerb/rest/records/ticket/search.json", "cerb-auth: •••", '"__status":"success"')


async def keys_panel(pilot: Pilot[object]) -> None:
    await settle(pilot, "160 tickets")
    await pilot.press("question_mark")
    await settle(pilot, "Assign me", "search keys and actions")
    await pilot.press(*"comm")  # the list narrows to what was typed
    await steady(pilot, "Comment", gone=("Assign me",))


def test_exchanges(shoot):
    """The Exchanges tab: the requests of the session, the selected one with its headers and body, secrets as •••."""
    assert shoot("cerb", exchanges)


def test_keys_panel(shoot):
    """`?` on the Tickets pane: every key of the pane and the app, searched for "comm"."""
    assert shoot("cerb", keys_panel)
