"""The automation operations the sandbox offers (a subset of a real server's, with the same ids, signatures and
parameters), each next to what it does."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

from tui.sandbox.nuxeo.automation import (
    Call,
    OperationSpec,
    Param,
    Result,
    doc_or_docs,
    input_doc,
    input_docs,
    parse_properties,
    string_list,
)
from tui.sandbox.nuxeo.directory import login_json
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.lock_version_operations import LOCK_AND_VERSION_OPERATIONS
from tui.sandbox.nuxeo.nxql import NxqlError, compile_nxql
from tui.sandbox.nuxeo.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paging, sort_items
from tui.sandbox.nuxeo.schema import Doc


def _query(call: Call) -> Result:
    repo = call.repo
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


def _fetch(call: Call) -> Result:
    return Result("document", call.repo.resolve(str(call.params["value"])))


def _create(call: Call) -> Result:
    repo = call.repo
    props = parse_properties(call.params.get("properties"))
    created = [
        repo.create(parent, str(call.params["type"]), str(call.params.get("name") or ""), props, call.user)
        for parent in input_docs(call)
    ]
    return doc_or_docs(call, created)


def _update(call: Call) -> Result:
    props = parse_properties(call.params.get("properties"))
    token = call.params.get("changeToken")
    return doc_or_docs(call, [call.repo.update(d, props, call.user, change_token=token) for d in input_docs(call)])


def _set_property(call: Call) -> Result:
    props = {str(call.params["xpath"]): call.params.get("value")}
    return doc_or_docs(call, [call.repo.update(doc, props, call.user) for doc in input_docs(call)])


def _delete(call: Call) -> Result:
    for doc in input_docs(call):
        call.repo.delete(doc)
    return Result("void")


def _get_child(call: Call) -> Result:
    parent = input_doc(call)
    child = call.repo.by_path(f"{parent.path.rstrip('/')}/{call.params['name']}")
    if child is None:
        raise NuxeoHTTPError(404, f"{parent.path} has no child named {call.params['name']}")
    return Result("document", child)


def _get_children(call: Call) -> Result:
    parent = input_doc(call)
    docs, total = call.repo.children(parent, 0, MAX_PAGE_SIZE)
    return Result("documents", (docs, total, 0, MAX_PAGE_SIZE))


def _get_parent(call: Call) -> Result:
    doc = input_doc(call)
    repo = call.repo
    wanted = call.params.get("type")
    parent = repo.by_uid(doc.parent_uid) if doc.parent_uid else None
    while parent is not None and wanted and parent.type != wanted:
        parent = repo.by_uid(parent.parent_uid) if parent.parent_uid else None
    if parent is None:
        raise NuxeoHTTPError(404, f"No parent{' of type ' + wanted if wanted else ''} for {doc.path}")
    return Result("document", parent)


def _move(call: Call) -> Result:
    repo = call.repo
    target = repo.resolve(str(call.params["target"]))
    moved = [repo.move(doc, target, call.params.get("name"), call.user) for doc in input_docs(call)]
    return doc_or_docs(call, moved)


def _fetch_by_property(call: Call) -> Result:
    prop = str(call.params["property"])
    values = string_list(call.params["values"])
    marks = ", ".join(["'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values])
    extra = call.params.get("query")
    query = f"SELECT * FROM Document WHERE {prop} IN ({marks})" + (f" AND ({extra})" if extra else "")
    return _query(
        Call(call.repo, call.log, call.request, call.user, None, {"query": query, "pageSize": MAX_PAGE_SIZE}, {})
    )


def _trash(trashed: bool) -> Callable[[Call], Result]:
    def run(call: Call) -> Result:
        docs = [call.repo.set_trashed(doc, trashed) for doc in input_docs(call)]
        return doc_or_docs(call, docs)

    return run


def _blob_get(call: Call) -> Result:
    return Result("blob", call.repo.blob_at(input_doc(call), str(call.params.get("xpath") or "file:content")))


def input_blobs(call: Call) -> list[dict[str, Any]]:
    """The input's blobs (metadata dicts), one or many; [] when the input is not blobs."""
    blobs = [call.input] if isinstance(call.input, dict) else call.input
    return blobs if isinstance(blobs, list) and blobs and all(isinstance(b, dict) for b in blobs) else []


