"""Versions, as Nuxeo keeps them: a save with X-Versioning-Option freezes a read-only copy with its own uid and the
live document's path; labels "0.1", "1.0", with "+" once the live document changed since; Document.GetVersions and
@versions list them, Document.RestoreVersion copies one back, NXQL's ecm:isVersion tells them apart, and no folder
lists them. The sandbox with the official client and plain HTTP, our client, then the pane's `V`."""

from __future__ import annotations

import uuid

import pytest
import requests
from nuxeo.client import Nuxeo
from nuxeo.models import Document as OfficialDocument
from textual.widgets import Input, OptionList, Select

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import open_editor, reveal, started, type_into
from tui.http import BadRequestError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import EditDocumentDialog
from tui.services.nuxeo.locks_versions import LockedError
from tui.services.nuxeo.versions_view import VersionsScreen
from tui.widgets.dialogs import ConfirmDialog

SIZE = (140, 45)
ADMIN = ("Administrator", "Administrator")
FETCH = {"fetch-document": "versionLabel", "properties": "*"}


@pytest.fixture
def nuxeo(box) -> Nuxeo:
    server = Nuxeo(host=box.base_url + "/nuxeo/", auth=ADMIN)
    server.client.disable_retry()
    return server


def put(box, uid: str, properties: dict, option: str | None = None) -> requests.Response:
    headers = dict(FETCH, **({"X-Versioning-Option": option} if option else {}))
    return requests.put(
        f"{box.base_url}/nuxeo/api/v1/id/{uid}",
        json={"entity-type": "document", "properties": properties},
        headers=headers,
        auth=ADMIN,
        timeout=10,
    )


def fetch(box, uid: str) -> dict:
    return requests.get(f"{box.base_url}/nuxeo/api/v1/id/{uid}", headers=FETCH, auth=ADMIN, timeout=10).json()


def test_a_versioned_save_freezes_a_read_only_copy_labelled_as_nuxeo_does(box, nuxeo):
    note = nuxeo.documents.create(
        OfficialDocument(name=f"v-{uuid.uuid4().hex[:6]}", type="Note", properties={"dc:title": "Draft"}),
        parent_path="/default-domain/workspaces",
    )
    live = fetch(box, note.uid)
    assert live["versionLabel"] == "0.0" and live["isCheckedOut"] and not live["isVersion"]
    assert live["properties"]["uid:major_version"] == 0 and live["properties"]["uid:minor_version"] == 0

    reply = put(box, note.uid, {"dc:title": "First"}, "MINOR")
    assert reply.status_code == 200
    version = reply.json()  # Nuxeo answers a versioned save with the version it made
    assert version["isVersion"] and version["uid"] != note.uid and version["versionableId"] == note.uid
    assert version["path"] == note.path and version["versionLabel"] == "0.1" and not version["isCheckedOut"]
    live = fetch(box, note.uid)
    assert live["versionLabel"] == "0.1" and not live["isCheckedOut"]

    put(box, note.uid, {"dc:title": "Second"})  # a plain save checks the document out again
    assert fetch(box, note.uid)["versionLabel"] == "0.1+"
    assert put(box, note.uid, {"dc:title": "Third"}, "major").json()["versionLabel"] == "1.0"
    put(box, note.uid, {"dc:title": "Fourth"})
    assert fetch(box, note.uid)["versionLabel"] == "1.0+"

    # a version never changes
    refused = put(box, version["uid"], {"dc:title": "Rewritten"})
    assert refused.status_code == 400 and "version" in refused.json()["message"]
    assert put(box, note.uid, {"dc:title": "x"}, "SOMETIMES").status_code == 400

    # listed by the operation and by @versions, oldest first; never among the children
    listed = nuxeo.operations.execute(command="Document.GetVersions", input_obj=note.uid)
    assert [d["title"] for d in listed["entries"]] == ["First", "Third"]
    adapter = requests.get(
        f"{box.base_url}/nuxeo/api/v1/id/{note.uid}/@versions", headers=FETCH, auth=ADMIN, timeout=10
    ).json()
    assert [d["versionLabel"] for d in adapter["entries"]] == ["0.1", "1.0"]
    children = nuxeo.documents.get_children(path="/default-domain/workspaces")
    assert {d.uid for d in children} & {d["uid"] for d in listed["entries"]} == set()


