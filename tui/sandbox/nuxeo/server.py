"""The Nuxeo sandbox: the REST API v1 and Content Automation subset in ../shared wire notes, served from SQLite.

Mounted at `/nuxeo`. One user, Administrator / Administrator (group `administrators`), signs in with HTTP Basic or
with an `X-Authentication-Token` obtained from `/nuxeo/authentication/token`.

The tree is seeded like a fresh server (`/default-domain` with Sections, Templates and Workspaces) plus demo content
under `/default-domain/workspaces` (Projects, Team) and `/default-domain/workspaces/Archive`, a folder of 10,000
documents (`ctx.scale["nuxeo_docs"]` changes the count) for browsing and searching at scale.

Enrichers (header `enrichers-document`, `enrichers.document` or `X-NXenrichers.document`, or the same query
parameter):
- `children`: `contextParameters.children = {"childCount": n, "hasFolderishChild": bool}`; `childCount` is this
  sandbox's addition so a tree can show how many documents a folder holds without listing them.
- `hasFolderishChild`: `contextParameters.hasFolderishChild = bool`.
- `permissions`: `contextParameters.permissions = ["Everything", "Read", ...]`.
- `breadcrumb`: `contextParameters.breadcrumb` = the ancestors as a `documents` entity.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import json
import logging
import math
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from tui.profiles import Connection
from tui.sandbox.nuxeo.nxql import COLUMNS, NxqlError, compile_nxql, json_path
from tui.sandbox.nuxeo.store import (
    ADMIN_PERMISSIONS,
    ARCHIVE_PATH,
    PRODUCT_VERSION,
    REPOSITORY,
    USERS,
    Doc,
    NuxeoHTTPError,
    Repository,
    render,
    wanted_schemas,
)

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD"]


def error_response(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Nuxeo"'} if status == 401 else None
    return JSONResponse(
        {"entity-type": "exception", "status": status, "message": message}, status_code=status, headers=headers
    )


# --------------------------------------------------------------------------------------------------------------------
# Request helpers
# --------------------------------------------------------------------------------------------------------------------


def option(request: Request, *names: str) -> str | None:
    """Nuxeo reads these settings from a header or a query parameter, interchangeably."""
    for name in names:
        value = request.headers.get(name)
        if value is None:
            value = request.query_params.get(name)
        if value is not None:
            return value
    return None


def schemas_of(request: Request) -> set[str] | None:
    return wanted_schemas(option(request, "properties", "X-NXproperties", "X-NXDocumentProperties"))


def enrichers_of(request: Request) -> set[str]:
    raw = option(request, "enrichers-document", "enrichers.document", "X-NXenrichers.document") or ""
    return {e.strip() for e in raw.split(",") if e.strip()}


def int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise NuxeoHTTPError(400, f"Parameter {name} must be a number, not {value!r}") from None


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise NuxeoHTTPError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise NuxeoHTTPError(400, "The request body must be a JSON object")
    return body


def sort_items(sort_by: str | None, sort_order: str | None) -> list[str]:
    """`sortBy=dc:title,dc:modified&sortOrder=asc,desc` -> SQL ORDER BY items (only "asc" means ascending)."""
    if not sort_by:
        return []
    orders = [o.strip().lower() for o in (sort_order or "").split(",")]
    items = []
    for i, prop in enumerate(p.strip() for p in sort_by.split(",") if p.strip()):
        direction = "ASC" if i < len(orders) and orders[i] == "asc" else "DESC"
        if prop in COLUMNS:
            column = COLUMNS[prop] + (" COLLATE NOCASE" if prop == "dc:title" else "")
        elif re.fullmatch(r"[A-Za-z]+:[\w/.\-]+", prop):
            column = "json_extract(properties, '" + json_path(prop).replace("'", "") + "')"
        else:
            raise NuxeoHTTPError(400, f"Cannot sort by {prop!r}")
        items.append(f"{column} {direction}")
    return items


def page_entity(entries: list[dict[str, Any]], total: int, page_index: int, page_size: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / page_size)) if page_size else 1
    return {
        "entity-type": "documents",
        "isPaginable": True,
        "resultsCount": total,
        "pageSize": page_size,
        "maxPageSize": MAX_PAGE_SIZE,
        "resultsCountLimit": -1,
        "currentPageSize": len(entries),
        "currentPageIndex": page_index,
        "currentPageOffset": page_index * page_size,
        "numberOfPages": pages,
        "isPreviousPageAvailable": page_index > 0,
        "isNextPageAvailable": page_index + 1 < pages,
        "isLastPageAvailable": page_index + 1 < pages,
        "isSortable": True,
        "hasError": False,
        "errorMessage": None,
        "totalSize": total,
        "pageIndex": page_index,
        "pageCount": pages,
        "entries": entries,
    }


def paging(page_index: int, page_size: int) -> tuple[int, int, int]:
    """-> (page index, page size, SQL offset); page size 0 means "as many as allowed"."""
    if page_index < 0:
        raise NuxeoHTTPError(400, "currentPageIndex must not be negative")
    if page_size <= 0 or page_size > MAX_PAGE_SIZE:
        page_size = MAX_PAGE_SIZE
    return page_index, page_size, page_index * page_size


def parse_properties(value: Any) -> dict[str, Any]:
    """Automation's `properties` parameter: a JSON object, or the `key=value` lines form (`\\n` escapes newlines)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        out: dict[str, Any] = {}
        for line in value.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, val = line.partition("=")
            if not sep:
                raise NuxeoHTTPError(400, f"Properties must be written key=value, not {line!r}")
            out[key.strip()] = val.replace("\\n", "\n")
        return out
    raise NuxeoHTTPError(400, "The properties parameter must be an object or key=value lines")


