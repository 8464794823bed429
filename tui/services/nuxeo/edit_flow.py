"""Editing a document from the Documents pane: every property a person may change, each with an editor chosen from
the document type's schemas (`property_editors.py`), the draft kept on disk as they type, what was typed checked
before anything is sent, the save with the change token (and a new version when asked), the choice when someone
else saved first, and a warning when someone else holds the document's lock."""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from tui.http import ConflictError, ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import ConflictDialog, EditDocumentDialog, SaveResult
from tui.services.nuxeo.locks_versions import lock_text
from tui.services.nuxeo.models import Document
from tui.services.nuxeo.property_editors import InvalidValue, PropertyEditor, editors_for
from tui.services.nuxeo.schemas import DocType
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.pane import ServicePane

KEPT_AS_DRAFT = "Your text is still here (and kept as a draft)."

# Document types do not change while the app runs: each is asked for once per connection.
_doc_types: WeakKeyDictionary[NuxeoClient, dict[str, DocType]] = WeakKeyDictionary()


async def doc_type_of(client: NuxeoClient, type_name: str) -> DocType | None:
    """The document type's description, or None when the server would not give it (the editors then guess each
    property's type from its value)."""
    known = _doc_types.setdefault(client, {})
    if type_name not in known:
        try:
            known[type_name] = await client.document_type(type_name)
        except ServiceError:
            return None
    return known[type_name]


def edit_draft_key(pane: ServicePane[NuxeoClient], doc: Document) -> str:
    return pane.context.draft_key("nuxeo", doc.uid)


def save_edit_draft(
    pane: ServicePane[NuxeoClient], doc: Document, values: dict[str, str], change_token: str | None
) -> None:
    """Unsaved edits of `doc` (the form's texts by property), offered back the next time it is edited."""
    pane.context.drafts.save(
        edit_draft_key(pane, doc),
        {"uid": doc.uid, "path": doc.path, "title": doc.title, "change_token": change_token, "values": values},
    )