def test_nxql_tells_versions_from_live_documents(box, nuxeo):
    name = f"q-{uuid.uuid4().hex[:6]}"
    note = nuxeo.documents.create(
        OfficialDocument(name=name, type="Note", properties={"dc:title": name}),
        parent_path="/default-domain/workspaces",
    )
    put(box, note.uid, {"dc:description": "once"}, "MINOR")
    put(box, note.uid, {"dc:description": "twice"}, "MINOR")

    def titled(extra: str) -> list[bool]:
        query = f"SELECT * FROM Document WHERE dc:title = '{name}'{extra}"
        return sorted(d.isVersion for d in nuxeo.documents.query(opts={"query": query})["entries"])

    assert titled("") == [False, True, True]  # as in Nuxeo, a query finds versions unless told not to
    assert titled(" AND ecm:isVersion = 0") == [False]
    assert titled(" AND ecm:isVersion = 1") == [True, True]
    assert titled(" AND ecm:path STARTSWITH '/default-domain'") == [False]  # versions live under no folder


def test_restore_version_and_the_other_operations(box, nuxeo):
    note = nuxeo.documents.create(
        OfficialDocument(name=f"r-{uuid.uuid4().hex[:6]}", type="Note", properties={"dc:title": "One"}),
        parent_path="/default-domain/workspaces",
    )
    one = put(box, note.uid, {"dc:description": "first words"}, "MINOR").json()
    put(box, note.uid, {"dc:title": "Two", "dc:description": "second words"})
    restored = nuxeo.operations.execute(command="Document.RestoreVersion", input_obj=one["uid"])
    assert restored["uid"] == note.uid and restored["title"] == "One"
    live = fetch(box, note.uid)
    assert live["properties"]["dc:description"] == "first words" and live["versionLabel"] == "0.1"
    # CheckIn makes a version only of a changed document; CreateVersion returns the live document
    put(box, note.uid, {"dc:title": "Three"})
    checked_in = nuxeo.operations.execute(command="Document.CheckIn", input_obj=note.uid, params={"version": "major"})
    assert checked_in["uid"] == note.uid and not checked_in["isCheckedOut"]
    nuxeo.operations.execute(command="Document.CheckIn", input_obj=note.uid, params={"version": "minor"})
    made = nuxeo.operations.execute(command="Document.CreateVersion", input_obj=note.uid, params={"increment": "Minor"})
    assert made["uid"] == note.uid
    labels = [
        fetch(box, d["uid"])["versionLabel"]
        for d in nuxeo.operations.execute(command="Document.GetVersions", input_obj=note.uid)["entries"]
    ]
    assert labels == ["0.1", "1.0", "1.1"]
    # restoring with checkout leaves the document checked out at the restored numbers
    nuxeo.operations.execute(command="Document.RestoreVersion", input_obj=one["uid"], params={"checkout": True})
    assert fetch(box, note.uid)["versionLabel"] == "0.1+"


