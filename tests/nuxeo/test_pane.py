"""The Documents pane, driven through the real app against the Nuxeo sandbox over real sockets."""

from __future__ import annotations

import asyncio
import io
import socket
import uuid

from rich.console import Console
from textual.widgets import Input, Static, TextArea

from tests.conftest import make_app, wait_for
from tui.drafts import DraftStore
from tui.profiles import Connection, Profile
from tui.services.nuxeo.dialogs import ConflictDialog, EditDocumentDialog, OperationDialog, ResultDialog, SearchDialog
from tui.services.nuxeo.pane import DocumentsPane
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.dialogs import ConfirmDialog, FormDialog

SIZE = (140, 45)


async def big_folder(client) -> tuple[str, int]:
    """The seeded folder holding thousands of documents: the folderish child of the workspaces with the most
    children."""
    best = ("", -1)
    for ref in ("/default-domain/workspaces", "/default-domain"):
        page = await client.children(ref, page_size=100)
        for doc in page.entries:
            if doc.is_folderish and (doc.child_count or 0) > best[1]:
                best = (doc.path, doc.child_count or 0)
    assert best[1] >= 1000, "the sandbox has no big folder"
    return best


def plain(static: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def pane_of(app) -> DocumentsPane:
    return app.query_one(DocumentsPane)


async def started(pilot) -> DocumentsPane:
    pane = pane_of(pilot.app)
    await wait_for(pilot, lambda: pane.root_loaded and pane.document_tree.root.children)
    return pane


def cursor_path(pane: DocumentsPane) -> str | None:
    node = pane.document_tree.cursor_node
    return node.data.doc.path if node is not None and node.data is not None and node.data.doc is not None else None


async def reveal(pilot, pane: DocumentsPane, path: str) -> None:
    pane.reveal(path)
    await wait_for(pilot, lambda: cursor_path(pane) == path)


async def open_editor(pilot) -> EditDocumentDialog:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, EditDocumentDialog))
    return pilot.app.screen


async def type_into(pilot, widget, text: str, *, replace: bool = True) -> None:
    widget.focus()
    await pilot.pause()
    if replace:
        if isinstance(widget, Input):
            widget.value = ""
        else:
            widget.text = ""
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def test_browse_with_the_keyboard_shows_details(box, tmp_path, client):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        bar = app.query_one(ConnectionBar)
        await wait_for(pilot, lambda: bar.states["nuxeo"] == ("ok", "Administrator"))
        tree = pane.document_tree
        domain = tree.root.children[0]
        assert domain.data.doc.path == "/default-domain"
        # the single domain opens by itself, showing its three roots
        await wait_for(pilot, lambda: domain.data.folder.complete and len(domain.children) >= 3)
        assert {c.data.doc.name for c in domain.children} >= {"sections", "templates", "workspaces"}
        workspaces = tree.find_child(domain, name="workspaces")
        while tree.cursor_node is not workspaces:
            await pilot.press("down")
        await pilot.press("space")
        await wait_for(pilot, lambda: workspaces.data.folder.loaded > 0)
        await pilot.press("down")
        first = workspaces.children[0].data.doc
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.uid == first.uid)
        summary = plain(pane.details.query_one("#doc-summary", Static))
        assert first.path in summary and first.type in summary
        # j switches between properties and raw JSON
        await pilot.press("j")
        assert pane.details.raw
        # the tree keeps a light copy of each listed document; the whole one arrives when the cursor rests
        await wait_for(pilot, lambda: '"entity-type"' in pane.details.query_one("#doc-json").text)
        await pilot.press("j")
        assert not pane.details.raw and '"dc:title"' in pane.details.query_one("#doc-json").text


