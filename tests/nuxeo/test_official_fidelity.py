"""The official `nuxeo` Python client (7.1.0), unchanged, against the sandbox, where its functional suite probes the
edges: named page providers and how they count, users and groups (created, changed, signing in, kept over a
restart), operations on lists of documents, NXQL corners, and batch uploads whole or in chunks.

The client is synchronous (requests); it runs in the test thread while the sandbox serves from its own thread.
"""

from __future__ import annotations

import uuid

import pytest
from nuxeo.client import Nuxeo
from nuxeo.exceptions import Conflict, Forbidden, HTTPError, Unauthorized
from nuxeo.models import BufferBlob, Document, FileBlob, Group, User

from tui.sandbox import Sandbox

WORKSPACES = "/default-domain/workspaces"


def connect(base_url: str, username: str = "Administrator", password: str = "Administrator") -> Nuxeo:
    server = Nuxeo(host=base_url + "/nuxeo/", auth=(username, password))
    server.client.disable_retry()  # the library backs off for seconds on a 5xx; fail fast instead
    return server


@pytest.fixture(scope="module")
def nuxeo(box):
    return connect(box.base_url)


@pytest.fixture
def workspace(nuxeo):
    folder = nuxeo.documents.create(
        Document(name=f"py-{uuid.uuid4().hex[:8]}", type="Workspace", properties={"dc:title": "Fidelity"}),
        parent_path=WORKSPACES,
    )
    yield folder
    folder.delete()


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- page providers ---------------------------------------------------------------------------------------------------


def test_current_doc_children_lists_a_folder_without_its_trash(nuxeo, workspace):
    domain = nuxeo.documents.get(path="/default-domain")
    docs = nuxeo.documents.query({"pageProvider": "CURRENT_DOC_CHILDREN", "queryParams": [domain.uid]})
    assert [d.title for d in docs["entries"]] == ["Sections", "Templates", "Workspaces"]
    assert (docs["resultsCount"], docs["numberOfPages"], docs["currentPageSize"], docs["currentPageIndex"]) == (
        3,
        1,
        3,
        0,
    )
    assert all(isinstance(d, Document) for d in docs["entries"])
    kept, binned = (
        nuxeo.documents.create(Document(name=n, type="Note", properties={"dc:title": n}), parent_id=workspace.uid)
        for n in ("kept", "binned")
    )
    binned.trash()
    listed = nuxeo.documents.query({"pageProvider": "CURRENT_DOC_CHILDREN", "queryParams": workspace.uid})
    assert [d.uid for d in listed["entries"]] == [kept.uid]


def test_page_provider_counts_up_to_its_page_size(nuxeo):
    domain = nuxeo.documents.get(path="/default-domain")
    pages = [
        nuxeo.client.request(
            "GET",
            "api/v1/search/pp/CURRENT_DOC_CHILDREN/execute",
            params={"queryParams": domain.uid, "pageSize": 2, "currentPageIndex": index},
        ).json()
        for index in (0, 1, 2)
    ]
    assert [[e["title"] for e in p["entries"]] for p in pages] == [["Sections", "Templates"], ["Workspaces"], []]
    # more matches than one page: Nuxeo stops counting, and only a full page says another may follow
    assert [p["resultsCount"] for p in pages] == [-2, -2, -2]
    assert [p["numberOfPages"] for p in pages] == [0, 0, 0]
    assert [p["isNextPageAvailable"] for p in pages] == [True, False, False]
    assert [p["resultsCountLimit"] for p in pages] == [2, 2, 2]
    assert [p["isLastPageAvailable"] for p in pages] == [False, False, False]