# --------------------------------------------------------------------------------------------------------------------
# Automation operations
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class Param:
    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    values: list[str] = field(default_factory=list)
    widget: str | None = None


@dataclass
class Result:
    """What an operation produced: kind is "document", "documents", "blob", "json" or "void"."""

    kind: str
    value: Any = None


@dataclass
class Call:
    """One operation call: who, on what, with which parameters."""

    sandbox: NuxeoSandbox
    request: Request
    user: str
    input: Any  # None, a Doc, a list of Doc, or a list of blob metadata dicts (from an upload batch)
    params: dict[str, Any]
    context: dict[str, Any]


@dataclass
class OperationSpec:
    id: str
    category: str
    label: str
    description: str
    signature: list[str]
    params: list[Param]
    run: Callable[[Call], Result]
    aliases: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "label": self.label,
            "category": self.category,
            "requires": None,
            "description": self.description,
            "url": self.id,
            "signature": list(self.signature),
            "params": [
                {
                    "name": p.name,
                    "description": p.description,
                    "type": p.type,
                    "required": p.required,
                    "widget": p.widget,
                    "order": i,
                    "values": list(p.values),
                }
                for i, p in enumerate(self.params)
            ],
        }


def _input_doc(call: Call) -> Doc:
    if isinstance(call.input, Doc):
        return call.input
    if isinstance(call.input, list) and len(call.input) == 1 and isinstance(call.input[0], Doc):
        return call.input[0]
    raise NuxeoHTTPError(400, 'This operation needs a document as input ("input": "doc:/path" or a uid)')


def _input_docs(call: Call) -> list[Doc]:
    if isinstance(call.input, Doc):
        return [call.input]
    if isinstance(call.input, list) and all(isinstance(d, Doc) for d in call.input) and call.input:
        return call.input
    raise NuxeoHTTPError(400, "This operation needs documents as input")


def _query(call: Call) -> Result:
    repo = call.sandbox.repo
    page_index, page_size, offset = paging(
        int(call.params.get("currentPageIndex") or 0), int(call.params.get("pageSize") or DEFAULT_PAGE_SIZE)
    )
    try:
        compiled = compile_nxql(str(call.params["query"]), string_list(call.params.get("queryParams")))
    except NxqlError as exc:
        raise NuxeoHTTPError(400, f"Failed to execute query: {call.params['query']}, {exc}") from None
    docs, total = repo.query(
        compiled, offset, page_size, sort_items(call.params.get("sortBy"), call.params.get("sortOrder"))
    )
    return Result("documents", (docs, total, page_index, page_size))


