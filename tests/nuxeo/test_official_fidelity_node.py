"""The official Node client (`nuxeo@4.0.6` from npm), unchanged, against the sandbox: repository fetch, CRUD and
queries with page providers, users and groups (a created user signs in), operations on lists of documents, and a
batch upload whose blobs report numeric sizes. Each area is one script in tests/nuxeo/node/ printing "TAG json" lines.

Needs node (20+, for fetch) and npm; the package is installed once under the system temp dir (or
SERVICEDECK_NUXEO_JS_DIR) and reused. Skipped when node or npm is missing or the install fails (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.node import npm_package

PACKAGE = "nuxeo@4.0.6"
SCRIPTS = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    return npm_package(PACKAGE, dirname="servicedeck-nuxeo-js-4.0.6", env_var="SERVICEDECK_NUXEO_JS_DIR")


def run_script(node_modules: Path, box, script: str, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        ["node", str(SCRIPTS / script), box.base_url + "/nuxeo/", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=dict(os.environ, NODE_PATH=str(node_modules)),
    )
    lines = {}
    for line in result.stdout.splitlines():
        tag, _, value = line.partition(" ")
        lines[tag] = json.loads(value)
    assert result.returncode == 0, result.stdout + result.stderr
    return lines


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_repository_fetch_crud_and_page_providers(node_modules, box):
    workspace = name("ws-js")
    out = run_script(node_modules, box, "repository.js", workspace)
    assert out["FETCHED"] == {"uid": True, "type": "Domain"} and out["MISSING"] == 404
    assert out["CREATED"] == {"path": f"/default-domain/workspaces/{workspace}", "type": "Workspace"}
    assert out["UPDATED"] == "bar" and out["DELETED"] == 204
    # the client searches NXQL at search/execute, not query/
    assert out["NXQL_URL"] is True
    nxql = out["NXQL"]
    assert (nxql["titles"], nxql["resultsCount"], nxql["currentPageSize"], nxql["numberOfPages"]) == (
        ["Domain"],
        1,
        1,
        1,
    )
    children = out["CHILDREN"]
    assert children["titles"] == ["Sections", "Templates", "Workspaces"] and children["documents"] is True
    assert (children["resultsCount"], children["currentPageSize"], children["numberOfPages"]) == (3, 3, 1)
    # CURRENT_DOC_CHILDREN counts up to its page size: beyond it the total is unknown, and a full page says more
    # may follow, even the last one; the empty page after it does not
    paged = out["CHILDREN_PAGED"]
    assert [p["titles"] for p in paged] == [["Sections"], ["Templates"], ["Workspaces"], []]
    assert [p["isNextPageAvailable"] for p in paged] == [True, True, True, False]
    assert [p["currentPageIndex"] for p in paged] == [0, 1, 2, 3]
    assert {p["resultsCount"] for p in paged} == {-2} and {p["numberOfPages"] for p in paged} == {0}
    # document_content counts everything: its last page knows it is the last
    content = out["CONTENT"]
    assert (content["titles"], content["resultsCount"], content["isNextPageAvailable"]) == (["Workspaces"], 3, False)
    # tree_children lists folders only (the workspace made above among them), by title where positions do not apply
    assert out["TREE"]["titles"] == ["Archive", "bar", "Projects", "Team"]
    assert out["UNKNOWN_PROVIDER"] == {
        "status": 500,
        "message": "Could not resolve page provider with name 'no_such_provider'",
    }


def test_users_and_groups(node_modules, box):
    username, groupname = name("leela"), name("foo")
    out = run_script(node_modules, box, "users_groups.js", username, groupname)
    assert out["ADMIN"] == {"id": "Administrator", "username": "Administrator", "user": True}
    assert out["CREATED"] == {
        "username": username,
        "firstName": "Leela",
        "lastName": None,
        "email": "leela@example.com",
        "company": "Futurama",
        "groups": [],
        "tenantId": None,
    }
    assert out["UPDATED"] == "Fry?"
    assert out["SAVED"]["lastName"] == "Turanga" and out["SAVED"]["firstName"] == "Fry?"
    assert "password" not in out["SAVED"]
    assert out["SIGNED_IN"] == {"id": username, "isAdministrator": False}
    assert out["REFUSED"] == 403
    assert out["ADMINISTRATORS"] == {"groupname": "administrators", "grouplabel": "Administrators group"}
    assert out["GROUP"] == {"groupname": groupname, "grouplabel": "Foo"}
    assert out["GROUP_UPDATED"] == "Foo Fighters"
    assert out["MEMBER_OF"] == [groupname]
    assert (out["GROUP_DELETED"], out["USER_DELETED"], out["GONE"]) == (204, 204, 404)


def test_operations_on_document_lists(node_modules, box):
    prefix = name("ops-js")
    out = run_script(node_modules, box, "operations.js", prefix)
    paths = out["PATHS"]
    for tag, description in (
        ("BY_PATHS", "sample description"),
        ("BY_DOCUMENTS", "another description"),
        ("SET_PROPERTY", "one value"),
    ):
        assert out[tag]["type"] == "documents", tag
        assert [(e["path"], e["description"]) for e in out[tag]["entries"]] == [(p, description) for p in paths]
    assert [e["trashed"] for e in out["TRASHED"]["entries"]] == [True, True]
    # a list of one is still a list
    assert out["ONE_IN_A_LIST"] == {"type": "documents", "count": 1}
    assert out["FETCH_BY_PROPERTY"] == ["Workspaces"]


def test_batch_upload_sizes_are_numbers(node_modules, box):
    out = run_script(node_modules, box, "upload.js", name("up-js"))
    uploaded = out["UPLOADED"]
    assert set(uploaded) == {"upload-batch", "upload-fileId", "uploaded", "fileIdx", "uploadedSize", "uploadType"}
    assert (uploaded["uploaded"], uploaded["fileIdx"], uploaded["uploadedSize"]) == ("true", "0", "3")
    assert out["BLOB"] == {"name": "bar.txt", "size": 6, "uploadType": "normal"}
    assert out["BLOBS"] == [{"id": "0", "name": "foo.txt", "size": 3}, {"id": "1", "name": "bar.txt", "size": 6}]
    assert (out["REMOVED"], out["MISSING"]) == (204, 404)
    assert out["ATTACHED"] == {"name": "bar.txt", "length": "6"}
    assert out["CANCELLED"] is None