def test_document_content_pages_with_a_known_total(nuxeo):
    domain = nuxeo.documents.get(path="/default-domain")
    opts = {"pageProvider": "document_content", "queryParams": [domain.uid], "pageSize": 1, "sortBy": "dc:title"}
    pages = [nuxeo.documents.query({**opts, "sortOrder": "asc", "currentPageIndex": i}) for i in (0, 1, 2)]
    assert [p["entries"][0].title for p in pages] == ["Sections", "Templates", "Workspaces"]
    assert [p["isNextPageAvailable"] for p in pages] == [True, True, False]
    assert {p["resultsCount"] for p in pages} == {3} and {p["numberOfPages"] for p in pages} == {3}
    descending = nuxeo.documents.query({**opts, "sortOrder": "desc", "currentPageIndex": 0})
    assert descending["entries"][0].title == "Workspaces"
    # its named parameter: a title search inside the folder
    named = nuxeo.client.request(
        "GET", "api/v1/query/document_content", params={"queryParams": domain.uid, "title": "templates"}
    ).json()
    assert [e["title"] for e in named["entries"]] == ["Templates"]


def test_tree_children_lists_folders_with_enrichers(nuxeo, workspace):
    nuxeo.documents.create(Document(name="leaf", type="Note", properties={"dc:title": "Leaf"}), parent_id=workspace.uid)
    sub = nuxeo.documents.create(
        Document(name="sub", type="Folder", properties={"dc:title": "Sub"}), parent_id=workspace.uid
    )
    children = nuxeo.documents.query(
        opts={"pageProvider": "tree_children", "pageSize": 1, "queryParams": workspace.uid},
        enrichers=["permissions", "hasFolderishChild"],
    )
    assert [d.uid for d in children["entries"]] == [sub.uid]
    assert children["entries"][0].contextParameters["permissions"]
    assert children["entries"][0].contextParameters["hasFolderishChild"] is False


def test_default_search_with_named_parameters_and_quick_filters(nuxeo, workspace):
    word = fresh("zebra").replace("-", "")
    note = nuxeo.documents.create(
        Document(name="n", type="Note", properties={"dc:title": f"About {word}", "note:note": "stripes"}),
        parent_id=workspace.uid,
    )
    folder = nuxeo.documents.create(
        Document(name="f", type="Folder", properties={"dc:title": f"{word} folder"}), parent_id=workspace.uid
    )
    url = "api/v1/search/pp/default_search/execute"
    found = nuxeo.client.request(
        "GET", url, params={"ecm_fulltext": word, "sortBy": "dc:title", "sortOrder": "asc"}
    ).json()
    assert [e["uid"] for e in found["entries"]] == [note.uid, folder.uid]
    prefixed = nuxeo.client.request("GET", url, params={"defaults:ecm_fulltext": word, "quickFilters": "noFolder"})
    assert [e["uid"] for e in prefixed.json()["entries"]] == [note.uid]
    inside = nuxeo.client.request("GET", url, params={"ecm_path": workspace.path, "dc_creator": "Administrator"})
    assert {e["uid"] for e in inside.json()["entries"]} == {note.uid, folder.uid}
    # the search's own page size and no count limit
    assert found["pageSize"] == 20 and found["resultsCountLimit"] == 0 and found["resultsCount"] == 2


def test_unknown_page_provider_fails_as_nuxeo_does(nuxeo):
    with pytest.raises(HTTPError) as err:
        nuxeo.documents.query({"pageProvider": "no_such_provider"})
    assert err.value.status == 500
    assert "Could not resolve page provider with name 'no_such_provider'" in err.value.message


def test_nxql_max_results_stops_the_count(nuxeo):
    capped = nuxeo.client.query("SELECT * FROM Document WHERE ecm:primaryType = 'Workspace'", params={"maxResults": 1})
    assert capped["resultsCount"] == -2 and capped["resultsCountLimit"] == 1
    counted = nuxeo.client.query("SELECT * FROM Document WHERE ecm:primaryType = 'Workspace'")
    assert counted["resultsCount"] >= 2 and counted["numberOfPages"] == 1


# -- NXQL corners ------------------------------------------------------------------------------------------------------


