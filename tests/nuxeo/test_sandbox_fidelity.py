"""Where the Nuxeo sandbox must answer as a real server does, over real sockets: the children adapter runs
CURRENT_DOC_CHILDREN (no trashed document, no version), NXQL knows which version of a series is the latest and
refuses a property no schema defines, the search endpoints take GET only, and deleting a live document leaves its
versions in the repository (a later clean-up removes orphan versions)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import start_sandbox
from tui.services.nuxeo.client import NuxeoClient

WORKSPACES = "api/v1/path/default-domain/workspaces"
NXQL = "api/v1/search/lang/NXQL/execute"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo", scale={"nuxeo_docs": 30})
    yield sandbox
    sandbox.stop()


def create(http: httpx.Client, parent: str, type_name: str, title: str) -> dict[str, Any]:
    url = parent if parent.startswith("api/") else f"api/v1/id/{parent}"
    body = {"entity-type": "document", "type": type_name, "name": title, "properties": {"dc:title": title}}
    response = http.post(url, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def save(http: httpx.Client, uid: str, properties: dict[str, Any], option: str | None = None) -> dict[str, Any]:
    headers = {"X-Versioning-Option": option} if option else {}
    response = http.put(f"api/v1/id/{uid}", json={"entity-type": "document", "properties": properties}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def trash(http: httpx.Client, uid: str) -> None:
    response = http.post("site/automation/Document.Trash", json={"input": uid, "params": {}})
    assert response.status_code == 200, response.text


def folder(http: httpx.Client) -> dict[str, Any]:
    return create(http, WORKSPACES, "Folder", f"fid-{uuid.uuid4().hex[:8]}")


def query(http: httpx.Client, nxql: str, **params: Any) -> httpx.Response:
    return http.get(NXQL, params={"query": nxql, **params}, headers={"fetch-document": "versionLabel"})


def labels(http: httpx.Client, nxql: str) -> list[str]:
    response = query(http, nxql)
    assert response.status_code == 200, response.text
    return sorted(entry["versionLabel"] for entry in response.json()["entries"])


# -- 1. the children adapter leaves the trash out ---------------------------------------------------------------------


def test_children_adapter_lists_and_counts_no_trashed_document(http):
    parent = folder(http)
    kept = [create(http, parent["uid"], "Note", title) for title in ("alpha", "beta", "gamma")]
    binned = create(http, parent["uid"], "File", "binned")
    save(http, kept[0]["uid"], {"dc:description": "versioned"}, option="minor")  # a version: never a child either
    trash(http, binned["uid"])

    page = http.get(f"api/v1/id/{parent['uid']}/@children").json()
    assert [e["title"] for e in page["entries"]] == ["alpha", "beta", "gamma"]
    assert (page["resultsCount"], page["totalSize"], page["currentPageSize"]) == (3, 3, 3)
    # paging counts the same documents: two of size two, the second holding the last one
    pages = [
        http.get(f"api/v1/id/{parent['uid']}/@children", params={"pageSize": 2, "currentPageIndex": i}).json()
        for i in (0, 1)
    ]
    assert [[e["title"] for e in p["entries"]] for p in pages] == [["alpha", "beta"], ["gamma"]]
    assert [(p["numberOfPages"], p["isNextPageAvailable"]) for p in pages] == [(2, True), (2, False)]
    # the folder's own child count (the `children` enricher the tree reads) says the same
    enriched = http.get(f"api/v1/id/{parent['uid']}", headers={"enrichers-document": "children"}).json()
    assert enriched["contextParameters"]["children"]["childCount"] == 3
    # the trashed document is still there, for the trash view
    trashed = query(http, f"SELECT * FROM Document WHERE ecm:parentId = '{parent['uid']}' AND ecm:isTrashed = 1")
    assert [e["uid"] for e in trashed.json()["entries"]] == [binned["uid"]]


async def test_our_client_pages_a_folder_without_its_trash(box, http):
    parent = folder(http)
    docs = [create(http, parent["uid"], "Note", f"n{i}") for i in range(3)]
    trash(http, docs[1]["uid"])
    connection = box.profile().connection("nuxeo")
    async with NuxeoClient.from_connection(connection, connection.resolve_secret("sandbox")) as client:
        page = await client.children(parent["uid"], page_size=2)
        assert page.total_size == 2 and [d.title for d in page.entries] == ["n0", "n2"]
        assert not page.is_next_page_available
        listed = await client.get(parent["uid"], enrichers=("children",))
        assert listed.child_count == 2


# -- 2. ecm:isLatestVersion and ecm:isLatestMajorVersion --------------------------------------------------------------


def test_nxql_finds_the_latest_version_and_the_latest_major_version(http):
    title = f"series-{uuid.uuid4().hex[:8]}"
    doc = create(http, WORKSPACES, "Note", title)
    for option in ("minor", "minor", "major", "minor"):  # 0.1, 0.2, 1.0, 1.1
        save(http, doc["uid"], {"dc:description": option}, option=option)
    where = f"SELECT * FROM Document WHERE dc:title = '{title}' AND ecm:isVersion = 1"
    assert labels(http, where) == ["0.1", "0.2", "1.0", "1.1"]
    assert labels(http, where + " AND ecm:isLatestVersion = 1") == ["1.1"]
    assert labels(http, where + " AND ecm:isLatestVersion = 'true'") == ["1.1"]
    assert labels(http, where + " AND ecm:isLatestVersion = 0") == ["0.1", "0.2", "1.0"]
    assert labels(http, where + " AND ecm:isLatestMajorVersion = 1") == ["1.0"]
    # the live document is no version at all
    live = f"SELECT * FROM Document WHERE dc:title = '{title}' AND ecm:isVersion = 0"
    assert labels(http, live + " AND ecm:isLatestVersion = 0") == ["1.1"]
    assert labels(http, live + " AND ecm:isLatestVersion = 1") == []

    # another series never hides this one's latest
    other = create(http, WORKSPACES, "Note", title)
    save(http, other["uid"], {"dc:description": "other"}, option="major")
    assert labels(http, where + " AND ecm:isLatestVersion = 1") == ["1.0", "1.1"]
    assert labels(http, where + " AND ecm:isLatestMajorVersion = 1") == ["1.0", "1.0"]

    # removing the latest version makes the one before it the latest (Nuxeo recomputes the series)
    series = " AND ecm:isVersion = 1 AND dc:description != 'other'"
    newest = query(http, f"SELECT * FROM Document WHERE dc:title = '{title}'{series} AND ecm:isLatestVersion = 1")
    assert http.delete(f"api/v1/id/{newest.json()['entries'][0]['uid']}").status_code == 204
    assert labels(http, f"SELECT * FROM Document WHERE dc:title = '{title}'{series} AND ecm:isLatestVersion = 1") == [
        "1.0"
    ]


# -- 3. a property no schema defines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nxql, prop",
    [
        ("SELECT * FROM Document WHERE foo:bar = 'x'", "foo:bar"),
        ("SELECT * FROM Document WHERE dc:nothing = 'x'", "dc:nothing"),
        ("SELECT * FROM Document WHERE file:content/colour = 'x'", "file:content/colour"),
        ("SELECT * FROM Document WHERE files:files/0/blob/name = 'x'", "files:files/0/blob/name"),
        ("SELECT * FROM Document WHERE dc:title = 'x' ORDER BY foo:bar", "foo:bar"),
        ("SELECT * FROM Document WHERE ecm:isTrashed = 0 AND foo:bar IS NULL", "foo:bar"),
    ],
)
def test_an_unknown_property_is_a_bad_request(http, nxql, prop):
    for url in (NXQL, "api/v1/search/execute", "api/v1/query/NXQL"):
        response = http.get(url, params={"query": nxql})
        assert response.status_code == 400, (url, response.text)
        body = response.json()
        assert body["entity-type"] == "exception" and body["status"] == 400
        assert f"No such property: {prop}" in body["message"]
    operation = http.post("site/automation/Repository.Query", json={"params": {"query": nxql}})
    assert operation.status_code == 400 and f"No such property: {prop}" in operation.json()["message"]


@pytest.mark.parametrize(
    "condition",
    [
        "file:content/name = 'budget.pdf'",
        "files:files/0/file/name = 'x'",
        "files:files/0/file/length > 0",
        "dc:subjects/0 = 'x'",
        "note:mime_type = 'text/plain'",
        "content/name = 'x'",
        "uid:major_version = 1",
        "relatedtext:relatedtextresources/0/relatedtextid = 'x'",
    ],
)
def test_properties_the_schemas_define_are_accepted(http, condition):
    response = http.get(NXQL, params={"query": f"SELECT * FROM Document WHERE {condition}"})
    assert response.status_code == 200, response.text


# -- 4. the search endpoints take GET only ----------------------------------------------------------------------------


def test_search_endpoints_answer_405_to_anything_but_get(http):
    domain = http.get("api/v1/path/default-domain").json()["uid"]
    provider = ("api/v1/search/pp/CURRENT_DOC_CHILDREN/execute", {"queryParams": domain})
    nxql = {"query": "SELECT * FROM Document WHERE ecm:parentId = '" + domain + "'"}
    for url, params in (provider, (NXQL, nxql), ("api/v1/search/execute", nxql), ("api/v1/query/NXQL", nxql)):
        assert http.get(url, params=params).json()["resultsCount"] == 3, url
        for method in ("POST", "PUT", "DELETE"):
            response = http.request(method, url, params=params, json={})
            assert response.status_code == 405, (method, url, response.text)
            body = response.json()
            assert (body["entity-type"], body["status"]) == ("exception", 405)
    assert http.head(provider[0], params=provider[1]).status_code == 200


# -- 5. deleting a live document keeps its versions -------------------------------------------------------------------


def test_deleting_a_live_document_leaves_its_versions_reachable(http):
    parent = folder(http)
    doc = create(http, parent["uid"], "Note", "kept history")
    first = save(http, doc["uid"], {"dc:description": "one"}, option="minor")
    second = save(http, doc["uid"], {"dc:description": "two"}, option="major")
    assert http.delete(f"api/v1/id/{doc['uid']}").status_code == 204
    assert http.get(f"api/v1/id/{doc['uid']}").status_code == 404

    version = http.get(f"api/v1/id/{second['uid']}", headers={"fetch-document": "versionLabel"})
    assert version.status_code == 200
    body = version.json()
    assert body["isVersion"] and body["versionLabel"] == "1.0" and body["properties"]["dc:description"] == "two"
    assert body["path"] is None  # a version shows its live document's path, and there is none any more
    listed = http.get(f"api/v1/id/{first['uid']}/@versions").json()
    assert [e["uid"] for e in listed["entries"]] == [first["uid"], second["uid"]]
    found = query(http, f"SELECT * FROM Document WHERE ecm:isVersion = 1 AND ecm:uuid = '{first['uid']}'")
    assert [e["uid"] for e in found.json()["entries"]] == [first["uid"]]

    # so does deleting the folder that held a versioned document, and a version can still be deleted on its own
    inner = create(http, parent["uid"], "File", "deep")
    deep = save(http, inner["uid"], {"dc:description": "deep"}, option="minor")
    assert http.delete(f"api/v1/id/{parent['uid']}").status_code == 204
    assert http.get(f"api/v1/id/{inner['uid']}").status_code == 404
    assert http.get(f"api/v1/id/{deep['uid']}").status_code == 200
    assert http.delete(f"api/v1/id/{deep['uid']}").status_code == 204
    assert http.get(f"api/v1/id/{deep['uid']}").status_code == 404