async def test_pages_through_the_big_folder(box, tmp_path, client):
    path, total = await big_folder(client)
    big = await client.get(path)
    last_page = await client.children(big.uid, page=(total - 1) // 100, page_size=100)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, path)
        node = pane.document_tree.cursor_node
        await pilot.press("space")
        state = node.data.folder
        await wait_for(pilot, lambda: state.loaded == 100)
        more = pane.document_tree.more_node(node)
        assert more is not None and f"100 of {total:,}" in str(more.label)
        # walking onto "load more" loads the next page and puts the cursor on its first document
        for _ in range(2):
            loaded = state.loaded
            pane.document_tree.select_line_of(pane.document_tree.more_node(node))
            await wait_for(pilot, lambda loaded=loaded: state.loaded > loaded and not state.fetching)
            assert cursor_path(pane) == node.children[loaded].data.doc.path  # not riding the "more" line down
        # moving down near the end of what is loaded fetches the next page before the user gets there
        pane.document_tree.select_line_of(node.children[state.loaded - 16])
        loaded = state.loaded
        for _ in range(8):
            await pilot.press("down")
        await wait_for(pilot, lambda: state.loaded > loaded and not state.fetching)
        assert cursor_path(pane) == node.children[loaded - 8].data.doc.path
        # the rest, page after page, as the pane loads them when the cursor nears the end
        while not state.complete:
            assert await pane.load_page(node)
        assert state.loaded == total
        assert len(node.children) == total and pane.document_tree.more_node(node) is None
        assert node.children[-1].data.doc.uid == last_page.entries[-1].uid
        pane.document_tree.select_line_of(node.children[-2])
        await pilot.press("down")
        await wait_for(
            pilot, lambda: pane.details.doc is not None and pane.details.doc.uid == last_page.entries[-1].uid
        )


async def test_edit_and_save(box, tmp_path, client, workspace):
    doc = await client.create(
        workspace.uid, type="Note", name="edit-me", properties={"dc:title": "Before", "dc:description": "old"}
    )
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        await type_into(pilot, form.query_one("#field-dc-title", Input), "After edit")
        key = pane.context.draft_key("nuxeo", doc.uid)
        assert drafts.load(key).data["values"]["dc:title"] == "After edit"  # kept on disk as the user types
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, EditDocumentDialog))
        assert (await client.get(doc.uid)).title == "After edit"
        assert drafts.load(key) is None
        await wait_for(pilot, lambda: "After edit" in str(pane.document_tree.cursor_node.label))


async def test_conflict_reload_then_overwrite(box, tmp_path, client, workspace):
    doc = await client.create(
        workspace.uid, type="Note", name="contested", properties={"dc:title": "Contested", "dc:description": "v1"}
    )
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        await type_into(pilot, form.query_one("#field-dc-description", TextArea), "mine")
        await client.update(doc.uid, {"dc:description": "theirs"})  # behind the pane's back
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
        conflict = app.screen
        assert conflict.theirs["dc:description"] == "theirs" and conflict.yours["dc:description"] == "mine"
        await pilot.press("r")  # take theirs, keep mine as a draft
        await wait_for(pilot, lambda: not isinstance(app.screen, (ConflictDialog, EditDocumentDialog)))
        assert (await client.get(doc.uid)).description == "theirs"
        key = pane.context.draft_key("nuxeo", doc.uid)
        assert drafts.load(key).data["values"]["dc:description"] == "mine"
        await wait_for(pilot, lambda: pane.details.doc.description == "theirs")

        # editing again offers the draft back; a second conflict is overwritten with mine
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
        assert app.screen.query_one("#field-dc-description", TextArea).text == "mine"
        await client.update(doc.uid, {"dc:description": "theirs again"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
        await pilot.press("o")
        await wait_for(pilot, lambda: not isinstance(app.screen, (ConflictDialog, EditDocumentDialog)))
        assert (await client.get(doc.uid)).description == "mine"
        assert drafts.load(key) is None


async def test_failed_save_keeps_the_form_and_the_text(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="doomed", properties={"dc:title": "Doomed"})
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        title = form.query_one("#field-dc-title", Input)
        await type_into(pilot, title, "Precious words")
        await client.delete(doc.uid)  # the save will fail on the server: the document is gone
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error", Static)
        await wait_for(pilot, lambda: "Not saved" in plain(error))
        assert app.screen is form and title.value == "Precious words"
        assert "Traceback" not in plain(error)
        assert drafts.load(pane.context.draft_key("nuxeo", doc.uid)).data["values"]["dc:title"] == "Precious words"


async def test_draft_survives_a_restart(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="crashy", properties={"dc:title": "Crashy"})
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        await type_into(pilot, form.query_one("#field-dc-title", Input), "Typed before the crash")
    # the first app is gone without saving; a new one on the same draft store offers the text back
    app2 = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=DraftStore(tmp_path / "drafts"))
    async with app2.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app2.screen, ConfirmDialog))
        assert "Restore draft?" in app2.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app2.screen, EditDocumentDialog))
        assert app2.screen.query_one("#field-dc-title", Input).value == "Typed before the crash"
    assert (await client.get(doc.uid)).title == "Crashy"  # nothing was saved behind the user's back