def _file_import(call: Call) -> Result:
    """A document per blob in the context's current document: a Note for text (its text as the note), else a File."""
    blobs = input_blobs(call)
    if not blobs or not call.context.get("currentDocument"):
        raise NuxeoHTTPError(400, "FileManager.Import needs blobs as input and a currentDocument in the context")
    repo = call.repo
    parent = repo.resolve(str(call.context["currentDocument"]))
    created = []
    for meta in blobs:
        name, mime = str(meta["name"]), str(meta.get("mime-type") or "")
        if mime in ("", "application/octet-stream"):  # like Nuxeo's MIME check: go by the file name
            mime = mimetypes.guess_type(name)[0] or mime
        if mime.startswith("text/"):
            text = (repo.blob_data(meta["digest"]) or b"").decode("utf-8", "replace")
            props: dict[str, Any] = {"dc:title": name, "note:note": text, "note:mime_type": mime}
            created.append(repo.create(parent, "Note", name, props, call.user))
        else:
            created.append(repo.create(parent, "File", name, {"dc:title": name, "file:content": meta}, call.user))
    return Result("document", created[0]) if isinstance(call.input, dict) else Result("documents", created)


def _attach(call: Call) -> Result:
    blobs = input_blobs(call)
    if not blobs:
        raise NuxeoHTTPError(
            400,
            "Blob.AttachOnDocument needs a blob as input: send it as multipart/related, or run "
            "it on an upload batch (POST /api/v1/upload/{batchId}/{fileIdx}/execute/Blob.AttachOnDocument)",
        )
    repo = call.repo
    doc = repo.resolve(str(call.params["document"]))
    xpath = str(call.params.get("xpath") or "file:content")
    if xpath == "files:files":
        # uploaded blobs are already stored: the repository accepts metadata whose digest it holds
        props: dict[str, Any] = {
            "files:files": list(doc.properties.get("files:files") or []) + [{"file": dict(b)} for b in blobs]
        }
    else:
        props = {xpath: dict(blobs[0])}
    repo.update(doc, props, call.user)
    meta = blobs[0]
    return Result("blob", (meta, repo.blob_data(meta["digest"]) or b""))


def _log(call: Call) -> Result:
    call.log.append((str(call.params.get("level") or "info"), str(call.params.get("message") or "")))
    return Result("void")


def _login(call: Call) -> Result:
    user = call.repo.directory.user(call.user)
    if user is None:
        raise NuxeoHTTPError(401, "Unauthorized")
    return Result("json", login_json(user))


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
        "Document.SetProperty",
        "Document",
        "Update Property",
        "Set a single property value on the input document(s).",
        _DOC_SIG,
        [
            Param("xpath", "string", True, "The property, like dc:description."),
            Param("value", "serializable", False, "The new value (none clears the property)."),
            Param("save", "boolean", False, "Save the document (always done here)."),
        ],
        _set_property,
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
        aliases=["Document.GetBlob"],  # Nuxeo's own id; the sandbox lists it under its alias
    ),
    OperationSpec(
        "FileManager.Import",
        "Services",
        "Create Document from file",
        "Create a document from each input file in the context's currentDocument: a Note for a text file, a File "
        "for anything else, titled with the file name.",
        ["blob", "document", "bloblist", "documents"],
        [
            Param("overwrite", "boolean", False, "Replace a document of the same title (not done here)."),
            Param("overwite", "boolean", False, "The same, under its older misspelt name."),
            Param("noMimeTypeCheck", "boolean", False, "Skip the MIME type check (none is done here)."),
        ],
        _file_import,
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
OPERATIONS.extend(LOCK_AND_VERSION_OPERATIONS)
OPERATIONS_BY_NAME = {name: op for op in OPERATIONS for name in [op.id, *op.aliases]}
