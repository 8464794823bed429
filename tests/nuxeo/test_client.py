"""Our async Nuxeo client against the sandbox over real sockets, plus the failures a person can meet."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.conftest import start_sandbox
from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    ExchangeLog,
    NotFoundError,
    ProtocolError,
    ServiceError,
    UnavailableError,
)
from tui.sandbox.nuxeo.seed import make_png
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.models import Blob, Document, DocumentPage, Operation

ARCHIVE = "/default-domain/workspaces/Archive"
ARCHIVE_SIZE = 250
PASSWORD = "Administrator"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo", scale={"nuxeo_docs": ARCHIVE_SIZE})
    yield sandbox
    sandbox.stop()


@pytest.fixture
async def client(box, exchange_log):
    connection = box.profile().connection("nuxeo")
    nuxeo = NuxeoClient.from_connection(connection, connection.secret, exchange_log=exchange_log)
    yield nuxeo
    await nuxeo.aclose()


@pytest.fixture
async def folder(client):
    doc = await client.create(
        "/default-domain/workspaces",
        type="Folder",
        name=f"t-{uuid.uuid4().hex[:8]}",
        properties={"dc:title": "Client test"},
    )
    yield doc
    try:
        await client.delete(doc.uid)
    except NotFoundError:
        pass


# --------------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------------


async def test_check_says_who_and_where(client):
    assert await client.check() == "Signed in as Administrator on Nuxeo 2023.12"
    user = await client.current_user()
    assert user.username == "Administrator" and user.is_administrator and "administrators" in user.groups
    assert (await client.server_info()).product_version == "2023.12"


async def test_get_by_path_and_uid(client):
    workspaces = await client.get("/default-domain/workspaces", enrichers=("children", "permissions"))
    assert isinstance(workspaces, Document)
    assert workspaces.type == "WorkspaceRoot" and workspaces.title == "Workspaces"
    assert workspaces.name == "workspaces" and workspaces.is_folderish
    assert workspaces.child_count == 3 and workspaces.has_folderish_child is True
    assert "Everything" in workspaces.permissions
    same = await client.get(workspaces.uid)
    assert same.path == workspaces.path and same.change_token == workspaces.change_token
    assert same.child_count is None  # not enriched
    root = await client.get("/")
    assert root.type == "Root" and root.name == ""


async def test_document_fields(client):
    doc = await client.get("/default-domain/workspaces/Projects/Apollo/Design/logo")
    assert not doc.is_folderish and doc.has_blob
    assert isinstance(doc.blob, Blob)
    assert doc.blob.name == "logo.png" and doc.blob.mime_type == "image/png"
    assert doc.blob.length == len(make_png())
    assert doc.blob.data_url.endswith("/file:content/logo.png")
    assert doc.author == "Administrator" and doc.modified and doc.last_modified
    assert doc.description.startswith("The project logo")
    assert doc.raw["entity-type"] == "document"


async def test_schemas_limit_properties(client):
    doc = await client.get("/default-domain/workspaces/Projects/Apollo/requirements", schemas="dublincore")
    assert "dc:title" in doc.properties and "file:content" not in doc.properties


async def test_children_pages(client):
    first = await client.children(ARCHIVE, page=0, page_size=100)
    assert isinstance(first, DocumentPage)
    assert first.total_size == ARCHIVE_SIZE and first.number_of_pages == 3 and first.is_next_page_available
    assert len(first.entries) == 100 and first.page_index == 0 and first.page_size == 100
    last = await client.children(ARCHIVE, page=2, page_size=100)
    assert len(last.entries) == ARCHIVE_SIZE - 200 and not last.is_next_page_available
    titles = [d.title for d in first.entries + last.entries]
    assert titles == sorted(titles, key=str.lower)
    # the default schemas carry dc:* and file:content, not note:note
    assert "note:note" not in first.entries[0].properties


async def test_children_put_folders_first_and_count_them(client):
    page = await client.children("/default-domain/workspaces/Projects/Apollo")
    kinds = [d.is_folderish for d in page.entries]
    assert kinds == sorted(kinds, reverse=True)
    design = next(d for d in page.entries if d.title == "Design")
    assert design.child_count == 2 and design.has_folderish_child is True


async def test_search_text_and_nxql(client):
    found = await client.search("budget")
    assert [d.title for d in found.entries] == ["Budget 2027"]
    # full text reaches the body of notes and text files, not just titles
    assert "Kickoff meeting" in [d.title for d in (await client.search("Grace")).entries]
    nxql = await client.search(
        f"SELECT * FROM File WHERE ecm:path STARTSWITH '{ARCHIVE}' ORDER BY dc:title", page_size=10
    )
    assert nxql.total_size == ARCHIVE_SIZE // 10 and len(nxql.entries) == 10
    assert all(d.type == "File" for d in nxql.entries)
    quoted = await client.search("it's")  # a quote in the text does not break the query
    assert quoted.total_size == 0


async def test_malformed_nxql_is_a_readable_bad_request(client):
    with pytest.raises(BadRequestError) as err:
        await client.search("SELECT * FROM Document WHERE dc:title = ")
    assert err.value.status == 400
    assert "expected a value" in str(err.value)
    assert "\n" not in err.value.readable


# --------------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------------


async def test_create_update_delete(client, folder):
    note = await client.create(
        folder.uid, type="Note", name="draft", properties={"dc:title": "Draft", "note:note": "one"}
    )
    assert note.path == folder.path + "/draft" and note.properties["note:note"] == "one"
    updated = await client.update(note.uid, {"dc:description": "edited"}, change_token=note.change_token)
    assert updated.description == "edited" and updated.title == "Draft"
    assert updated.change_token != note.change_token
    await client.delete(note.uid)
    with pytest.raises(NotFoundError):
        await client.get(note.uid)


async def test_stale_change_token_is_a_conflict(client, folder):
    note = await client.create(folder.path, type="Note", name="shared", properties={"dc:title": "Shared"})
    await client.update(note.uid, {"dc:title": "Someone else"})
    with pytest.raises(ConflictError) as err:
        await client.update(note.uid, {"dc:title": "Mine"}, change_token=note.change_token)
    assert err.value.status == 409
    assert "reload" in err.value.readable
    assert (await client.get(note.uid)).title == "Someone else"


async def test_bad_create_is_a_bad_request(client, folder):
    with pytest.raises(BadRequestError) as err:
        await client.create(folder.uid, type="NoSuchType", name="x", properties={})
    assert "NoSuchType" in str(err.value)
    with pytest.raises(BadRequestError):
        await client.create(folder.uid, type="Note", name="x", properties={"zz:unknown": 1})


async def test_move_and_rename(client, folder):
    sub = await client.create(folder.uid, type="Folder", name="sub", properties={"dc:title": "Sub"})
    note = await client.create(folder.uid, type="Note", name="n", properties={"dc:title": "N"})
    moved = await client.move(note.uid, sub.path)
    assert moved.path == sub.path + "/n" and moved.parent_ref == sub.uid
    renamed = await client.move(note.uid, sub.uid, name="better-name")
    assert renamed.path == sub.path + "/better-name" and renamed.title == "N"
    with pytest.raises(BadRequestError):
        await client.move(sub.uid, sub.path + "/better-name")  # into its own child


async def test_upload_attach_download(client, folder, tmp_path):
    source = tmp_path / "numbers.csv"
    payload = b"".join(b"%d,%d\n" % (i, i * i) for i in range(20_000))  # ~200 KB: several chunks each way
    source.write_bytes(payload)
    doc = await client.create(folder.uid, type="File", name="numbers", properties={"dc:title": "Numbers"})
    sent: list[tuple[int, int]] = []
    attached = await client.attach(doc.uid, source, progress=lambda done, total: sent.append((done, total)))
    assert attached.blob is not None and attached.blob.name == "numbers.csv" and attached.blob.length == len(payload)
    assert sent[-1] == (len(payload), len(payload)) and len(sent) > 2
    received: list[tuple[int, int]] = []
    target = tmp_path / "out" / "numbers.csv"
    path = await client.download(doc.uid, target, progress=lambda done, total: received.append((done, total)))
    assert path == target and target.read_bytes() == payload
    assert received[-1] == (len(payload), len(payload))
    assert [p.name for p in target.parent.iterdir()] == ["numbers.csv"]  # no temp file left


async def test_download_without_blob_leaves_no_file(client, folder, tmp_path):
    empty = await client.create(folder.uid, type="File", name="empty", properties={"dc:title": "Empty"})
    with pytest.raises(NotFoundError):
        await client.download(empty.uid, tmp_path / "nothing.bin")
    assert list(tmp_path.iterdir()) == []


async def test_upload_of_a_missing_file_is_readable(client, tmp_path):
    with pytest.raises(BadRequestError) as err:
        await client.upload(tmp_path / "absent.txt")
    assert "absent.txt" in str(err.value)


# --------------------------------------------------------------------------------------------------------------------
# Automation
# --------------------------------------------------------------------------------------------------------------------


async def test_operations_listing(client):
    ops = await client.operations()
    assert all(isinstance(o, Operation) for o in ops)
    by_id = {o.id: o for o in ops}
    move = by_id["Document.Move"]
    assert [p.name for p in move.params] == ["target", "name"]
    assert move.params[0].required and move.params[0].type == "document"
    assert "Document.Query" in by_id["Repository.Query"].aliases
    assert by_id["Repository.Query"].signature == ["void", "documents"]
    assert [o.id for o in ops] == sorted(o.id for o in ops)


async def test_execute(client, folder):
    result = await client.execute(
        "Document.Query", params={"query": "SELECT * FROM Workspace ORDER BY dc:title", "pageSize": 10}
    )
    assert [e["title"] for e in result["entries"]] == ["Projects", "Team"]
    created = await client.execute(
        "Document.Create",
        input=folder.path,
        params={"type": "Note", "name": "op", "properties": "dc:title=By op\nnote:note=x"},
    )
    assert created["title"] == "By op" and created["properties"]["note:note"] == "x"
    assert (
        await client.execute("Blob.Get", input="/default-domain/workspaces/Team/welcome")
        == b"Welcome to the team workspace!\n"
    )
    login = await client.execute("login")
    assert login["username"] == "Administrator"
    assert await client.execute("Document.Delete", input=created["uid"]) is None
    with pytest.raises(NotFoundError):
        await client.execute("No.Such.Operation")
    with pytest.raises(BadRequestError) as err:
        await client.execute("Document.Create", input=folder.uid, params={"name": "no type"})
    assert "type" in str(err.value)


# --------------------------------------------------------------------------------------------------------------------
# Auth, secrets and failures
# --------------------------------------------------------------------------------------------------------------------


async def test_wrong_password(box):
    log = ExchangeLog()
    bad = NuxeoClient(box.base_url + "/nuxeo", "Administrator", "not-the-password", exchange_log=log)
    try:
        with pytest.raises(AuthError) as err:
            await bad.check()
    finally:
        await bad.aclose()
    assert str(err.value) == "Nuxeo refused the username or password."
    assert "profile" in err.value.readable
    dump = " ".join(f"{e.url} {e.request_headers} {e.request_body} {e.response_body} {e.as_curl()}" for e in log)
    assert "not-the-password" not in dump and "Basic " not in dump


async def test_secrets_are_redacted_in_the_exchange_log(client, exchange_log):
    await client.get("/default-domain")
    assert len(exchange_log) == 1
    exchange = next(iter(exchange_log))
    assert exchange.status == 200 and exchange.service == "Nuxeo"
    headers = dict(exchange.request_headers)
    assert headers["authorization"] == "•••"
    assert PASSWORD not in exchange.as_curl().replace("/Administrator", "")


async def test_token_authentication(box):
    async with httpx.AsyncClient(auth=("Administrator", PASSWORD)) as raw:
        response = await raw.get(
            box.base_url + "/nuxeo/authentication/token",
            params={"applicationName": "servicedeck", "deviceId": "tests", "permission": "ReadWrite"},
        )
    token = response.text
    assert response.status_code == 200 and token
    async with NuxeoClient(box.base_url + "/nuxeo", token=token) as by_token:
        assert (await by_token.current_user()).username == "Administrator"
    async with NuxeoClient(box.base_url + "/nuxeo", token="made-up") as wrong:
        with pytest.raises(AuthError) as err:
            await wrong.current_user()
    assert str(err.value) == "Nuxeo refused the authentication token."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_server_down():
    port = free_port()  # nothing listens there once the probe socket is closed
    async with NuxeoClient(f"http://127.0.0.1:{port}/nuxeo", "Administrator", PASSWORD, timeout=2.0) as down:
        down.http.backoff = 0.01
        with pytest.raises(UnavailableError) as err:
            await down.check()
    assert str(err.value) == f"Cannot connect to Nuxeo at http://127.0.0.1:{port}/nuxeo/."
    assert "running" in err.value.readable


@pytest.fixture(scope="module")
def misbehaving():
    """A server at the right URL that answers like something else: broken JSON, HTML pages, odd errors."""

    async def broken_json(request):
        return Response(b'{"entity-type": "user", "id": ', media_type="application/json")

    async def html_ok(request):
        return HTMLResponse("<!DOCTYPE html><html><body><form>Log in to Nuxeo</form></body></html>")

    async def html_error(request):
        return HTMLResponse("<html><body><h1>Internal Server Error</h1></body></html>", status_code=500)

    async def plain_forbidden(request):
        return JSONResponse(
            {"entity-type": "exception", "status": 403, "message": "Privilege 'Read' is not granted"}, 403
        )

    app = Starlette(
        routes=[
            Route("/json/nuxeo/api/v1/me", broken_json),
            Route("/login/nuxeo/api/v1/me", html_ok),
            Route("/crash/nuxeo/api/v1/me", html_error),
            Route("/forbidden/nuxeo/api/v1/me", plain_forbidden),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the misbehaving server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "prefix, error, sentence",
    [
        ("json", ProtocolError, "Nuxeo sent a reply that is not valid JSON (HTTP 200)."),
        ("login", ProtocolError, "Nuxeo answered with an HTML page instead of JSON (HTTP 200)."),
        ("crash", ServiceError, "Nuxeo answered with an HTML page (HTTP 500) instead of data."),
        ("forbidden", AuthError, "Nuxeo does not allow this: Privilege 'Read' is not granted."),
    ],
)
async def test_misbehaving_server_gives_readable_errors(misbehaving, prefix, error, sentence):
    async with NuxeoClient(f"{misbehaving}/{prefix}/nuxeo", "Administrator", PASSWORD) as odd:
        with pytest.raises(error) as err:
            await odd.current_user()
    assert str(err.value) == sentence
    assert "Traceback" not in err.value.readable and PASSWORD not in err.value.readable


def test_client_does_not_import_textual():
    code = (
        "import sys, tui.http, tui.services.nuxeo.client; "
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