async def test_the_client_saves_versions_lists_and_restores_them(client, workspace):
    doc = await client.create(workspace.uid, type="File", name="f", properties={"dc:title": "Plan A"})
    assert doc.version_label == "0.0"
    saved = await client.update(doc.uid, {"dc:title": "Plan B"}, versioning="minor")
    assert saved.uid == doc.uid and saved.version_label == "0.1" and not saved.is_version  # the live document
    again = await client.update(doc.uid, {"dc:title": "Plan C"}, change_token=saved.change_token, versioning="none")
    assert again.version_label == "0.1+"
    await client.update(doc.uid, {"dc:title": "Plan D"}, versioning="major")
    versions = await client.versions(doc.uid)
    assert [(v.version_label, v.title, v.is_version) for v in versions] == [
        ("0.1", "Plan B", True),
        ("1.0", "Plan D", True),
    ]
    assert all(v.path == doc.path for v in versions)
    with pytest.raises(BadRequestError):
        await client.update(doc.uid, {"dc:title": "x"}, versioning="sideways")
    restored = await client.restore_version(doc.uid, versions[0].uid)
    assert restored.uid == doc.uid and restored.title == "Plan B" and restored.version_label == "0.1"
    other = await client.create(workspace.uid, type="Note", name="o", properties={"dc:title": "Other"})
    with pytest.raises(BadRequestError):  # a version of another document is refused before anything changes
        await client.restore_version(other.uid, versions[1].uid)
    assert (await client.get(doc.uid)).title == "Plan B"
    assert await client.versions(workspace.uid) == []  # a folder has none
    await client.lock_document(doc.uid)
    async with NuxeoClient(client.base_url.rstrip("/"), "jdoe", "jdoe") as member:
        with pytest.raises(LockedError) as refused:  # nobody but the lock's holder (or an administrator) restores
            await member.restore_version(doc.uid, versions[1].uid)
    assert "locked by Administrator since" in refused.value.message
    assert (await client.get(doc.uid)).title == "Plan B"


async def test_V_lists_versions_views_one_and_restores_it_after_naming_the_label(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Minutes v1"})
    await client.update(doc.uid, {"dc:title": "Minutes v1", "dc:description": "the first"}, versioning="minor")
    await client.update(doc.uid, {"dc:title": "Minutes v2", "dc:description": "the second"}, versioning="minor")
    await client.update(doc.uid, {"dc:title": "Minutes draft"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await wait_for(pilot, lambda: "v0.2+" in str(pane.document_tree.cursor_node.label))
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.version_label == "0.2+")
        await pilot.press("V")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and len(app.screen.versions) == 2)
        screen = app.screen
        assert [v.version_label for v in screen.versions] == ["0.2", "0.1"]  # newest first
        listing = screen.query_one("#versions-list", OptionList)
        assert "0.2" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("down", "enter")  # read 0.1, read-only
        await wait_for(pilot, lambda: screen.viewed is not None and screen.viewed.version_label == "0.1")
        assert screen.viewed.is_version and screen.viewed.description == "the first"
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Restore version 0.1 of “Minutes draft”" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, (ConfirmDialog, VersionsScreen)))
        restored = await client.get(doc.uid)
        assert restored.title == "Minutes v1" and restored.description == "the first"
        await wait_for(pilot, lambda: "Minutes v1" in str(pane.document_tree.cursor_node.label))
        assert "v0.1" in str(pane.document_tree.cursor_node.label)
        await wait_for(pilot, lambda: pane.details.doc.title == "Minutes v1")


async def test_the_versions_screen_restores_nothing_in_read_only_mode(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Frozen"})
    await client.update(doc.uid, {"dc:description": "kept"}, versioning="minor")
    await client.update(doc.uid, {"dc:title": "Changed"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("V")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and len(app.screen.versions) == 1)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, VersionsScreen)  # no confirmation: the key does nothing here
        assert all(b.binding.action != "restore" for b in app.screen.active_bindings.values())  # nor shown
        assert (await client.get(doc.uid)).title == "Changed"


async def test_saving_a_minor_version_in_the_editor_then_restoring_the_older_one(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Agenda"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        for title, choice in (("Agenda 1", "minor"), ("Agenda 2", "none")):
            form = await open_editor(pilot)
            await type_into(pilot, form.query_one("#field-dc-title", Input), title)
            form.query_one("#field-versioning", Select).value = choice
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not isinstance(app.screen, EditDocumentDialog))
            await wait_for(pilot, lambda t=title: t in str(pane.document_tree.cursor_node.label))
        assert "v0.1+" in str(pane.document_tree.cursor_node.label)  # changed since the version the editor made
        await pilot.press("V")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and len(app.screen.versions) == 1)
        assert app.screen.versions[0].title == "Agenda 1"
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Agenda 1 v0.1" in str(pane.document_tree.cursor_node.label))
        assert (await client.get(doc.uid)).title == "Agenda 1"