def test_nxql_names_without_prefix_and_double_quotes(nuxeo, workspace):
    # `uid` is the uid schema's field (never the document id), in a double-quoted literal: an empty page, no error
    empty = nuxeo.client.query('SELECT * FROM Document WHERE uid = "non-existant-ahah"', params={"properties": "*"})
    assert not empty.get("entries") and empty["resultsCount"] == 0
    assert nuxeo.client.query(f'SELECT * FROM Document WHERE uid = "{workspace.uid}"')["resultsCount"] == 0
    # dublincore has a prefix: `title` alone is no property
    with pytest.raises(HTTPError) as err:
        nuxeo.client.query("SELECT * FROM Document WHERE title = 'Fidelity'")
    assert err.value.status == 400 and "No such property: title" in err.value.message
    quoted = nuxeo.client.query(f'SELECT * FROM Workspace WHERE dc:title = "Fidelity" AND ecm:uuid = "{workspace.uid}"')
    assert [e["uid"] for e in quoted["entries"]] == [workspace.uid]
    # file's fields need no prefix either: content/name is file:content/name
    batch = nuxeo.uploads.batch()
    batch.upload(BufferBlob(data="x", name=f"{workspace.uid}.txt", mimetype="text/plain"))
    doc = nuxeo.documents.create(Document(name="f", type="File", properties={"dc:title": "F"}), parent_id=workspace.uid)
    batch.attach(doc.uid)
    by_name = nuxeo.client.query(f"SELECT * FROM File WHERE content/name = '{workspace.uid}.txt'")
    assert [e["uid"] for e in by_name["entries"]] == [doc.uid]


# -- users and groups --------------------------------------------------------------------------------------------------


def test_user_lifecycle_and_sign_in(box, nuxeo):
    name = fresh("marta")
    user = nuxeo.users.create(
        User(
            properties={
                "username": name,
                "password": "Test",
                "firstName": "Marta",
                "lastName": "Lindqvist",
                "email": "marta@example.com",
                "company": "Harbour Office",
            }
        )
    )
    assert user.id == name and user.isAdministrator is False
    assert "password" not in user.properties and user.properties["company"] == "Harbour Office"
    assert nuxeo.users.exists(name)
    with pytest.raises(Conflict):
        nuxeo.users.create(User(properties={"username": name, "password": "again"}))
    user.properties["company"] = "Quay Office"
    user.save()
    assert nuxeo.users.get(name).properties["company"] == "Quay Office"
    # the new user signs in with Basic auth, and again after a password change
    assert connect(box.base_url, name, "Test").users.current_user().id == name
    user.change_password("Test2")
    assert connect(box.base_url, name, "Test2").users.current_user().properties["lastName"] == "Lindqvist"
    with pytest.raises(Unauthorized):
        connect(box.base_url, name, "Test").users.current_user()
    # only an administrator may create, change or delete
    plain = connect(box.base_url, name, "Test2")
    with pytest.raises(Forbidden):
        plain.users.create(User(properties={"username": fresh("other"), "password": "x"}))
    with pytest.raises(Forbidden):
        plain.users.delete("Administrator")
    user.delete()
    assert not nuxeo.users.exists(name)
    with pytest.raises(Unauthorized):
        connect(box.base_url, name, "Test2").users.current_user()


def test_groups_members_and_subgroups(nuxeo):
    administrators = nuxeo.groups.get("administrators")
    assert administrators.grouplabel == "Administrators group" and "Administrator" in administrators.memberUsers
    assert not nuxeo.groups.exists("admins")
    name, sub = fresh("plops"), fresh("sub")
    group = nuxeo.groups.create(
        Group(groupname=name, grouplabel="Group Test", memberUsers=["Administrator"], memberGroups=["Administrators"])
    )
    assert (group.groupname, group.grouplabel) == (name, "Group Test")
    fetched = nuxeo.groups.get(name)
    assert fetched.memberUsers == ["Administrator"] and fetched.memberGroups == ["Administrators"]
    with pytest.raises(Conflict):
        nuxeo.groups.create(Group(groupname=name, grouplabel="again"))
    fetched.grouplabel = "Relabelled"
    fetched.save()
    assert nuxeo.groups.get(name).grouplabel == "Relabelled"
    child = nuxeo.groups.create(Group(groupname=sub, grouplabel="Sub"))
    fetched.memberGroups = [child.groupname]
    fetched.save()
    assert nuxeo.groups.get(name).memberGroups == [sub]
    # the user's side: its groups, and every group it belongs to through them
    me = nuxeo.users.get("Administrator")
    assert name in me.properties["groups"]
    assert {"administrators", name} <= {g["name"] for g in me.extendedGroups}
    found = nuxeo.client.request("GET", "api/v1/group/search", params={"q": name[:6]}).json()
    assert found["entity-type"] == "groups" and name in {g["groupname"] for g in found["entries"]}
    users = nuxeo.client.request("GET", "api/v1/user/search", params={"q": "admin"}).json()
    assert [u["id"] for u in users["entries"]] == ["Administrator"]
    child.delete()
    fetched.delete()
    assert not nuxeo.groups.exists(name)
    assert name not in nuxeo.users.get("Administrator").properties["groups"]