class EditSession:
    """One document being edited in `pane`: its editors, what the form started from, and the change token the save
    must carry."""

    def __init__(self, pane: ServicePane[NuxeoClient], doc: Document, editors: list[PropertyEditor]):
        self.pane = pane
        self.doc = doc
        self.editors = {e.key: e for e in editors}
        self.keys = [e.key for e in editors]
        self.draft_key = edit_draft_key(pane, doc)
        self.original = self.texts_of(doc)
        self.token = doc.change_token
        self.labels = {e.key: e.label for e in editors}
        self.versioning = "none"  # what the last save asked for

    def texts_of(self, doc: Document) -> dict[str, str]:
        """The form's text of each edited property of `doc`."""
        return {k: e.text_of(doc.properties.get(k)) for k, e in self.editors.items()}

    def values_of(self, texts: dict[str, str]) -> dict[str, Any]:
        """What to send for these texts; InvalidValue naming every field that does not fit, in one sentence."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for key, text in texts.items():
            editor = self.editors.get(key)
            if editor is None:  # a property from a draft the type no longer has: sent as typed
                values[key] = text
                continue
            try:
                values[key] = editor.value_of(text)
            except InvalidValue as exc:
                problems.append(str(exc))
        if problems:
            raise InvalidValue("; ".join(problems))
        return values

    def keep_draft(self, props: dict[str, str]) -> None:
        """What is typed, on disk (nothing when it is what the form started from)."""
        if props == self.original:
            self.discard_draft()
        else:
            self.save_draft(props, self.token)

    def save_draft(self, props: dict[str, str], change_token: str | None) -> None:
        save_edit_draft(self.pane, self.doc, props, change_token)

    def discard_draft(self) -> None:
        self.pane.context.drafts.discard(self.draft_key)

    async def update(self, values: dict[str, Any], change_token: str | None, versioning: str) -> Document:
        self.versioning = versioning
        return await self.pane.client.update(self.doc.uid, values, change_token=change_token, versioning=versioning)

    async def save(self, form: EditDocumentDialog, props: dict[str, str]) -> SaveResult:
        changed = {k: v for k, v in props.items() if v != self.original.get(k)}
        versioning = form.versioning_choice()
        if not changed and versioning == "none":
            self.discard_draft()
            return ("saved", None)
        try:
            values = self.values_of(changed)
        except InvalidValue as exc:  # nothing is sent: the form says what to fix, the text stays
            form.show_error(f"Not saved: {exc}.")
            return ("stay", None)
        self.keep_draft(props)  # on disk before the request: a crash mid-save loses nothing
        try:
            doc = await self.update(values, self.token, versioning)
        except ConflictError:
            return await self.resolve_conflict(form, props)
        except Exception as exc:
            return self.not_saved(form, exc)
        self.discard_draft()
        return ("saved", doc)

    async def resolve_conflict(self, form: EditDocumentDialog, props: dict[str, str]) -> SaveResult:
        try:
            theirs_doc = await self.pane.client.get(self.doc.uid, schemas="*")
        except ServiceError as exc:
            form.show_error(f"Not saved: someone changed it, and their version could not be read: {exc.readable}")
            return ("stay", None)
        theirs = self.texts_of(theirs_doc)
        choice = await self.pane.app.push_screen_wait(
            ConflictDialog(self.doc.title, list(props), self.labels, theirs, props, who=theirs_doc.author or "")
        )
        if choice == "reload":
            # yours stays on disk as a draft, now based on their version (offered back on the next `e`)
            self.save_draft(props, theirs_doc.change_token)
            return ("reloaded", theirs_doc)
        if choice == "overwrite":
            try:
                # only what differs from theirs, so their other changes stay
                values = self.values_of({k: v for k, v in props.items() if v != theirs.get(k)})
                doc = await self.update(values, None, form.versioning_choice())
            except InvalidValue as exc:
                form.show_error(f"Not saved: {exc}.")
                return ("stay", None)
            except Exception as exc:
                return self.not_saved(form, exc)
            self.discard_draft()
            return ("saved", doc)
        form.show_error("Not saved yet: the document changed on the server. Save again to see the choices.")
        return ("stay", None)

    def not_saved(self, form: EditDocumentDialog, exc: Exception) -> SaveResult:
        """The form stays open with one sentence saying why (an unexpected failure is also reported)."""
        if isinstance(exc, ServiceError):
            form.show_error(f"Not saved: {exc.readable} {KEPT_AS_DRAFT}")
        else:
            self.pane.report(exc, f"save {self.doc.title}")
            form.show_error(f"Not saved. {KEPT_AS_DRAFT}")
        return ("stay", None)


async def edit_document(pane: ServicePane[NuxeoClient], doc: Document) -> Document | None:
    """Edit a fresh copy of `doc`, offering a draft back if there is one. Returns the document to show afterwards
    (saved, or their version after a conflict), or None. Must run in a worker (it waits for the dialogs)."""
    try:
        fresh = await pane.client.get(doc.uid, schemas="*")
    except Exception as exc:
        pane.report(exc, f"open {doc.title} for editing")
        return None
    holder = await pane.client.other_lock_holder(fresh.lock_owner)
    if holder and not await pane.app.push_screen_wait(
        ConfirmDialog(
            f"“{fresh.title}” is locked by {lock_text(fresh)}: edit it anyway? "
            "Saving may be refused while it is locked.",
            confirm="Edit anyway",
        )
    ):
        return None
    session = EditSession(pane, fresh, editors_for(fresh, await doc_type_of(pane.client, fresh.type)))
    keys = session.keys
    values = dict(session.original)
    note = ""
    draft = pane.context.drafts.load(session.draft_key)
    if draft is not None and draft.data.get("values"):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(draft.saved_at))
        restore = await pane.app.push_screen_wait(
            ConfirmDialog(
                f"Restore draft? You have unsaved edits of “{fresh.title}” from {when}.", confirm="Restore draft"
            )
        )
        if restore:
            for key, value in draft.data["values"].items():
                if key not in keys:
                    keys.append(key)
                    session.original.setdefault(key, str(fresh.properties.get(key) or ""))
                values[key] = str(value)
            note = "Your draft is restored. Save (ctrl+s) to keep it, Escape to discard it."
        else:
            session.discard_draft()
    note = note or "What you type is kept as a draft until you save (ctrl+s) or discard it (Escape)."
    dialog = EditDocumentDialog(
        f"Edit {fresh.title}  ({fresh.path})",
        keys,
        session.labels,
        values,
        session.original,
        widgets={k: e.widget for k, e in session.editors.items()},
        save=session.save,
        on_change=session.keep_draft,
        on_discard=session.discard_draft,
        note=note,
        versioning="Versionable" in fresh.facets,
    )
    await pane.app.push_screen_wait(dialog)
    if dialog.outcome is None:
        return None
    outcome, new_doc = dialog.outcome
    if outcome == "saved":
        asked = session.versioning != "none" and new_doc is not None and new_doc.version_label
        version = f" as version {new_doc.version_label.rstrip('+')}" if asked and new_doc else ""
        pane.notify(f"Saved {new_doc.title if new_doc else fresh.title}{version}.", timeout=3, markup=False)
    elif outcome == "reloaded":
        pane.notify("Showing their version. Your edits are kept as a draft: press e to get them back.", timeout=8)
    return new_doc
