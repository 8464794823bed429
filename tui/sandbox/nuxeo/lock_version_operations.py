"""The automation operations on locks and versions (Nuxeo's ids, parameters and results).
What they do to the repository is `versioning.py`'s."""

from __future__ import annotations

from collections.abc import Callable

from tui.sandbox.nuxeo.automation import Call, OperationSpec, Param, Result, doc_or_docs, input_doc, input_docs
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.schema import Doc
from tui.sandbox.nuxeo.store import now_iso
from tui.sandbox.nuxeo.versioning import check_in, lock, restore, unlock, versions_of


def _each(call: Call, change: Callable[[Doc], Doc], op_id: str) -> Result:
    """Apply `change` to the input document(s); a failure reads as Nuxeo writes a failed operation."""
    try:
        docs = [change(doc) for doc in input_docs(call)]
    except NuxeoHTTPError as exc:
        if exc.status == 500:  # Nuxeo's LockException has no status of its own
            raise NuxeoHTTPError(500, f"Failed to invoke operation: {op_id}, {exc.message}") from None
        raise
    return doc_or_docs(call, docs)


def _lock(call: Call) -> Result:
    return _each(call, lambda doc: lock(call.repo, doc, call.user, now_iso()), "Document.Lock")


def _unlock(call: Call) -> Result:
    return _each(call, lambda doc: unlock(call.repo, doc, call.user), "Document.Unlock")


def _get_versions(call: Call) -> Result:
    return Result("documents", versions_of(call.repo, input_doc(call)))


def _restore_version(call: Call) -> Result:
    live = restore(
        call.repo,
        input_doc(call),
        call.user,
        now_iso(),
        snapshot=bool(call.params.get("createVersion")),
        checkout=bool(call.params.get("checkout")),
    )
    return Result("document", live)


def _check_in(call: Call) -> Result:
    option = "major" if str(call.params.get("version") or "").lower() == "major" else "minor"

    def run(doc: Doc) -> Doc:
        if doc.checked_out:
            check_in(call.repo, doc, option, now_iso())
        return call.repo.resolve(doc.uid)

    return _each(call, run, "Document.CheckIn")


def _create_version(call: Call) -> Result:
    increment = str(call.params.get("increment") or "None").lower()

    def run(doc: Doc) -> Doc:
        if increment in ("minor", "major"):
            check_in(call.repo, doc, increment, now_iso())
        return call.repo.resolve(doc.uid)  # the live document, not the version

    return _each(call, run, "Document.CreateVersion")


def _check_out(call: Call) -> Result:
    def run(doc: Doc) -> Doc:
        if doc.is_version:
            raise NuxeoHTTPError(400, f"Cannot check out a version: {doc.uid}")
        call.repo.db.execute("UPDATE documents SET checked_out = 1 WHERE uid = ?", (doc.uid,))
        return call.repo.resolve(doc.uid)

    return _each(call, run, "Document.CheckOut")


_DOC_SIG = ["document", "document", "documents", "documents"]
LOCK_AND_VERSION_OPERATIONS: list[OperationSpec] = [
    OperationSpec(
        "Document.Lock",
        "Document",
        "Lock",
        "Lock the input document for the current user. Returns back the locked document.",
        _DOC_SIG,
        [],
        _lock,
    ),
    OperationSpec(
        "Document.Unlock",
        "Document",
        "Unlock",
        "Unlock the input document. Only the user who locked it, or an administrator, may. "
        "Returns the unlocked document.",
        _DOC_SIG,
        [],
        _unlock,
    ),
    OperationSpec(
        "Document.GetVersions",
        "Document",
        "Get Versions",
        "Gets the versions of the input document.",
        ["document", "documents"],
        [],
        _get_versions,
    ),
    OperationSpec(
        "Document.RestoreVersion",
        "Document",
        "Restore Version",
        "Restores a document to the input version document. With createVersion, the live document is versioned "
        "first; with checkout, it is left checked out ('+' beside the version number). Returns the restored document.",
        ["document", "document"],
        [
            Param("createVersion", "boolean", False, "Version the live document before restoring.", ["false"]),
            Param("checkout", "boolean", False, "Check the document out after restoring it.", ["false"]),
        ],
        _restore_version,
    ),
    OperationSpec(
        "Document.CheckIn",
        "Document",
        "Check In",
        "Checks in the input document (a new version, unless it did not change since the last one). "
        "Returns back the document.",
        _DOC_SIG,
        [
            Param("version", "string", True, "Which number to increment.", ["minor", "major"]),
            Param("comment", "string", False, "A comment for the version."),
        ],
        _check_in,
    ),
    OperationSpec(
        "Document.CheckOut",
        "Document",
        "Check Out",
        "Checks out the input document. Returns back the document.",
        _DOC_SIG,
        [],
        _check_out,
    ),
    OperationSpec(
        "Document.CreateVersion",
        "Document",
        "Snapshot Version",
        "Create a new version of the input document, incrementing the number the increment parameter names. "
        "Returns the live document (not the version).",
        _DOC_SIG,
        [
            Param("increment", "string", False, "Which number to increment.", ["None", "Minor", "Major"]),
            Param("saveDocument", "boolean", False, "Save the document (always done here)."),
        ],
        _create_version,
    ),
]
