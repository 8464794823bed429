"""The Documents pane's flows that end in one server call: a new document, a move or rename, an automation
operation (each asks, tries, and on failure asks again: `form_flow.ask_until_done`), moving to the trash and back.
The pane puts the result in the tree."""

from __future__ import annotations

from typing import Any

from tui.services.nuxeo.client import NuxeoClient, slug
from tui.services.nuxeo.dialogs import OperationDialog, ResultDialog, operation_fields
from tui.services.nuxeo.form_flow import TryAgain, ask_until_done
from tui.services.nuxeo.models import Document, Operation
from tui.widgets.dialogs import ConfirmDialog, Field
from tui.widgets.pane import ServicePane

NEW_DOCUMENT_TYPES = ["Folder", "Workspace", "Note", "File", "OrderedFolder", "Section"]


async def ask_new_document(pane: ServicePane[NuxeoClient], parent: Document) -> Document | None:
    """Ask for a type, title and name, and create the document in `parent`; None if the user gave up."""

    async def create(values: dict[str, str]) -> Document:
        name = values["name"].strip() or slug(values["title"])
        if not name:
            raise TryAgain("Give the document a title or a name.")
        title = values["title"].strip() or name
        kind = values["type"] or "Folder"
        return await pane.client.create(parent.uid, type=kind, name=name, properties={"dc:title": title})

    fields = [
        Field("type", "Type", "Folder", kind="select", choices=[(t, t) for t in NEW_DOCUMENT_TYPES]),
        Field("title", "Title", ""),
        Field("name", "Name in the path (optional: made from the title)", ""),
    ]
    return await ask_until_done(
        pane, "New document", fields, create, doing="create the document", submit="Create", note=f"In {parent.path}"
    )


async def ask_move(pane: ServicePane[NuxeoClient], doc: Document) -> Document | None:
    """Ask for a folder and a name, and move (or rename) the document; the moved document, or None."""
    parent_path = doc.path.rsplit("/", 1)[0] or "/"

    async def move(values: dict[str, str]) -> Document | None:
        target = values["target"].strip() or parent_path
        if target != "/":
            target = "/" + target.strip("/")
        name = values["name"].strip() or doc.name
        if target == parent_path and name == doc.name:
            pane.notify("Nothing to do: same folder, same name.", timeout=3)
            return None
        return await pane.client.move(doc.uid, target, name if name != doc.name else None)

    fields = [Field("target", "Into folder (path)", parent_path), Field("name", "Name", doc.name)]
    return await ask_until_done(
        pane, "Move / rename", fields, move, doing=f"move {doc.title}", submit="Move", note=f"Move or rename {doc.path}"
    )


class OperationRan:
    """An operation's result (None is a result too: the operation returned nothing)."""

    def __init__(self, value: Any):
        self.value = value


async def run_operation(pane: ServicePane[NuxeoClient], operations: list[Operation], doc: Document | None) -> None:
    """Pick an operation, fill in its parameters, run it on `doc` when it takes a document, and show the result."""
    op = await pane.app.push_screen_wait(OperationDialog(operations, doc.path if doc else ""))
    if op is None:
        return
    fields, names = operation_fields(op)
    inputs = [s.lower() for s in op.signature[::2]]
    on_doc = doc.path if doc is not None and (not inputs or any(i.startswith("document") for i in inputs)) else ""

    async def execute(values: dict[str, str]) -> OperationRan:
        params = {names[k]: v for k, v in values.items() if v != ""}
        return OperationRan(await pane.client.execute(op.id, input=f"doc:{on_doc}" if on_doc else None, params=params))

    ran: OperationRan | None
    if fields:
        on_what = f"Input: {on_doc}" if on_doc else "No input document"
        note = f"{op.description or op.label or ''}\n{on_what}".strip()
        ran = await ask_until_done(pane, f"Run {op.id}", fields, execute, doing=f"run {op.id}", submit="Run", note=note)
    else:
        try:
            ran = await execute({})
        except Exception as exc:
            pane.report(exc, f"run {op.id}")
            return
    if ran is not None:
        await pane.app.push_screen_wait(ResultDialog(f"{op.id} result", ran.value))


async def ask_trash(pane: ServicePane[NuxeoClient], doc: Document) -> bool:
    """Ask, then move `doc` to the trash (restorable, as in Nuxeo's Web UI); True once it is there."""
    what = "folder and everything in it" if doc.is_folderish else "document"
    question = f"Move the {what} “{doc.title}” ({doc.path}) to the trash?"
    if not await pane.app.push_screen_wait(ConfirmDialog(question, confirm="Trash")):
        return False
    try:
        await pane.client.trash(doc.uid)
    except Exception as exc:
        pane.report(exc, f"move {doc.title} to the trash")
        return False
    return True


async def restore(pane: ServicePane[NuxeoClient], doc: Document) -> Document | None:
    """Take `doc` out of the trash; the restored document, or None (the failure said)."""
    try:
        return await pane.client.untrash(doc.uid)
    except Exception as exc:
        pane.report(exc, f"restore {doc.title}")
        return None
