"""The official `nuxeo` Python client, unchanged, against the sandbox: the sandbox speaks Nuxeo's wire protocol.

The client is synchronous (requests); it runs in the test thread while the sandbox serves from its own thread.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from nuxeo.client import Nuxeo
from nuxeo.exceptions import BadQuery, Conflict, HTTPError, Unauthorized
from nuxeo.models import BufferBlob, Document

from tests.conftest import start_sandbox
from tui.sandbox.nuxeo.seed import make_png

ARCHIVE = "/default-domain/workspaces/Archive"
ARCHIVE_SIZE = 250  # small: these tests are about the protocol, the benchmark covers scale


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo", scale={"nuxeo_docs": ARCHIVE_SIZE})
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def nuxeo(box):
    server = Nuxeo(host=box.base_url + "/nuxeo/", auth=("Administrator", "Administrator"))
    # the library's retry adapter backs off for seconds on 5xx; the sandbox never sends one, so fail fast if it did
    server.client.disable_retry()
    return server


@pytest.fixture
def workspace(nuxeo):
    """A fresh folder per test, deleted afterwards."""
    folder = nuxeo.documents.create(
        Document(name=f"t-{uuid.uuid4().hex[:8]}", type="Folder", properties={"dc:title": "Test folder"}),
        parent_path="/default-domain/workspaces",
    )
    yield folder
    try:
        folder.delete()
    except HTTPError:
        pass


def test_root_and_fetch_by_id(nuxeo):
    root = nuxeo.documents.get(path="/")
    assert root.type == "Root" and root.path == "/"
    domain = nuxeo.documents.get(path="/default-domain")
    assert domain.type == "Domain"
    assert domain.parentRef == root.uid
    again = nuxeo.documents.get(uid=domain.uid)
    assert again.path == "/default-domain"
    assert "Folderish" in again.facets
    assert again.properties["dc:title"] == "Domain"


def test_fresh_server_tree(nuxeo):
    children = nuxeo.documents.get_children(path="/")
    assert [c.path for c in children] == ["/default-domain"]
    titles = sorted(c.title for c in nuxeo.documents.get_children(path="/default-domain"))
    assert titles == ["Sections", "Templates", "Workspaces"]


def test_missing_document_is_a_404(nuxeo):
    with pytest.raises(HTTPError) as err:
        nuxeo.documents.get(path="/no/such/document")
    assert err.value.status == 404
    assert not nuxeo.documents.exists(path="/no/such/document")
    assert nuxeo.documents.exists(path="/default-domain")


def test_children_with_paging(nuxeo):
    url = f"api/v1/repo/default/path{ARCHIVE}/@children"
    first = nuxeo.client.request("GET", url, params={"currentPageIndex": 0, "pageSize": 100}).json()
    assert first["entity-type"] == "documents"
    assert first["resultsCount"] == ARCHIVE_SIZE
    assert first["numberOfPages"] == 3
    assert first["isNextPageAvailable"] is True
    assert len(first["entries"]) == 100
    last = nuxeo.client.request("GET", url, params={"currentPageIndex": 2, "pageSize": 100}).json()
    assert len(last["entries"]) == ARCHIVE_SIZE - 200
    assert last["isNextPageAvailable"] is False
    seen = {e["uid"] for e in first["entries"]} | {e["uid"] for e in last["entries"]}
    assert len(seen) == len(first["entries"]) + len(last["entries"])  # pages do not overlap


def test_children_enricher(nuxeo):
    children = nuxeo.documents.get_children(path="/default-domain/workspaces", enrichers=["children"])
    archive = next(c for c in children if c.path == ARCHIVE)
    assert archive.contextParameters["children"] == {"childCount": ARCHIVE_SIZE, "hasFolderishChild": False}
    projects = next(c for c in children if c.title == "Projects")
    assert projects.contextParameters["children"]["hasFolderishChild"] is True


def test_permissions_enricher(nuxeo):
    domain = nuxeo.documents.get(path="/default-domain")
    assert nuxeo.documents.has_permission(domain.uid, "Everything")
    assert not nuxeo.documents.has_permission(domain.uid, "NoSuchPermission")


def test_client_query(nuxeo):
    result = nuxeo.client.query(
        f"SELECT * FROM Document WHERE ecm:parentId = '{nuxeo.documents.get(path=ARCHIVE).uid}'"
        " AND dc:title LIKE 'Invoice%' ORDER BY dc:title DESC",
        params={"pageSize": 5},
    )
    titles = [e["title"] for e in result["entries"]]
    assert len(titles) == 5
    assert all(t.startswith("Invoice") for t in titles)
    assert titles == sorted(titles, reverse=True)
    assert result["resultsCount"] == len([i for i in range(1, ARCHIVE_SIZE + 1) if i % 8 == 0])


def test_documents_query(nuxeo):
    result = nuxeo.documents.query(
        {"query": "SELECT * FROM Note WHERE ecm:path STARTSWITH '/default-domain/workspaces/Team'"}
    )
    assert {d.title for d in result["entries"]} == {
        "Onboarding checklist",
        "Expense policy",
        "Meeting notes 2026-11-02",
    }
    assert all(isinstance(d, Document) for d in result["entries"])


def test_malformed_query_is_a_400(nuxeo):
    with pytest.raises(HTTPError) as err:
        nuxeo.client.query("SELECT * FROM Document WHERE (dc:title = 'x'")
    assert err.value.status == 400
    assert "query" in err.value.message.lower()


def test_create_update_delete(nuxeo, workspace):
    note = nuxeo.documents.create(
        Document(name="hello", type="Note", properties={"dc:title": "Hello", "note:note": "first"}),
        parent_id=workspace.uid,
    )
    assert note.path == workspace.path + "/hello"
    assert note.properties["dc:creator"] == "Administrator"
    note.set({"dc:title": "Hello again", "dc:description": "changed"})
    note.save()
    fetched = nuxeo.documents.get(uid=note.uid)
    assert fetched.title == "Hello again"
    assert fetched.properties["dc:description"] == "changed"
    assert fetched.changeToken != note.changeToken
    fetched.delete()
    assert not nuxeo.documents.exists(uid=note.uid)


def test_stale_change_token_is_a_conflict(nuxeo, workspace):
    note = nuxeo.documents.create(
        Document(name="shared", type="Note", properties={"dc:title": "Shared"}), parent_id=workspace.uid
    )
    mine = nuxeo.documents.get(uid=note.uid)
    theirs = nuxeo.documents.get(uid=note.uid)
    theirs.set({"dc:title": "Their change"})
    theirs.save()
    mine.set({"dc:title": "My change"})
    with pytest.raises(Conflict) as err:
        mine.save()
    assert err.value.status == 409
    assert nuxeo.documents.get(uid=note.uid).title == "Their change"


def test_fetch_blob(nuxeo):
    doc = nuxeo.documents.get(path="/default-domain/workspaces/Projects/Apollo/requirements")
    content = doc.properties["file:content"]
    assert content["name"] == "requirements.txt"
    assert isinstance(content["length"], str)
    data = doc.fetch_blob()
    assert data.startswith(b"Requirements")
    assert len(data) == int(content["length"])
    logo = nuxeo.documents.get(path="/default-domain/workspaces/Projects/Apollo/Design/logo")
    assert logo.fetch_blob(xpath="file:content") == make_png()
    # the `data` URL of a blob property serves the same bytes
    raw = requests.get(content["data"], auth=("Administrator", "Administrator"), timeout=10)
    assert raw.headers["Content-Type"].startswith("text/plain")
    assert raw.headers["Content-Length"] == content["length"]


def test_batch_upload_and_attach(nuxeo, workspace):
    doc = nuxeo.documents.create(
        Document(name="report", type="File", properties={"dc:title": "Report"}), parent_id=workspace.uid
    )
    batch = nuxeo.uploads.batch()
    blob = BufferBlob(data="quarterly numbers\n", name="report.txt", mimetype="text/plain")
    uploaded = batch.upload(blob)
    assert uploaded.uploadedSize == len("quarterly numbers\n")
    assert nuxeo.uploads.get(batch.uid, file_idx=0).name == "report.txt"
    batch.attach(doc.uid)
    attached = nuxeo.documents.get(uid=doc.uid)
    assert attached.properties["file:content"]["name"] == "report.txt"
    assert attached.fetch_blob() == b"quarterly numbers\n"
    # a second upload attached by setting the property, as the REST API allows
    batch2 = nuxeo.uploads.batch()
    batch2.upload(BufferBlob(data="v2", name="report-v2.txt", mimetype="text/plain"))
    attached.properties["file:content"] = {"upload-batch": batch2.uid, "upload-fileId": "0"}
    attached.save()
    assert nuxeo.documents.get(uid=doc.uid).fetch_blob() == b"v2"
    batch2.cancel()


def test_operations_listing(nuxeo):
    ops = nuxeo.operations.operations
    for name in (
        "Document.Query",
        "Repository.Query",
        "Document.Fetch",
        "Document.Create",
        "Document.Move",
        "Blob.Get",
        "Blob.AttachOnDocument",
        "Document.Update",
        "Document.Delete",
    ):
        assert name in ops, name
    create = ops["Document.Create"]
    assert {p["name"] for p in create["params"]} == {"type", "name", "properties"}
    assert next(p for p in create["params"] if p["name"] == "type")["required"] is True


def test_operations_execute(nuxeo, workspace):
    result = nuxeo.operations.execute(
        command="Document.Query", params={"query": "SELECT * FROM Workspace ORDER BY dc:title"}
    )
    assert [e["title"] for e in result["entries"]] == ["Projects", "Team"]
    fetched = nuxeo.operations.execute(command="Document.Fetch", params={"value": "/default-domain/workspaces"})
    assert fetched["type"] == "WorkspaceRoot"
    created = nuxeo.operations.execute(
        command="Document.Create",
        input_obj="doc:" + workspace.uid,
        params={
            "type": "Note",
            "name": "via-automation",
            "properties": {"dc:title": "Made by automation", "note:note": "a=b"},
        },
    )
    assert created["path"] == workspace.path + "/via-automation"
    assert created["properties"]["note:note"] == "a=b"
    # parameters are checked against the listed operation signature too
    nuxeo.operations.execute(command="Document.Fetch", params={"value": created["uid"]}, check_params=True)
    with pytest.raises(BadQuery):
        nuxeo.operations.execute(command="Document.Fetch", params={"nope": 1}, check_params=True)
    assert nuxeo.operations.execute(command="Document.Delete", input_obj=created["uid"], void_op=True) == b""
    assert not nuxeo.documents.exists(uid=created["uid"])


def test_move_and_rename(nuxeo, workspace):
    sub = nuxeo.documents.create(
        Document(name="sub", type="Folder", properties={"dc:title": "Sub"}), parent_id=workspace.uid
    )
    note = nuxeo.documents.create(
        Document(name="n", type="Note", properties={"dc:title": "N"}), parent_id=workspace.uid
    )
    note.move(sub.path, name="renamed")  # the library reloads the document from the operation's answer
    assert note.path == sub.path + "/renamed"
    assert nuxeo.documents.get(uid=note.uid).parentRef == sub.uid
    # a move within the same folder is a rename
    renamed = nuxeo.documents.move(note.uid, sub.uid, name="final")
    assert renamed["path"] == sub.path + "/final"
    # the subtree follows its parent
    nuxeo.documents.move(sub.uid, "/default-domain/workspaces/Team")
    assert nuxeo.documents.get(uid=note.uid).path == "/default-domain/workspaces/Team/sub/final"
    nuxeo.documents.delete(sub.uid)


def test_trash_and_untrash(nuxeo, workspace):
    note = nuxeo.documents.create(
        Document(name="bin-me", type="Note", properties={"dc:title": "Bin me"}), parent_id=workspace.uid
    )
    note.trash()  # the library reloads the document from the operation's answer
    assert note.isTrashed is True and note.state == "deleted"
    query = f"SELECT * FROM Note WHERE ecm:parentId = '{workspace.uid}' AND ecm:isTrashed = 0"
    assert nuxeo.client.query(query)["resultsCount"] == 0
    note.untrash()
    assert note.isTrashed is False
    assert nuxeo.client.query(query)["resultsCount"] == 1


def test_current_user_and_server_info(nuxeo):
    me = nuxeo.users.current_user()
    assert me.id == "Administrator"
    assert "administrators" in me.properties["groups"]
    assert me.isAdministrator is True
    info = nuxeo.client.server_info(force=True)
    assert info["productVersion"]
    assert nuxeo.client.server_version == info["productVersion"]
    assert nuxeo.client.is_reachable()


def test_wrong_password_is_unauthorized(box):
    bad = Nuxeo(host=box.base_url + "/nuxeo/", auth=("Administrator", "wrong"))
    bad.client.disable_retry()
    with pytest.raises(Unauthorized):
        bad.documents.get(path="/")


def test_token_authentication(box, nuxeo):
    token = Nuxeo(host=box.base_url + "/nuxeo/", auth=("Administrator", "Administrator"))
    value = token.client.request_auth_token(
        device_id="test-device", permission="ReadWrite", app_name="servicedeck tests"
    )
    assert value and "\n" not in value
    # from now on the client sends X-Authentication-Token instead of Basic
    assert token.documents.get(path="/default-domain").type == "Domain"
    token.client.request_auth_token(
        device_id="test-device", permission="ReadWrite", app_name="servicedeck tests", revoke=True
    )
    token.client.disable_retry()
    with pytest.raises(Unauthorized):
        token.documents.get(path="/default-domain")
