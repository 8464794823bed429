"""Defects a new user met in the Documents pane: each test failed before its fix."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import cursor_path, reveal, started
from tui.http import UnavailableError
from tui.services.nuxeo.dialogs import EditDocumentDialog, SearchDialog
from tui.services.nuxeo.form_flow import RetryForm
from tui.services.nuxeo.pane import DocumentsPane
from tui.widgets.dialogs import ConfirmDialog, FormDialog
from tui.widgets.keys_screen import key_rows

SIZE = (140, 45)


def label_of(pane: DocumentsPane, uid: str) -> str:
    node = pane.document_tree.node_for_uid(uid)
    assert node is not None
    return node.label.plain


async def test_after_a_delete_the_details_and_e_follow_the_cursor(box, tmp_path, client, workspace):
    first = await client.create(workspace.uid, type="Note", name="a", properties={"dc:title": "Alpha"})
    second = await client.create(workspace.uid, type="Note", name="b", properties={"dc:title": "Beta"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, first.path)
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.uid == first.uid)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(first.uid) is None)
        await pilot.pause(0.3)
        assert cursor_path(pane) == second.path
        assert pane.details.doc is not None and pane.details.doc.uid == second.uid
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
        assert app.screen.title_text == f"Edit Beta  ({second.path})"
        await pilot.press("escape")


async def test_folder_counts_follow_create_move_and_delete(box, tmp_path, client, workspace):
    source = await client.create(workspace.uid, type="Folder", name="src", properties={"dc:title": "Source"})
    target = await client.create(workspace.uid, type="Folder", name="dst", properties={"dc:title": "Target"})
    await client.create(source.uid, type="Note", name="one", properties={"dc:title": "One"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, source.path)
        assert label_of(pane, source.uid).endswith("(1)")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-title", Input).value = "Two"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: cursor_path(pane) == f"{source.path}/two")
        assert label_of(pane, source.uid).endswith("(2)")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-target", Input).value = target.path
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: cursor_path(pane) == f"{target.path}/two")
        assert label_of(pane, source.uid).endswith("(1)") and label_of(pane, target.uid).endswith("(1)")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: label_of(pane, target.uid).endswith("(0)"))


async def test_a_folder_that_failed_to_open_shows_an_error_line_and_enter_retries(
    box, tmp_path, client, workspace, monkeypatch
):
    inner = await client.create(workspace.uid, type="Folder", name="inner", properties={"dc:title": "Inner"})
    note = await client.create(inner.uid, type="Note", name="n", properties={"dc:title": "Inside"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, inner.path)
        real_children = pane.client.children
        failures = []

        async def flaky(ref, **kwargs):
            if ref == inner.uid and not failures:
                failures.append(ref)
                raise UnavailableError("Nuxeo did not answer.", service="Nuxeo")
            return await real_children(ref, **kwargs)

        monkeypatch.setattr(pane.client, "children", flaky)
        folder = pane.document_tree.cursor_node
        await pilot.press("space")
        await wait_for(pilot, lambda: folder.children and "enter retries" in folder.children[-1].label.plain)
        await pilot.press("down")
        await pilot.pause(0.3)
        assert len(failures) == 1 and "enter retries" in folder.children[-1].label.plain  # no retry by itself
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(note.uid) is not None)
        assert not any("enter retries" in child.label.plain for child in folder.children)


async def test_after_a_search_with_no_results_the_next_query_can_be_typed(box, tmp_path):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        dialog = app.screen
        await pilot.press(*"nothingmatchesthis", "enter")
        await wait_for(pilot, lambda: not dialog.searching and dialog.last_page is not None)
        await pilot.press("tab")
        await pilot.pause()
        field = dialog.query_one("#search-input", Input)
        assert app.focused is field and not dialog.query_one("#search-results", OptionList).can_focus
        field.value = ""
        await pilot.press(*"Apollo", "enter")
        await wait_for(pilot, lambda: len(dialog.docs) > 0)
        await pilot.press("escape")


async def test_messages_say_what_is_wrong(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Note"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryForm) and app.screen.error)
        assert app.screen.error == "Type the path of the file to upload."
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FormDialog))
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-target", Input).value = "/default-domain/no-such-folder"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryForm) and app.screen.error)
        assert "there is no folder at /default-domain/no-such-folder." in app.screen.error
        await pilot.press("escape")


async def test_the_footer_names_the_folder_reload_apart_from_the_app_reload(box, tmp_path):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        descriptions = [what for _, _, what in key_rows(app.screen, app._place_of)]
        assert descriptions.count("Reload") == 1 and "Reload folder" in descriptions