def test_users_and_groups_survive_a_restart(tmp_path):
    first = Sandbox(data_dir=tmp_path, kinds=["nuxeo"], scale={"nuxeo_docs": 10}).start()
    try:
        server = connect(first.base_url)
        server.users.create(User(properties={"username": "kept", "password": "pw", "firstName": "Kept"}))
        server.groups.create(Group(groupname="keepers", grouplabel="Keepers", memberUsers=["kept"]))
        server.users.delete("jdoe")  # a seeded user deleted stays deleted
    finally:
        first.stop()
    second = Sandbox(data_dir=tmp_path, kinds=["nuxeo"], scale={"nuxeo_docs": 10}).start()
    try:
        me = connect(second.base_url, "kept", "pw").users.current_user()
        assert me.properties["firstName"] == "Kept" and me.properties["groups"] == ["keepers"]
        assert connect(second.base_url).groups.get("keepers").grouplabel == "Keepers"
        assert not connect(second.base_url).users.exists("jdoe")
    finally:
        second.stop()


# -- automation on document lists --------------------------------------------------------------------------------------


def test_operations_take_lists_of_documents(nuxeo, workspace):
    docs = [
        nuxeo.documents.create(Document(name=n, type="Workspace", properties={"dc:title": n}), parent_id=workspace.uid)
        for n in ("ws-python-tests1", "ws-python-tests2")
    ]
    updated = nuxeo.operations.execute(
        command="Document.Update",
        params={"properties": {"dc:description": "sample description"}},
        input_obj=[d.path for d in docs],
    )
    assert updated["entity-type"] == "documents"
    assert [(e["path"], e["properties"]["dc:description"]) for e in updated["entries"]] == [
        (d.path, "sample description") for d in docs
    ]
    set_one = nuxeo.operations.execute(
        command="Document.SetProperty",
        params={"xpath": "dc:description", "value": "v2"},
        input_obj=[d.uid for d in docs],
    )
    assert [e["properties"]["dc:description"] for e in set_one["entries"]] == ["v2", "v2"]
    trashed = nuxeo.operations.execute(command="Document.Trash", input_obj=[docs[0].uid])
    assert trashed["entity-type"] == "documents" and [e["isTrashed"] for e in trashed["entries"]] == [True]
    # one document in, one document out
    single = nuxeo.operations.execute(
        command="Document.SetProperty", params={"xpath": "dc:description", "value": "v3"}, input_obj=docs[1].uid
    )
    assert single["entity-type"] == "document" and single["properties"]["dc:description"] == "v3"
    listed = nuxeo.operations.operations
    assert {p["name"] for p in listed["Document.SetProperty"]["params"]} == {"xpath", "value", "save"}


def test_operation_context_names_an_existing_document(nuxeo):
    operation = nuxeo.operations.new("Noop")
    operation.context = {"currentDocument": "no-such-document"}
    with pytest.raises(HTTPError) as err:
        operation.execute()
    assert err.value.status == 404
    operation.context = {"currentDocument": "/default-domain"}
    assert operation.execute(void_op=True) == b""


