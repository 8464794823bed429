"""Wire details of the Nuxeo sandbox that neither client exercises on its own, over real sockets."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import start_sandbox
from tests.nuxeo.conftest import ADMIN
from tui.sandbox import Sandbox


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo", scale={"nuxeo_docs": 30})
    yield sandbox
    sandbox.stop()


def test_connection_and_description(box):
    connection = box.profile().connection("nuxeo")
    assert connection.url == box.base_url + "/nuxeo"
    assert (connection.username, connection.secret, connection.secret_source) == (
        "Administrator",
        "Administrator",
        "memory",
    )
    line = next(d for d in box.describe() if "nuxeo" in d.lower())
    assert box.base_url + "/nuxeo" in line and "Administrator / Administrator" in line


def test_auth_is_required(box):
    with httpx.Client(base_url=box.base_url + "/nuxeo/", timeout=10) as anonymous:
        response = anonymous.get("api/v1/path/")
        assert response.status_code == 401
        assert response.json() == {"entity-type": "exception", "status": 401, "message": "Unauthorized"}
        assert anonymous.get("json/cmis").status_code == 401
        assert anonymous.get("runningstatus").status_code == 200  # the health check is open


def test_unknown_urls_answer_nuxeo_errors(http):
    for url in ("nothing/here", "api/v1/nothing", "api/v1/repo/other/path/"):
        response = http.get(url)
        assert response.status_code == 404
        assert response.json()["entity-type"] == "exception"


def test_path_forms_and_aliases(http):
    root_children = http.get("api/v1/repo/default/path//@children").json()
    assert [e["path"] for e in root_children["entries"]] == ["/default-domain"]
    assert http.get("site/api/v1/path/default-domain/").json()["type"] == "Domain"
    uid = http.get("api/v1/path/default-domain").json()["uid"]
    assert http.get(f"api/v1/id/{uid}").json()["path"] == "/default-domain"


def test_schemas_by_header_or_query_parameter(http):
    url = "api/v1/path/default-domain/workspaces/Projects/Apollo/requirements"
    by_header = http.get(url, headers={"X-NXproperties": "file"}).json()["properties"]
    by_query = http.get(url, params={"properties": "file"}).json()["properties"]
    assert set(by_header) == set(by_query) == {"file:content"}
    assert "dc:title" in http.get(url, headers={"X-NXDocumentProperties": "*"}).json()["properties"]


def test_enrichers_by_any_header_name(http):
    for header in ("enrichers-document", "enrichers.document", "X-NXenrichers.document"):
        doc = http.get(
            "api/v1/path/default-domain", headers={header: "children, permissions, hasFolderishChild"}
        ).json()
        assert doc["contextParameters"]["children"] == {"childCount": 3, "hasFolderishChild": True}
        assert doc["contextParameters"]["hasFolderishChild"] is True
        assert "ReadWrite" in doc["contextParameters"]["permissions"]
    assert "contextParameters" not in http.get("api/v1/path/default-domain").json()  # no enricher asked for


def test_automation_index_is_answered_directly(http):
    response = http.get("site/automation", follow_redirects=False)
    assert response.status_code == 200
    body = response.json()
    assert body["paths"] == {"login": "login"} and body["chains"] == []
    listed = [op["id"] for op in body["operations"]]
    assert len(listed) == len(set(listed)), "an operation is listed twice"
    ids = set(listed)
    assert {"Repository.Query", "Document.Move", "Blob.Get", "Blob.AttachOnDocument", "login", "Noop"} <= ids
    assert http.get("site/automation/Document.Move").json()["params"][0]["name"] == "target"


def test_automation_old_content_type_and_string_properties(http):
    response = http.post(
        "site/automation/Document.Create",
        content=b'{"params": {"type": "Note", "name": "old-style",'
        b' "properties": "dc:title=Old style\\nnote:note=line one\\\\nline two"},'
        b' "input": "/default-domain/workspaces", "context": {}}',
        headers={"Content-Type": "application/json+nxrequest"},
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["title"] == "Old style" and doc["properties"]["note:note"] == "line one\nline two"
    void = http.post(
        "api/v1/automation/Document.Delete", json={"input": "doc:" + doc["uid"]}, headers={"X-NXVoidOperation": "true"}
    )
    assert void.status_code == 204 and void.content == b""
    assert http.get("api/v1/id/" + doc["uid"]).status_code == 404


def test_automation_update_checks_the_change_token(http):
    doc = http.post(
        "api/v1/path/default-domain/workspaces", json={"type": "Note", "name": "tok", "properties": {}}
    ).json()
    fresh = http.post(
        "site/automation/Document.Update",
        json={"input": doc["uid"], "params": {"properties": {"dc:title": "One"}, "changeToken": doc["changeToken"]}},
    )
    assert fresh.status_code == 200 and fresh.json()["title"] == "One"
    stale = http.post(
        "site/automation/Document.Update",
        json={"input": doc["uid"], "params": {"properties": {"dc:title": "Two"}, "changeToken": doc["changeToken"]}},
    )
    assert stale.status_code == 409 and stale.json()["status"] == 409
    assert http.get(f"api/v1/id/{doc['uid']}").json()["title"] == "One"
    http.delete(f"api/v1/id/{doc['uid']}")


def test_operation_adapter_runs_on_the_document(http):
    team = http.post(
        "api/v1/path/default-domain/workspaces/Team/@op/Document.GetChild", json={"params": {"name": "welcome"}}
    )
    assert team.status_code == 200 and team.json()["title"] == "Welcome"
    missing = http.post("api/v1/path/default-domain/workspaces/Team/@op/Document.GetChild", json={"params": {}})
    assert missing.status_code == 400


def test_automation_errors(http):
    assert http.post("site/automation/Document.Create", content=b"{not json").status_code == 400
    missing = http.post("site/automation/Repository.Query", json={"params": {}})
    assert missing.status_code == 400 and "query" in missing.json()["message"]
    bad = http.post("site/automation/Repository.Query", json={"params": {"query": "SELECT * FROM"}})
    assert bad.status_code == 400 and bad.json()["entity-type"] == "exception"


def test_query_params(http):
    parent = http.get("api/v1/path/default-domain/workspaces/Team").json()["uid"]
    rest = http.get(
        "api/v1/query/NXQL",
        params=[
            ("query", "SELECT * FROM Note WHERE ecm:parentId = ? AND dc:title LIKE ?"),
            ("queryParams", parent),
            ("queryParams", "Meeting%"),
        ],
    ).json()
    assert [e["title"] for e in rest["entries"]] == ["Meeting notes 2026-11-02"]
    op = http.post(
        "site/automation/Repository.Query",
        json={
            "params": {
                "query": "SELECT * FROM Document WHERE ecm:parentId = ? ORDER BY dc:title",
                "queryParams": parent,
            }
        },
    ).json()
    assert [e["title"] for e in op["entries"]] == ["Meeting notes 2026-11-02", "Procedures", "Welcome"]


def test_blob_download_headers(http):
    doc = http.get("api/v1/path/default-domain/workspaces/Projects/Apollo/budget").json()
    blob = doc["properties"]["file:content"]
    assert blob["mime-type"] == "application/pdf" and blob["digestAlgorithm"] == "MD5"
    for url in (
        blob["data"],
        f"api/v1/id/{doc['uid']}/@blob/file:content",
        f"api/v1/id/{doc['uid']}/@blob/blobholder:0",
    ):
        response = http.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-length"] == blob["length"]
        assert response.content.startswith(b"%PDF-1.4")
    note = http.get("api/v1/path/default-domain/workspaces/Team/welcome").json()
    assert http.get(f"api/v1/id/{note['uid']}/@blob/files:files/0/file").status_code == 404


def test_batch_lifecycle(http):
    batch_id = http.post("api/v1/upload").json()["batchId"]
    upload = http.post(
        f"api/v1/upload/{batch_id}/0",
        content=b"hello",
        headers={"X-File-Name": "h%C3%A9llo.txt", "X-File-Size": "5", "X-File-Type": "text/plain"},
    )
    assert upload.status_code == 201
    assert upload.json() == {
        "batchId": batch_id,
        "fileIdx": "0",
        "uploadType": "normal",
        "uploadedSize": "5",
        "uploaded": "true",
    }
    assert http.get(f"api/v1/upload/{batch_id}").json()[0]["name"] == "héllo.txt"
    wrong_size = http.post(f"api/v1/upload/{batch_id}/1", content=b"abc", headers={"X-File-Size": "10"})
    assert wrong_size.status_code == 400
    assert http.delete(f"api/v1/upload/{batch_id}").status_code == 200
    assert http.get(f"api/v1/upload/{batch_id}").status_code == 404


def test_data_survives_a_restart_without_a_second_seed(tmp_path):
    first = Sandbox(data_dir=tmp_path, kinds=["nuxeo"], scale={"nuxeo_docs": 20}).start()
    try:
        with httpx.Client(base_url=first.base_url + "/nuxeo/", auth=ADMIN, timeout=10) as http:
            created = http.post(
                "api/v1/path/default-domain/workspaces",
                json={"entity-type": "document", "type": "Note", "name": "kept", "properties": {"dc:title": "Kept"}},
            )
            assert created.status_code == 201
    finally:
        first.stop()
    second = Sandbox(data_dir=tmp_path, kinds=["nuxeo"], scale={"nuxeo_docs": 20}).start()
    try:
        with httpx.Client(base_url=second.base_url + "/nuxeo/", auth=ADMIN, timeout=10) as http:
            assert http.get("api/v1/path/default-domain/workspaces/kept").json()["title"] == "Kept"
            archive = http.get("api/v1/path/default-domain/workspaces/Archive/@children").json()
            assert archive["resultsCount"] == 20
            roots = http.get("api/v1/search/lang/NXQL/execute", params={"query": "SELECT * FROM Domain"}).json()
            assert roots["resultsCount"] == 1
    finally:
        second.stop()


def test_attach_on_document_with_a_multipart_blob(http):
    doc = http.post(
        "api/v1/path/default-domain/workspaces", json={"type": "File", "name": "mp", "properties": {"dc:title": "MP"}}
    ).json()
    boundary = "sandbox-boundary"
    body = (
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
        + '{"params": {"document": "'
        + doc["uid"]
        + '"}, "context": {}}'
        + f"\r\n--{boundary}\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=data.csv\r\n"
        + "Content-Transfer-Encoding: binary\r\n\r\na,b\n1,2\n"
        + f"\r\n--{boundary}--\r\n"
    ).encode()
    response = http.post(
        "site/automation/Blob.AttachOnDocument",
        content=body,
        headers={"Content-Type": f'multipart/related; boundary="{boundary}"; type="application/json"'},
    )
    assert response.status_code == 200, response.text
    assert response.content == b"a,b\n1,2\n"
    attached = http.get(f"api/v1/id/{doc['uid']}").json()["properties"]["file:content"]
    assert attached["name"] == "data.csv" and attached["mime-type"] == "text/csv" and attached["length"] == "8"
    without_blob = http.post("site/automation/Blob.AttachOnDocument", json={"params": {"document": doc["uid"]}})
    assert without_blob.status_code == 400 and "multipart" in without_blob.json()["message"]
    http.delete(f"api/v1/id/{doc['uid']}")