async def test_search_and_open_in_the_tree(box, tmp_path, client, workspace):
    inner = await client.create(workspace.uid, type="Folder", name="inner", properties={"dc:title": "Inner"})
    word = f"zebra{uuid.uuid4().hex[:6]}"
    target = await client.create(inner.uid, type="Note", name="needle", properties={"dc:title": f"Needle {word}"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        dialog = app.screen
        await pilot.press(*word, "enter")
        await wait_for(pilot, lambda: len(dialog.docs) == 1)
        assert dialog.docs[0].uid == target.uid
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: cursor_path(pane) == target.path)  # ancestors expanded, cursor on it
        assert pane.document_tree.cursor_node.parent.data.doc.uid == inner.uid

        # NXQL works too, and a malformed query is one readable sentence in the dialog
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        dialog = app.screen
        box_input = dialog.query_one("#search-input", Input)
        box_input.value = f"SELECT * FROM Document WHERE ecm:parentId = '{inner.uid}'"
        await pilot.press("enter")
        await wait_for(pilot, lambda: [d.uid for d in dialog.docs] == [target.uid])
        box_input.value = "SELECT * FROM WHERE ((("
        await pilot.press("enter")
        status = dialog.query_one("#search-status", Static)
        await wait_for(
            pilot, lambda: not dialog.searching and "result" not in plain(status) and "Searching" not in plain(status)
        )
        assert "Traceback" not in plain(status) and plain(status).strip()
        await pilot.press("escape")


async def test_delete_create_and_move(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="victim", properties={"dc:title": "Victim"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(doc.uid) is None)
        assert (await client.get(doc.uid)).is_trashed  # d moves to the trash, as Nuxeo's Web UI does

        # n creates in the selected folder
        await reveal(pilot, pane, workspace.path)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-title", Input).value = "Fresh Folder"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: cursor_path(pane) == f"{workspace.path}/fresh-folder")
        fresh = await client.get(f"{workspace.path}/fresh-folder")
        assert fresh.title == "Fresh Folder" and fresh.type == "Folder"

        # m renames it (same folder, new name)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-name", Input).value = "renamed"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: cursor_path(pane) == f"{workspace.path}/renamed")
        assert (await client.get(fresh.uid)).path == f"{workspace.path}/renamed"


async def test_upload_then_download(box, tmp_path, client, workspace):
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello from the pane\n" * 500)
    doc = await client.create(workspace.uid, type="File", name="holder", properties={"dc:title": "Holder"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-path", Input).value = str(source)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.has_blob)
        blob = (await client.get(doc.uid)).blob
        assert blob.name == "hello.txt" and blob.length == source.stat().st_size

        target = tmp_path / "out" / "copy.txt"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#field-dest", Input).value.endswith(
            "hello.txt"
        )  # ~/Downloads/<filename> by default
        app.screen.query_one("#field-dest", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: target.exists())
        assert target.read_bytes() == source.read_bytes()


async def test_run_an_operation(box, tmp_path, client, workspace):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, workspace.path)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationDialog))
        picker = app.screen
        await pilot.press(*"Document.Update")
        await wait_for(pilot, lambda: picker.shown and picker.shown[0].id == "Document.Update")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#field-properties", TextArea).text = "dc:description=set by an operation"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultDialog))
        assert "set by an operation" in app.screen.query_one("#op-result").text
        assert (await client.get(workspace.uid)).description == "set by an operation"