def test_file_import_makes_documents_from_uploaded_files(nuxeo, workspace):
    batch = nuxeo.uploads.batch()
    batch.upload(BufferBlob(data="foo", name="foo.txt", mimetype="text/plain"))
    batch.upload(BufferBlob(data="not really a png", name="pic.png", mimetype="image/png"))
    body = {"params": {}, "context": {"currentDocument": workspace.path}}
    made = nuxeo.client.request("POST", f"api/v1/upload/{batch.uid}/execute/FileManager.Import", data=body).json()
    assert made["entity-type"] == "documents"
    assert [(d["type"], d["title"]) for d in made["entries"]] == [("Note", "foo.txt"), ("File", "pic.png")]
    assert made["entries"][0]["properties"]["note:note"] == "foo"
    # one file of the batch: one document
    one = nuxeo.client.request("POST", f"api/v1/upload/{batch.uid}/1/execute/FileManager.Import", data=body).json()
    assert one["entity-type"] == "document" and one["properties"]["file:content"]["name"] == "pic.png"
    # Nuxeo's Document.GetBlob (Blob.Get) hands the file back
    blob = nuxeo.operations.execute(command="Document.GetBlob", input_obj=one["uid"], json=False)
    assert blob == b"not really a png"
    with pytest.raises(HTTPError) as err:
        nuxeo.client.request("POST", f"api/v1/upload/{batch.uid}/execute/FileManager.Import", data={"params": {}})
    assert err.value.status == 400


# -- batch upload ------------------------------------------------------------------------------------------------------


def test_batch_upload_in_chunks_and_numeric_sizes(nuxeo, workspace):
    batch = nuxeo.uploads.batch()
    assert nuxeo.uploads.get(batch.uid) == []  # an empty batch answers 204
    data = "0123456789abcdefghij" * 3
    nuxeo.uploads.upload(
        batch, BufferBlob(data=data, name="chunked.txt", mimetype="text/plain"), chunked=True, chunk_size=8
    )
    nuxeo.uploads.upload(batch, BufferBlob(data="whole", name="whole.txt", mimetype="text/plain"))
    info = nuxeo.client.request("GET", f"api/v1/upload/{batch.uid}/0").json()
    assert info == {
        "name": "chunked.txt",
        "size": len(data),
        "uploadType": "chunked",
        "uploadedChunkIds": list(range(8)),
        "chunkCount": 8,
    }
    whole = nuxeo.uploads.get(batch.uid, file_idx=1)
    assert whole.name == "whole.txt" and whole.size == 5 and isinstance(whole.size, int)
    listing = nuxeo.client.request("GET", f"api/v1/upload/{batch.uid}").json()
    assert [(f["name"], f["size"]) for f in listing] == [("chunked.txt", len(data)), ("whole.txt", 5)]
    doc = nuxeo.documents.create(Document(name="c", type="File", properties={"dc:title": "C"}), parent_id=workspace.uid)
    doc.properties["file:content"] = {"upload-batch": batch.uid, "upload-fileId": "0"}
    doc.save()
    assert nuxeo.documents.get(uid=doc.uid).fetch_blob() == data.encode()
    dropped = nuxeo.client.request("DELETE", f"api/v1/upload/{batch.uid}/1")
    assert dropped.status_code == 204
    assert [f["name"] for f in nuxeo.client.request("GET", f"api/v1/upload/{batch.uid}").json()] == ["chunked.txt"]


@pytest.mark.parametrize("declared", ["pdf", ""])
def test_an_upload_without_a_mime_type_goes_by_the_file_name(nuxeo, workspace, tmp_path, declared):
    path = tmp_path / "file.pdf"
    path.write_bytes(b"0" * 42)
    batch = nuxeo.uploads.batch()
    batch.get_uploader(FileBlob(str(path), mimetype=declared or None)).upload()
    if not declared:  # the client guesses itself then; send the upload again with no type at all
        nuxeo.client.request(
            "POST",
            f"api/v1/upload/{batch.uid}/0",
            data=b"0" * 42,
            raw=True,
            headers={"X-File-Name": "file.pdf", "Content-Type": ""},
        )
    doc = nuxeo.documents.create(Document(name="p", type="File", properties={"dc:title": "P"}), parent_id=workspace.uid)
    doc.properties["file:content"] = {"upload-batch": batch.uid, "upload-fileId": "0"}
    doc.save()
    assert nuxeo.documents.get(uid=doc.uid).properties["file:content"]["mime-type"] == "application/pdf"