def string_list(value: Any) -> list[str]:
    """A `stringlist` parameter: a JSON list, or comma-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",")]


def _fetch(call: Call) -> Result:
    return Result("document", call.sandbox.repo.resolve(str(call.params["value"])))


def _create(call: Call) -> Result:
    repo = call.sandbox.repo
    props = parse_properties(call.params.get("properties"))
    created = [
        repo.create(parent, str(call.params["type"]), str(call.params.get("name") or ""), props, call.user)
        for parent in _input_docs(call)
    ]
    return Result("document", created[0]) if isinstance(call.input, Doc) else Result("documents", created)


def _update(call: Call) -> Result:
    props = parse_properties(call.params.get("properties"))
    token = call.params.get("changeToken")
    doc = call.sandbox.repo.update(_input_doc(call), props, call.user, change_token=token)
    return Result("document", doc)


def _delete(call: Call) -> Result:
    for doc in _input_docs(call):
        call.sandbox.repo.delete(doc)
    return Result("void")


def _get_child(call: Call) -> Result:
    parent = _input_doc(call)
    child = call.sandbox.repo.by_path(f"{parent.path.rstrip('/')}/{call.params['name']}")
    if child is None:
        raise NuxeoHTTPError(404, f"{parent.path} has no child named {call.params['name']}")
    return Result("document", child)


def _get_children(call: Call) -> Result:
    parent = _input_doc(call)
    docs, total = call.sandbox.repo.children(parent, 0, MAX_PAGE_SIZE)
    return Result("documents", (docs, total, 0, MAX_PAGE_SIZE))


def _get_parent(call: Call) -> Result:
    doc = _input_doc(call)
    repo = call.sandbox.repo
    wanted = call.params.get("type")
    parent = repo.by_uid(doc.parent_uid) if doc.parent_uid else None
    while parent is not None and wanted and parent.type != wanted:
        parent = repo.by_uid(parent.parent_uid) if parent.parent_uid else None
    if parent is None:
        raise NuxeoHTTPError(404, f"No parent{' of type ' + wanted if wanted else ''} for {doc.path}")
    return Result("document", parent)


def _move(call: Call) -> Result:
    repo = call.sandbox.repo
    target = repo.resolve(str(call.params["target"]))
    moved = [repo.move(doc, target, call.params.get("name"), call.user) for doc in _input_docs(call)]
    return Result("document", moved[0]) if isinstance(call.input, Doc) else Result("documents", moved)


def _fetch_by_property(call: Call) -> Result:
    prop = str(call.params["property"])
    values = string_list(call.params["values"])
    marks = ", ".join(["'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values])
    extra = call.params.get("query")
    query = f"SELECT * FROM Document WHERE {prop} IN ({marks})" + (f" AND ({extra})" if extra else "")
    return _query(Call(call.sandbox, call.request, call.user, None, {"query": query, "pageSize": MAX_PAGE_SIZE}, {}))


def _trash(trashed: bool) -> Callable[[Call], Result]:
    def run(call: Call) -> Result:
        docs = [call.sandbox.repo.set_trashed(doc, trashed) for doc in _input_docs(call)]
        return Result("document", docs[0]) if isinstance(call.input, Doc) else Result("documents", docs)

    return run


def _blob_get(call: Call) -> Result:
    return Result("blob", call.sandbox.repo.blob_at(_input_doc(call), str(call.params.get("xpath") or "file:content")))


def _attach(call: Call) -> Result:
    blobs = call.input
    if not (isinstance(blobs, list) and blobs and all(isinstance(b, dict) for b in blobs)):
        raise NuxeoHTTPError(
            400,
            "Blob.AttachOnDocument needs a blob as input: send it as multipart/related, or run "
            "it on an upload batch (POST /api/v1/upload/{batchId}/{fileIdx}/execute/Blob.AttachOnDocument)",
        )
    repo = call.sandbox.repo
    doc = repo.resolve(str(call.params["document"]))
    xpath = str(call.params.get("xpath") or "file:content")
    if xpath == "files:files":
        # uploaded blobs are already stored: the repository accepts metadata whose digest it holds
        props = {"files:files": list(doc.properties.get("files:files") or []) + [{"file": dict(b)} for b in blobs]}
    else:
        props = {xpath: dict(blobs[0])}
    repo.update(doc, props, call.user)
    meta = blobs[0]
    return Result("blob", (meta, repo.blob_data(meta["digest"]) or b""))


def _log(call: Call) -> Result:
    call.sandbox.log.append((str(call.params.get("level") or "info"), str(call.params.get("message") or "")))
    return Result("void")


def _login(call: Call) -> Result:
    user = USERS[call.user]
    return Result(
        "json",
        {
            "entity-type": "login",
            "id": call.user,
            "name": call.user,
            "username": call.user,
            "isAdministrator": bool(user["isAdministrator"]),
            "groups": list(user["groups"]),
        },
    )


def _noop(call: Call) -> Result:
    if isinstance(call.input, Doc):
        return Result("document", call.input)
    if isinstance(call.input, list) and call.input and isinstance(call.input[0], Doc):
        return Result("documents", call.input)
    return Result("void")


_DOC_SIG = ["document", "document", "documents", "documents"]
OPERATIONS: list[OperationSpec] = [
    OperationSpec(
        "Repository.Query",
        "Fetch",
        "Query",
        "Perform a query on the repository. The document list returned will become the input for the next operation.",
        ["void", "documents"],
        [
            Param("query", "string", True, "The NXQL query to run."),
            Param("currentPageIndex", "integer", False, "Page to return (0-based)."),
            Param("pageSize", "integer", False, "Entries per page."),
            Param("sortBy", "string", False, "Comma-separated properties to sort by."),
            Param("sortOrder", "string", False, "Comma-separated orders (asc or desc).", ["asc", "desc"]),
            Param("queryParams", "stringlist", False, "Values for the query's ? placeholders, in order."),
        ],
        _query,
        aliases=["Document.Query"],
    ),
    OperationSpec(
        "Repository.GetDocument",
        "Fetch",
        "Document",
        "Fetch a document from the repository given its reference "
        "(path or UID). The document will become the input of the next operation.",
        ["void", "document"],
        [Param("value", "document", True, "The path or uid of the document.")],
        _fetch,
        aliases=["Document.Fetch"],
    ),
    OperationSpec(
        "Document.Create",
        "Document",
        "Create",
        "Create a new document in the input folder. You can initialize the "
        "document properties using the 'properties' parameter.",
        _DOC_SIG,
        [
            Param(
                "type",
                "string",
                True,
                "The document type.",
                ["File", "Note", "Folder", "Workspace", "OrderedFolder", "Section"],
            ),
            Param("name", "string", False, "The name (last path segment) of the new document."),
            Param("properties", "properties", False, "Properties, as key=value lines or an object."),
        ],
        _create,
    ),
    OperationSpec(
        "Document.Update",
        "Document",
        "Update Properties",
        "Set multiple properties on the input document. Pass "
        "changeToken to refuse the update when someone saved the document since you read it.",
        _DOC_SIG,
        [
            Param("properties", "properties", True, "The properties to set."),
            Param("save", "boolean", False, "Save the document (always done here)."),
            Param("changeToken", "string", False, "The change token the caller read."),
        ],
        _update,
    ),
    OperationSpec(
        "Document.Delete",
        "Document",
        "Delete",
        "Delete the input document(s) and everything below them.",
        ["document", "void", "documents", "void"],
        [],
        _delete,
    ),
    OperationSpec(
        "Document.GetChild",
        "Document",
        "Get Child",
        "Get a child of the input folder by its name.",
        ["document", "document"],
        [Param("name", "string", True, "The child's name.")],
        _get_child,
    ),
    OperationSpec(
        "Document.GetChildren",
        "Document",
        "Get Children",
        "Get the children of the input folder.",
        ["document", "documents"],
        [],
        _get_children,
    ),
    OperationSpec(
        "Document.GetParent",
        "Document",
        "Get Parent",
        "Get the parent of the input document, or its nearest ancestor of the given type.",
        ["document", "document"],
        [Param("type", "string", False, "Ancestor type.")],
        _get_parent,
    ),
    OperationSpec(
        "Document.Move",
        "Document",
        "Move",
        "Move the input document(s) into the target folder; with a name, the "
        "moved document is also renamed (a move to the same folder is a rename).",
        _DOC_SIG,
        [
            Param("target", "document", True, "The destination folder (path or uid)."),
            Param("name", "string", False, "A new name."),
        ],
        _move,
    ),
    OperationSpec(
        "Document.FetchByProperty",
        "Fetch",
        "Fetch By Property",
        "For each value, fetch the documents whose property has that value.",
        ["void", "documents"],
        [
            Param("property", "string", True, "The property, like dc:title."),
            Param("values", "stringlist", True, "Comma-separated values."),
            Param("query", "string", False, "An extra NXQL condition."),
        ],
        _fetch_by_property,
    ),
    OperationSpec(
        "Document.Trash",
        "Document",
        "Trash",
        "Move the input document(s) to the trash.",
        _DOC_SIG,
        [],
        _trash(True),
    ),
    OperationSpec(
        "Document.Untrash",
        "Document",
        "Untrash",
        "Restore the input document(s) from the trash.",
        _DOC_SIG,
        [],
        _trash(False),
    ),
    OperationSpec(
        "Blob.Get",
        "Files",
        "Get Document File",
        "Get the file attached to the input document.",
        ["document", "blob"],
        [Param("xpath", "string", False, "Where the blob is (default file:content).")],
        _blob_get,
    ),
    OperationSpec(
        "Blob.AttachOnDocument",
        "Files",
        "Attach File",
        "Attach the input file(s) to the given document.",
        ["blob", "blob", "blobs", "blobs"],
        [
            Param("document", "document", True, "The document to attach to."),
            Param("xpath", "string", False, "Where to put the blob (default file:content; files:files appends)."),
            Param("save", "boolean", False, "Save the document (always done here)."),
        ],
        _attach,
        aliases=["Blob.Attach"],
    ),
    OperationSpec(
        "Log",
        "Notification",
        "Log",
        "Log a message in the server log.",
        ["void", "void", "document", "document"],
        [
            Param("level", "string", True, "Log level.", ["info", "debug", "warn", "error"]),
            Param("message", "string", True, "The message."),
            Param("category", "string", False, "Log category."),
        ],
        _log,
    ),
    OperationSpec(
        "login",
        "Users & Groups",
        "Login",
        "Say who the caller is signed in as.",
        ["void", "object"],
        [],
        _login,
    ),
    OperationSpec(
        "Noop",
        "Execution Flow",
        "No operation",
        "Does nothing; returns its input.",
        ["void", "void", "document", "document", "documents", "documents"],
        [],
        _noop,
    ),
]
OPERATIONS_BY_NAME = {name: op for op in OPERATIONS for name in [op.id, *op.aliases]}


def coerce(param: Param, value: Any, op_id: str) -> Any:
    try:
        if param.type in ("integer", "int", "long") and not isinstance(value, int):
            return int(value)
        if param.type == "boolean" and isinstance(value, str):
            return value.strip().lower() == "true"
    except (TypeError, ValueError):
        raise NuxeoHTTPError(
            400, f"Failed to invoke operation {op_id}: parameter {param.name} must be a number"
        ) from None
    return value


# --------------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------------


def user_entity(username: str) -> dict[str, Any]:
    user = USERS[username]
    return {
        "entity-type": "user",
        "id": username,
        "properties": {
            "username": username,
            "firstName": user["firstName"],
            "lastName": user["lastName"],
            "email": user["email"],
            "company": user["company"],
            "groups": list(user["groups"]),
            "tenantId": None,
        },
        "extendedGroups": [
            {"name": g, "label": f"{g.capitalize()} group", "url": f"group/{g}"} for g in user["groups"]
        ],
        "isAdministrator": bool(user["isAdministrator"]),
        "isAnonymous": False,
    }


Handler = Callable[[Request, str], Awaitable[Response]]


class NuxeoSandbox:
    def __init__(self, repo: Repository):
        self.repo = repo
        self.log: deque[tuple[str, str]] = deque(maxlen=1000)  # what the Log operation wrote

    # -- plumbing -------------------------------------------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        token = request.headers.get("x-authentication-token")
        if token:
            user = self.repo.token_user(token)
            if user:
                return user
            raise NuxeoHTTPError(401, "Unauthorized: unknown or revoked token")
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                username, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise NuxeoHTTPError(401, "Unauthorized: malformed Basic credentials") from None
            user = USERS.get(username)
            if user and user["password"] == password:
                return username
        raise NuxeoHTTPError(401, "Unauthorized")

    def endpoint(self, handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                user = self.authenticate(request) if auth else ""
                return await handler(request, user)
            except NuxeoHTTPError as exc:
                return error_response(exc.status, exc.message)
            except Exception as exc:  # a sandbox bug: answer in Nuxeo's shape, keep the traceback in the server log
                log.exception("Nuxeo sandbox failed on %s %s", request.method, request.url.path)
                return error_response(500, f"{type(exc).__name__}: {exc}")

        return run

    def doc_json(self, docs: list[Doc], request: Request) -> list[dict[str, Any]]:
        """Render documents with the schemas and enrichers the request asked for."""
        schemas = schemas_of(request)
        enrichers = enrichers_of(request)
        url = base_url(request)
        stats = {}
        if enrichers & {"children", "hasFolderishChild"}:
            stats = self.repo.child_stats([d.uid for d in docs if d.folderish])
        out = []
        for doc in docs:
            context: dict[str, Any] = {}
            count, has_folder = stats.get(doc.uid, (0, False))
            if "children" in enrichers:
                context["children"] = {"childCount": count, "hasFolderishChild": has_folder}
            if "hasFolderishChild" in enrichers:
                context["hasFolderishChild"] = has_folder
            if "permissions" in enrichers:
                context["permissions"] = list(ADMIN_PERMISSIONS)
            if "breadcrumb" in enrichers:
                context["breadcrumb"] = self.breadcrumb(doc, url)
            out.append(render(doc, base_url=url, schemas=schemas, context=context))
        return out

    def breadcrumb(self, doc: Doc, url: str) -> dict[str, Any]:
        ancestors = []
        parent_uid = doc.parent_uid
        while parent_uid:
            parent = self.repo.by_uid(parent_uid)
            if parent is None or parent.parent_uid is None:
                break
            ancestors.append(render(parent, base_url=url, schemas=set()))
            parent_uid = parent.parent_uid
        return page_entity(list(reversed(ancestors)), len(ancestors), 0, max(1, len(ancestors)))

    def document_response(self, doc: Doc, request: Request, status: int = 200) -> JSONResponse:
        return JSONResponse(self.doc_json([doc], request)[0], status_code=status)

    def page_response(
        self, docs: list[Doc], total: int, page_index: int, page_size: int, request: Request
    ) -> JSONResponse:
        return JSONResponse(page_entity(self.doc_json(docs, request), total, page_index, page_size))

    # -- top-level resources ---------------------------------------------------------------------------------------------

    async def running_status(self, request: Request, user: str) -> Response:
        return PlainTextResponse("Ok")

    async def cmis(self, request: Request, user: str) -> Response:
        return JSONResponse(
            {
                "default": {
                    "repositoryId": REPOSITORY,
                    "repositoryName": REPOSITORY,
                    "repositoryDescription": "Default Repository",
                    "vendorName": "Nuxeo",
                    "productName": "Nuxeo Platform",
                    "productVersion": PRODUCT_VERSION,
                    "cmisVersionSupported": "1.1",
                    "rootFolderId": self.repo.by_path("/").uid,  # type: ignore[union-attr]
                }
            }
        )

    async def auth_token(self, request: Request, user: str) -> Response:
        app = request.query_params.get("applicationName", "")
        device = request.query_params.get("deviceId", "")
        permission = request.query_params.get("permission", "")
        if not app or not device or not permission:
            raise NuxeoHTTPError(400, "applicationName, deviceId and permission are required")
        if request.query_params.get("revoke", "false").lower() == "true":
            self.repo.revoke_token(user, app, device)
            return PlainTextResponse(f"Token revoked for {user}, {app}, {device}", status_code=202)
        token = self.repo.issue_token(user, app, device, permission)
        return PlainTextResponse(token, status_code=201 if request.method == "POST" else 200)

    async def nxfile(self, request: Request, user: str) -> Response:
        uid = request.path_params["uid"]
        rest = request.path_params["rest"]
        xpath = rest.rsplit("/", 1)[0] if "/" in rest else rest
        return self.blob_response(self.repo.resolve(uid), unquote(xpath))

    def blob_response(self, doc: Doc, xpath: str) -> Response:
        meta, data = self.repo.blob_at(doc, xpath)
        name = str(meta.get("name") or "file")
        return Response(
            data,
            media_type=str(meta.get("mime-type") or "application/octet-stream"),
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Digest": f"md5={meta.get('digest')}",
                "ETag": f'"{meta.get("digest")}"',
            },
        )

    # -- automation -------------------------------------------------------------------------------------------------------

    async def automation_index(self, request: Request, user: str) -> Response:
        return JSONResponse(
            {
                "paths": {"login": "login"},
                "codecs": [],
                "operations": [op.as_json() for op in OPERATIONS],
                "chains": [],
            }
        )

    async def automation_describe(self, request: Request, user: str) -> Response:
        spec = OPERATIONS_BY_NAME.get(request.path_params["op"])
        if spec is None:
            raise NuxeoHTTPError(404, f"No operation with id {request.path_params['op']}")
        return JSONResponse(spec.as_json())

    async def not_found(self, request: Request, user: str) -> Response:
        raise NuxeoHTTPError(404, f"Nothing at {request.url.path}")

    async def automation_run(self, request: Request, user: str) -> Response:
        return await self.run_operation(request, user, request.path_params["op"], blobs=None)

    async def run_operation(
        self, request: Request, user: str, op_id: str, blobs: list[dict[str, Any]] | None, on: Doc | None = None
    ) -> Response:
        """Run an operation; its input is `blobs` (upload batch or multipart parts), `on` (the @op adapter's
        document) or the request's `input`."""
        spec = OPERATIONS_BY_NAME.get(op_id)
        if spec is None:
            raise NuxeoHTTPError(404, f"No operation with id {op_id}")
        if request.headers.get("content-type", "").startswith("multipart/"):
            body, attached = await self.multipart_call(request)
            blobs = attached if attached else blobs
        else:
            body = await json_body(request)
        raw_params = body.get("params") or {}
        if not isinstance(raw_params, dict):
            raise NuxeoHTTPError(400, "params must be a JSON object")
        params: dict[str, Any] = {}
        for param in spec.params:
            value = raw_params.get(param.name)
            if value is None or value == "":
                if param.required:
                    raise NuxeoHTTPError(
                        400, f"Failed to invoke operation {spec.id}: required parameter '{param.name}' is missing"
                    )
                continue
            params[param.name] = coerce(param, value, spec.id)
        input_value: Any = blobs
        if on is not None:
            input_value = on
        elif blobs is None:
            input_value = self.resolve_input(body.get("input"))
        call = Call(self, request, user, input_value, params, body.get("context") or {})
        result = spec.run(call)
        void = request.headers.get("X-NXVoidOperation", "").lower() == "true"
        return self.result_response(result, request, void)

    async def multipart_call(self, request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Automation with blobs as input: `multipart/related`, the JSON request first, then one part per blob."""
        raw = await request.body()
        head = f"Content-Type: {request.headers['content-type']}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        parts = list(message.iter_parts()) if message.is_multipart() else []
        if not parts:
            raise NuxeoHTTPError(400, "The multipart request has no parts")
        try:
            body = json.loads(parts[0].get_payload(decode=True) or b"{}")
        except ValueError:
            raise NuxeoHTTPError(
                400, "The first part of a multipart automation request must be the JSON request"
            ) from None
        blobs = []
        for part in parts[1:]:
            data = part.get_payload(decode=True) or b""
            name = part.get_filename() or "blob"
            digest = self.repo.store_blob(data)
            blobs.append({"name": name, "mime-type": part.get_content_type(), "digest": digest, "length": len(data)})
        return (body if isinstance(body, dict) else {}), blobs

    def resolve_input(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise NuxeoHTTPError(400, "input must be a string like doc:/path or docs:uid1,uid2")
        if value.startswith("docs:"):
            return [self.repo.resolve(ref) for ref in value[5:].split(",") if ref.strip()]
        return self.repo.resolve(value)

    def result_response(self, result: Result, request: Request, void: bool) -> Response:
        if void or result.kind == "void":
            return Response(status_code=204)
        if result.kind == "document":
            return self.document_response(result.value, request)
        if result.kind == "documents":
            if isinstance(result.value, tuple):
                docs, total, page_index, page_size = result.value
            else:
                docs, total, page_index, page_size = result.value, len(result.value), 0, max(1, len(result.value))
            return self.page_response(docs, total, page_index, page_size, request)
        if result.kind == "blob":
            meta, data = result.value
            return Response(data, media_type=str(meta.get("mime-type") or "application/octet-stream"))
        return JSONResponse(result.value)

    # -- REST API v1 ------------------------------------------------------------------------------------------------------

    async def api(self, request: Request, user: str) -> Response:
        rest = request.path_params["rest"]
        parts = [p for p in rest.split("/")]
        head = parts[0] if parts else ""
        method = request.method
        if rest == "me" and method == "GET":
            return JSONResponse(user_entity(user))
        if head == "user" and len(parts) == 2 and method == "GET":
            if parts[1] not in USERS:
                raise NuxeoHTTPError(404, f"user {parts[1]} does not exist")
            return JSONResponse(user_entity(parts[1]))
        if head == "upload":
            return await self.upload(request, user, parts[1:])
        if head == "automation":
            if len(parts) == 1 or parts[1] == "":
                return await self.automation_index(request, user)
            if len(parts) == 2 and method == "POST":
                return await self.run_operation(request, user, parts[1], blobs=None)
        if rest in ("search/lang/NXQL/execute", "search/execute", "query/NXQL", "query") and method == "GET":
            return self.search(request)
        if head == "repo" and len(parts) >= 3:
            if parts[1] != REPOSITORY:
                raise NuxeoHTTPError(404, f"No repository named {parts[1]}")
            rest = "/".join(parts[2:])
        if rest.startswith("path") or rest.startswith("id/"):
            return await self.document(request, user, rest)
        raise NuxeoHTTPError(404, f"No resource at /api/v1/{rest}")

    def search(self, request: Request) -> Response:
        query = request.query_params.get("query")
        if not query:
            raise NuxeoHTTPError(400, "The query parameter is required")
        try:
            compiled = compile_nxql(query, request.query_params.getlist("queryParams"))
        except NxqlError as exc:
            raise NuxeoHTTPError(400, f"Failed to execute query: {query}, {exc}") from None
        page_index, page_size, offset = paging(
            int_param(request, "currentPageIndex", 0), int_param(request, "pageSize", DEFAULT_PAGE_SIZE)
        )
        offset = int_param(request, "offset", offset)
        order = sort_items(request.query_params.get("sortBy"), request.query_params.get("sortOrder"))
        docs, total = self.repo.query(compiled, offset, page_size, order)
        max_results = int_param(request, "maxResults", -1)
        if max_results >= 0:
            total = min(total, max_results)
        return self.page_response(docs, total, page_index, page_size, request)

    async def document(self, request: Request, user: str, rest: str) -> Response:
        ref, _, adapter = rest.partition("/@")
        if ref.startswith("path"):
            doc = self.repo.by_path(ref[4:])
            if doc is None:
                raise NuxeoHTTPError(404, "/" + ref[4:].strip("/"))
        else:
            doc = self.repo.resolve(ref[3:])
        method = request.method
        if not adapter:
            if method in ("GET", "HEAD"):
                return self.document_response(doc, request)
            if method == "POST":
                body = await json_body(request)
                if not body.get("type"):
                    raise NuxeoHTTPError(400, "A new document needs a type")
                properties = body.get("properties") or {}
                if not isinstance(properties, dict):
                    raise NuxeoHTTPError(400, "properties must be a JSON object")
                created = self.repo.create(doc, str(body["type"]), str(body.get("name") or ""), properties, user)
                return self.document_response(created, request, status=201)
            if method == "PUT":
                body = await json_body(request)
                properties = body.get("properties") or {}
                if not isinstance(properties, dict):
                    raise NuxeoHTTPError(400, "properties must be a JSON object")
                token = body.get("changeToken")
                updated = self.repo.update(doc, properties, user, change_token=None if token is None else str(token))
                return self.document_response(updated, request)
            if method == "DELETE":
                self.repo.delete(doc)
                return Response(status_code=204)
        elif adapter == "children" and method == "GET":
            page_index, page_size, offset = paging(
                int_param(request, "currentPageIndex", 0), int_param(request, "pageSize", DEFAULT_PAGE_SIZE)
            )
            order = sort_items(request.query_params.get("sortBy"), request.query_params.get("sortOrder"))
            docs, total = self.repo.children(doc, offset, page_size, order)
            max_results = int_param(request, "maxResults", -1)
            if max_results >= 0:
                total = min(total, max_results)
            return self.page_response(docs, total, page_index, page_size, request)
        elif adapter.startswith("blob/") and method in ("GET", "HEAD"):
            return self.blob_response(doc, adapter[5:])
        elif adapter.startswith("op/") and method == "POST":
            return await self.run_operation(request, user, adapter[3:], blobs=None, on=doc)
        raise NuxeoHTTPError(404 if method == "GET" else 405, f"No {method} on @{adapter or 'document'}")

    async def upload(self, request: Request, user: str, parts: list[str]) -> Response:
        method = request.method
        parts = [p for p in parts if p != ""]
        if not parts:
            if method == "POST":
                return JSONResponse({"batchId": self.repo.new_batch()}, status_code=201)
            raise NuxeoHTTPError(405, "Use POST to create an upload batch")
        if parts == ["handlers"]:
            return JSONResponse({"handlers": [{"name": "default"}]})
        batch_id = parts[0]
        if not self.repo.batch_exists(batch_id):
            raise NuxeoHTTPError(404, f"Unknown batch {batch_id}")
        if len(parts) >= 2 and parts[-2] == "execute":
            file_idx = parts[1] if len(parts) == 4 else None
            rows = self.repo.batch_files(batch_id)
            if file_idx is not None:
                rows = [r for r in rows if r["file_idx"] == file_idx]
            if not rows:
                raise NuxeoHTTPError(404, f"Batch {batch_id} has no file{' ' + file_idx if file_idx else 's'}")
            blobs = [self.repo.batch_file(batch_id, r["file_idx"]) for r in rows]
            return await self.run_operation(request, user, parts[-1], blobs=blobs)
        if len(parts) == 1:
            if method == "GET":
                rows = self.repo.batch_files(batch_id)
                return JSONResponse(
                    [
                        {"name": r["name"], "size": r["length"], "uploadType": "normal", "fileIdx": r["file_idx"]}
                        for r in rows
                    ]
                )
            if method == "DELETE":
                self.repo.drop_batch(batch_id)
                return JSONResponse({"batchId": batch_id, "dropped": "true"})
        if len(parts) == 2:
            file_idx = parts[1]
            if method == "POST":
                data = await request.body()
                name = unquote(request.headers.get("X-File-Name") or f"file-{file_idx}")
                mime = (
                    request.headers.get("X-File-Type")
                    or request.headers.get("content-type")
                    or "application/octet-stream"
                )
                declared = request.headers.get("X-File-Size")
                if declared and declared.isdigit() and int(declared) != len(data):
                    raise NuxeoHTTPError(400, f"Received {len(data)} bytes but X-File-Size says {declared}")
                self.repo.add_batch_file(batch_id, file_idx, name, mime, data)
                return JSONResponse(
                    {
                        "batchId": batch_id,
                        "fileIdx": file_idx,
                        "uploadType": "normal",
                        "uploadedSize": str(len(data)),
                        "uploaded": "true",
                    },
                    status_code=201,
                )
            if method == "GET":
                meta = self.repo.batch_file(batch_id, file_idx)
                return JSONResponse(
                    {
                        "name": meta["name"],
                        "size": meta["length"],
                        "uploadType": "normal",
                        "fileIdx": file_idx,
                        "uploaded": "true",
                        "uploadedSize": str(meta["length"]),
                        "mimetype": meta["mime-type"],
                    }
                )
            if method == "DELETE":
                self.repo.batch_file(batch_id, file_idx)  # 404 when absent
                self.repo.drop_batch(batch_id, file_idx)
                return JSONResponse({"batchId": batch_id, "fileIdx": file_idx, "dropped": "true"})
        raise NuxeoHTTPError(404, f"No resource at /api/v1/upload/{'/'.join(parts)}")

    # -- routes -----------------------------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        e = self.endpoint
        return Starlette(
            routes=[
                Route("/runningstatus", e(self.running_status, auth=False), methods=["GET", "HEAD"]),
                Route("/json/cmis", e(self.cmis), methods=["GET"]),
                Route("/authentication/token", e(self.auth_token), methods=["GET", "POST"]),
                Route("/site/automation", e(self.automation_index), methods=["GET"]),
                Route("/site/automation/", e(self.automation_index), methods=["GET"]),
                Route("/site/automation/{op}", e(self.automation_run), methods=["POST"]),
                Route("/site/automation/{op}", e(self.automation_describe), methods=["GET"]),
                Route("/nxfile/{repo}/{uid}/{rest:path}", e(self.nxfile), methods=["GET", "HEAD"]),
                Route("/api/v1/{rest:path}", e(self.api), methods=ALL_METHODS),
                Route("/site/api/v1/{rest:path}", e(self.api), methods=ALL_METHODS),
                Route("/{rest:path}", e(self.not_found, auth=False), methods=ALL_METHODS),
            ]
        )


def create(ctx: Any) -> Any:
    """The Nuxeo part of the sandbox (see `tui.sandbox`)."""
    from tui.sandbox.host import ServiceSandbox

    archive_size = int(ctx.scale.get("nuxeo_docs", 10_000))
    repo = Repository(ctx.db_path("nuxeo"), archive_size=archive_size)
    server = NuxeoSandbox(repo)

    def connection(base: str) -> Connection:
        return Connection(
            kind="nuxeo",
            url=base.rstrip("/") + "/nuxeo",
            username="Administrator",
            secret="Administrator",
            secret_source="memory",
        )

    def describe(base: str) -> str:
        return f"Nuxeo    {base.rstrip('/')}/nuxeo  (Administrator / Administrator; {archive_size:,} documents in {ARCHIVE_PATH})"

    return ServiceSandbox(
        kind="nuxeo",
        routes=[Mount("/nuxeo", app=server.app())],
        connection=connection,
        describe=describe,
        close=repo.close,
    )
