"""Snapshots of what the app itself shows around the panes: the Exchanges tab and the keys panel."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import settle, steady


async def exchanges(pilot: Pilot[object]) -> None:
    """The Documents pane loads its tree; `5` shows the requests it made; the second one selected."""
    await steady(pilot, "Workspaces (3)")
    await pilot.press("5")
    await settle(pilot, "status", "ms", "/nuxeo/api/v1/repo/default/path/")
    await pilot.press("down")
    await steady(pilot, "Request", "Response", "authorization: •••")


async def keys_panel(pilot: Pilot[object]) -> None:
    await settle(pilot, "160 tickets")
    await pilot.press("question_mark")
    await steady(pilot, "Assign me", "Focus Next")


def test_exchanges(shoot):
    """The Exchanges tab: every request of the session, one selected with its headers and body, secrets as •••."""
    assert shoot("nuxeo", exchanges)


def test_keys_panel(shoot):
    """`?` on the Tickets pane: the keys panel beside the table."""
    assert shoot("cerb", keys_panel)
