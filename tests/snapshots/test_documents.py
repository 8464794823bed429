"""Snapshots of the Documents pane (Nuxeo): the tree with a document's details, the edit form, search."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import settle, steady, type_text


async def open_requirements(pilot: Pilot[object]) -> None:
    """Walk the tree down to /default-domain/workspaces/Projects/Apollo/requirements, a file with text."""
    await settle(pilot, "Workspaces (3)")
    await pilot.press("down", "down", "down", "down", "space")  # Workspaces
    await settle(pilot, "Projects (2)")
    await pilot.press("down", "down", "space")  # Projects
    await settle(pilot, "Apollo (4)")
    await pilot.press("down", "space")  # Apollo
    await settle(pilot, "Requirements")
    await pilot.press("down", "down", "down", "down")
    await steady(pilot, "Path       /default-domain/workspaces/Projects/Apollo/requirements", "Modified")


async def edit_form(pilot: Pilot[object]) -> None:
    await open_requirements(pilot)
    await pilot.press("e")
    await steady(pilot, "Edit Requirements", "Description  (dc:description)")


async def search(pilot: Pilot[object]) -> None:
    await settle(pilot, "Workspaces (3)")
    await pilot.press("slash")
    await settle(pilot, "Search documents")
    await type_text(pilot, "Apollo")
    await pilot.press("enter")
    await settle(pilot, "2 results for 'Apollo'")
    await pilot.press("down")
    await steady(pilot, "Press release: Apollo launch")


def test_tree_with_details(shoot):
    """The tree opened down to a file; its details and properties on the right."""
    assert shoot("nuxeo", open_requirements)


def test_edit_form(shoot):
    """`e` on a document: its text properties in a form, kept as a draft while typed."""
    assert shoot("nuxeo", edit_form)


def test_search(shoot):
    """`/`: full-text search over the repository, results with their paths."""
    assert shoot("nuxeo", search)
