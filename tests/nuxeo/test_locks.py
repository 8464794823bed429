"""Locks, as Nuxeo keeps them: Document.Lock / Document.Unlock, the `lock` fetch property, and a save by anyone but the
holder (or an administrator) refused. The sandbox with the official client, our client, then the pane's `L`."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import uuid

import pytest
import requests
from nuxeo.client import Nuxeo
from nuxeo.exceptions import Forbidden, HTTPError
from nuxeo.models import Document as OfficialDocument
from nuxeo.models import User
from rich.console import Console
from textual.widgets import Input, Static

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import cursor_path, plain, reveal, started, type_into
from tui.sandbox.nuxeo.store import Repository
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import EditDocumentDialog
from tui.services.nuxeo.locks_versions import LockedError
from tui.services.nuxeo.models import Document
from tui.services.nuxeo.render import document_label, summary_table
from tui.services.nuxeo.wire import DocumentWire, checked
from tui.widgets.dialogs import ConfirmDialog

SIZE = (140, 45)


def official(box, user: str) -> Nuxeo:
    server = Nuxeo(host=box.base_url + "/nuxeo/", auth=(user, user))
    server.client.disable_retry()
    return server


@pytest.fixture
async def jdoe(box):
    """The seeded second user, a member rather than an administrator."""
    async with NuxeoClient(box.base_url + "/nuxeo", "jdoe", "jdoe") as c:
        yield c


def test_official_client_locks_and_another_user_cannot_save(box):
    admin, member = official(box, "Administrator"), official(box, "jdoe")
    note = admin.documents.create(
        OfficialDocument(name=f"n-{uuid.uuid4().hex[:6]}", type="Note", properties={"dc:title": "Locked note"}),
        parent_path="/default-domain/workspaces",
    )
    assert note.fetch_lock_status() == {} and not note.is_locked()
    note.lock()
    status = note.fetch_lock_status()
    assert status["lockOwner"] == "Administrator" and note.is_locked()
    # the member may not save it, nor take the administrator's lock off it
    theirs = member.documents.get(uid=note.uid)
    theirs.set({"dc:title": "Changed by jdoe"})
    with pytest.raises(Forbidden) as refused:
        theirs.save()
    assert "WriteProperties" in str(refused.value) and "jdoe" in str(refused.value)
    with pytest.raises(HTTPError) as not_theirs:
        theirs.unlock()
    assert "already locked by Administrator" in str(not_theirs.value)
    assert admin.documents.get(uid=note.uid).title == "Locked note"
    # a second lock is refused, even the owner's, as Nuxeo does
    with pytest.raises(HTTPError) as twice:
        note.lock()
    assert "already locked by Administrator" in str(twice.value)
    # the holder saves; once unlocked, anyone may
    note.set({"dc:title": "Saved by the holder"})
    note.save()
    note.unlock()
    assert not note.is_locked()
    theirs = member.documents.get(uid=note.uid)
    theirs.set({"dc:title": "Now jdoe's"})
    theirs.save()
    assert admin.documents.get(uid=note.uid).title == "Now jdoe's"


def test_an_administrator_created_through_the_users_api_may_save_a_locked_document(box):
    """Who is an administrator comes from the directory: a user added to the administrators group counts."""
    admin, member = official(box, "Administrator"), official(box, "jdoe")
    boss = f"boss-{uuid.uuid4().hex[:6]}"
    admin.users.create(User(properties={"username": boss, "password": boss, "groups": ["administrators"]}))
    note = member.documents.create(
        OfficialDocument(name=f"n-{uuid.uuid4().hex[:6]}", type="Note", properties={"dc:title": "jdoe's note"}),
        parent_path="/default-domain/workspaces",
    )
    note.lock()
    theirs = official(box, boss).documents.get(uid=note.uid)
    theirs.set({"dc:title": "Saved by an administrator"})
    theirs.save()
    theirs.unlock()
    assert not admin.documents.get(uid=note.uid).is_locked()


def test_the_lock_fetch_property_as_a_header_or_a_query_parameter(box):
    admin = official(box, "Administrator")
    doc = admin.documents.create(
        OfficialDocument(name=f"f-{uuid.uuid4().hex[:6]}", type="File", properties={"dc:title": "File"}),
        parent_path="/default-domain/workspaces",
    )
    doc.lock()
    url = f"{box.base_url}/nuxeo/api/v1/id/{doc.uid}"
    auth = ("Administrator", "Administrator")
    # the official client sends `fetch-document: lock` (fetch_lock_status above); Nuxeo also reads these two
    for how in ({"headers": {"X-NXfetch.document": "lock"}}, {"params": {"fetch.document": "lock"}}):
        entity = requests.get(url, auth=auth, timeout=10, **how).json()
        assert entity["lockOwner"] == "Administrator" and entity["lockCreated"].endswith("Z")
    plain = requests.get(url, auth=auth, timeout=10).json()
    assert "lockOwner" not in plain  # only when asked for, as Nuxeo does
    doc.unlock()


async def test_client_lock_unlock_and_a_refused_save_names_the_holder(client, jdoe, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Budget"})
    assert doc.lock_owner == ""
    locked = await client.lock_document(doc.uid)
    assert locked.lock_owner == "Administrator" and locked.lock_created
    assert (await client.lock_document(doc.uid)).lock_owner == "Administrator"  # already mine: no error
    listed = (await client.children(workspace.uid)).entries
    assert [d.lock_owner for d in listed] == ["Administrator"]  # the tree's listing carries the lock too
    with pytest.raises(LockedError) as refused:
        await jdoe.update(doc.uid, {"dc:title": "Mine now"})
    message = refused.value.message
    assert "Budget" in message and "locked by Administrator since " in message and "UTC" in message
    assert "Administrator" in refused.value.hint
    with pytest.raises(LockedError) as not_theirs:
        await jdoe.lock_document(doc.uid)
    assert "locked by Administrator" in not_theirs.value.message
    with pytest.raises(LockedError) as no_unlock:
        await jdoe.unlock_document(doc.uid)
    assert "Only Administrator or an administrator" in no_unlock.value.hint
    # an administrator may save it all the same, as in Nuxeo
    assert (await client.update(doc.uid, {"dc:title": "Budget 2"})).title == "Budget 2"
    unlocked = await client.unlock_document(doc.uid)
    assert unlocked.lock_owner == ""
    assert (await jdoe.update(doc.uid, {"dc:title": "Budget 3"})).title == "Budget 3"
    # the member's own lock stops nobody but others: the administrator may unlock it
    assert (await jdoe.lock_document(doc.uid)).lock_owner == "jdoe"
    assert (await client.unlock_document(doc.uid)).lock_owner == ""


async def test_an_attached_file_is_refused_on_a_document_locked_by_someone_else(client, jdoe, workspace, tmp_path):
    doc = await client.create(workspace.uid, type="File", name="f", properties={"dc:title": "Report"})
    await client.lock_document(doc.uid)
    source = tmp_path / "report.txt"
    source.write_text("draft")
    with pytest.raises(LockedError) as refused:
        await jdoe.attach(doc.uid, source)
    assert "locked by Administrator" in refused.value.message
    assert (await client.get(doc.uid)).blob is None


def test_the_lock_and_the_version_show_in_the_label_and_the_details():
    raw = {
        "entity-type": "document",
        "uid": "u1",
        "path": "/a/report",
        "type": "File",
        "title": "Report",
        "lockOwner": "jdoe",
        "lockCreated": "2026-11-30T09:10:11.000Z",
        "versionLabel": "0.2+",
        "isCheckedOut": True,
    }
    doc = Document.from_wire(checked(raw, DocumentWire, "test"), raw)
    assert document_label(doc).plain == "≡ Report v0.2+ ⊘jdoe"
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(summary_table(doc))
    text = console.export_text()
    assert "jdoe since 2026-11-30 09:10:11 UTC" in text and "0.2+ (changed since version 0.2)" in text
    never = Document.from_wire(checked(raw | {"versionLabel": "0.0", "lockOwner": None}, DocumentWire, "t"), raw)
    assert document_label(never).plain == "≡ Report"  # a document never versioned nor locked says nothing more


async def test_L_locks_and_unlocks_the_selected_document_in_the_pane(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Keep still"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("L")
        await wait_for(pilot, lambda: "⊘Administrator" in str(pane.document_tree.cursor_node.label))
        assert (await client.get(doc.uid)).lock_owner == "Administrator"
        assert pane.details.doc is not None and pane.details.doc.lock_owner == "Administrator"
        await pilot.press("L")
        await wait_for(pilot, lambda: "⊘" not in str(pane.document_tree.cursor_node.label))
        assert (await client.get(doc.uid)).lock_owner == ""
        assert cursor_path(pane) == doc.path


def signed_in_as(box, username: str, password: str):
    """The sandbox profile with its Documents connection signed in as another user."""
    profile = box.profile()
    profile.connections["nuxeo"] = dataclasses.replace(profile.connections["nuxeo"], username=username, secret=password)
    return profile


async def test_the_administrator_takes_someone_elses_lock_off_with_L(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Theirs"})
    async with NuxeoClient(box.base_url + "/nuxeo", "jdoe", "jdoe") as member:
        await member.lock_document(doc.uid)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await wait_for(pilot, lambda: "⊘jdoe" in str(pane.document_tree.cursor_node.label))
        await pilot.press("L")  # an administrator may unlock someone else's lock, as in Nuxeo
        await wait_for(pilot, lambda: "⊘" not in str(pane.document_tree.cursor_node.label))
        assert (await client.get(doc.uid)).lock_owner == ""
        assert any("Took jdoe's lock off Theirs" in n.message for n in app._notifications)


async def test_a_member_saving_a_document_locked_by_someone_else_is_told_who_holds_it(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Held"})
    await client.lock_document(doc.uid)
    app = make_app(signed_in_as(box, "jdoe", "jdoe"), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await wait_for(pilot, lambda: "⊘Administrator" in str(pane.document_tree.cursor_node.label))
        # L cannot take an administrator's lock off: the notification names the holder, the lock stays
        await pilot.press("L")
        await wait_for(pilot, lambda: any("locked by Administrator since" in n.message for n in app._notifications))
        assert (await client.get(doc.uid)).lock_owner == "Administrator"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, (ConfirmDialog, EditDocumentDialog)))
        if isinstance(app.screen, ConfirmDialog):  # the editor may first say someone else holds the lock
            await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
        form = app.screen
        await type_into(pilot, form.query_one("#field-dc-title", Input), "Mine now")
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error", Static)
        await wait_for(pilot, lambda: "locked by Administrator since" in plain(error))
        assert "Not saved" in plain(error) and app.screen is form
        assert (await client.get(doc.uid)).title == "Held"
        await pilot.press("escape")


def test_a_database_from_before_locks_and_versions_gets_their_columns_on_open(tmp_path):
    path = tmp_path / "nuxeo.sqlite"
    Repository(path).close()
    db = sqlite3.connect(path)
    for column in ("lock_owner", "lock_created", "checked_out"):  # as an earlier release made the table
        db.execute(f"ALTER TABLE documents DROP COLUMN {column}")
    db.close()
    repo = Repository(path)
    columns = {row[1] for row in repo.db.execute("PRAGMA table_info(documents)")}
    assert {"lock_owner", "lock_created", "checked_out", "is_version", "version_of"} <= columns
    repo.close()