async def test_unreachable_server_is_one_readable_sentence(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    connection = Connection(
        kind="nuxeo",
        url=f"http://127.0.0.1:{port}/nuxeo",
        username="Administrator",
        secret="not-shown-anywhere",
        secret_source="memory",
    )
    app = make_app(Profile(name="offline", connections={"nuxeo": connection}), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.query_one(ConnectionBar)
        # the client tells the bar first, as the request fails; the pane's notification follows
        await wait_for(pilot, lambda: bar.states["nuxeo"][0] == "error" and len(app._notifications) > 0, timeout=20)
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Could not load the document tree:") for m in messages), messages
        assert not any("Traceback" in m or "not-shown-anywhere" in m for m in messages)
        assert not pane_of(app).root_loaded


async def test_deleting_in_a_partly_loaded_folder_skips_nothing(box, tmp_path, client, workspace):
    """Deleting a listed document moves the server's offsets back by one; the next page must not skip a document."""
    for start in range(0, 150, 25):
        await asyncio.gather(
            *(
                client.create(workspace.uid, type="Note", name=f"n{i:03d}", properties={"dc:title": f"Note {i:03d}"})
                for i in range(start, start + 25)
            )
        )
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, workspace.path)
        folder = pane.document_tree.cursor_node
        await pilot.press("space")
        state = folder.data.folder
        await wait_for(pilot, lambda: state.loaded == 100)
        victim = folder.children[10]
        pane.document_tree.select_line_of(victim)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(victim.data.doc.uid) is None)
        while not state.complete:
            assert await pane.load_page(folder)
        listed = [child.data.doc.uid for child in folder.children if child.data.doc is not None]
        assert len(listed) == len(set(listed)) == 149
        remaining = set()
        for number in range(2):
            page = await client.children(workspace.uid, page=number, page_size=100)
            remaining |= {doc.uid for doc in page.entries if not doc.is_trashed}
        assert set(listed) == remaining


async def test_the_lean_tree_rebuild_matches_textuals():
    """DocumentTree replaces Tree._build for speed; it must lay out exactly the lines the stock one does."""
    import random

    from textual.app import App
    from textual.widgets import Tree

    from tui.services.nuxeo.tree_view import DocumentTree

    class Both(App):
        def compose(self):
            yield Tree("root", id="stock")
            yield DocumentTree("root", id="lean")

    async with Both().run_test(size=SIZE) as pilot:
        stock, lean = pilot.app.query_one("#stock", Tree), pilot.app.query_one("#lean", DocumentTree)
        for show_root in (True, False):
            for tree in (stock, lean):
                tree.clear()
                tree.show_root = show_root
                rng = random.Random(7)

                def fill(node, depth, rng=rng):
                    for _ in range(rng.randint(0, 5)):
                        child = node.add(
                            "x" * rng.randint(1, 40), expand=rng.random() < 0.6, allow_expand=rng.random() < 0.8
                        )
                        if depth < 4:
                            fill(child, depth + 1)

                fill(tree.root, 0)
                tree.root.expand()
            await pilot.pause()

            def shape(tree):
                return [(len(line.path), line.last, str(line.node.label), line.node.line) for line in tree._tree_lines]

            assert shape(lean) == shape(stock) and len(shape(stock)) > 20
            assert lean.virtual_size == stock.virtual_size


def form_text(form: FormDialog) -> str:
    return "\n".join(plain(static) for static in form.query(Static))


async def test_a_failed_move_asks_again_with_what_was_typed(box, tmp_path, client, workspace):
    """The server refuses: the form comes back as the user left it, with one readable sentence (markup-safe)."""
    doc = await client.create(workspace.uid, type="Note", name="mover", properties={"dc:title": "Mover"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        first = app.screen
        target = "/no/such [/] folder"
        first.query_one("#field-target", Input).value = target
        first.query_one("#field-name", Input).value = "new-name"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog) and app.screen is not first)
        form = app.screen
        assert form.query_one("#field-target", Input).value == target
        assert form.query_one("#field-name", Input).value == "new-name"
        await pilot.pause()
        text = form_text(form)
        assert "Could not move Mover: Nuxeo could not find it" in text and target in text
        assert "NotFoundError" not in text and "Traceback" not in text
        await pilot.press("escape")
        assert (await client.get(doc.uid)).path == doc.path


async def test_an_unexpected_failure_is_one_sentence_on_the_form(box, tmp_path, workspace, monkeypatch):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, workspace.path)

        async def broken(*args, **kwargs):
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr(pane.client, "create", broken)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        first = app.screen
        first.query_one("#field-title", Input).value = "Kept title"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog) and app.screen is not first)
        form = app.screen
        assert form.query_one("#field-title", Input).value == "Kept title"
        await pilot.pause()
        text = form_text(form)
        assert "Could not create the document." in text
        assert "RuntimeError" not in text and "Traceback" not in text
