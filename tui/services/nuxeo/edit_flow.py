"""Editing a document from the Documents pane: which properties a person may edit, the draft kept on disk as they
type, the save with the change token, and the choice when someone else saved first."""

from __future__ import annotations

import re
import time
from typing import Any

from tui.http import ConflictError, ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import ConflictDialog, EditDocumentDialog, SaveResult
from tui.services.nuxeo.models import Document
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.pane import ServicePane

# Properties a person never edits by hand: the server maintains them.
READ_ONLY_PROPERTIES = {
    "dc:creator",
    "dc:created",
    "dc:modified",
    "dc:lastContributor",
    "dc:contributors",
    "dc:issued",
    "dc:valid",
    "dc:expired",
    "uid:uid",
    "uid:major_version",
    "uid:minor_version",
    "common:icon",
    "common:icon-expanded",
    "note:mime_type",
}
LONG_TEXT_PROPERTIES = {"dc:description", "note:note"}
PROPERTY_LABELS = {
    "dc:title": "Title",
    "dc:description": "Description",
    "dc:source": "Source",
    "dc:rights": "Rights",
    "dc:format": "Format",
    "dc:language": "Language",
    "dc:coverage": "Coverage",
    "dc:nature": "Nature",
    "note:note": "Note text",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")
KEPT_AS_DRAFT = "Your text is still here (and kept as a draft)."


def editable_keys(doc: Document) -> list[str]:
    """dc:title and dc:description first, then every other simple string property the server does not maintain."""
    keys = ["dc:title", "dc:description"]
    for key, value in doc.properties.items():
        if key in keys or key in READ_ONLY_PROPERTIES:
            continue
        if isinstance(value, str) and not _DATE.match(value):
            keys.append(key)
        elif value is None and key.startswith(("dc:", "note:")) and key not in ("dc:subjects",):
            keys.append(key)
    return keys


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


class EditSession:
    """One document being edited in `pane`: what the form started from, and the change token the save must carry."""

    def __init__(self, pane: ServicePane[NuxeoClient], doc: Document, keys: list[str]):
        self.pane = pane
        self.doc = doc
        self.keys = keys
        self.draft_key = pane.context.draft_key("nuxeo", doc.uid)
        self.original = {k: text_of(doc.properties.get(k)) for k in keys}
        self.token = doc.change_token
        self.labels: dict[str, str] = {}

    def keep_draft(self, props: dict[str, str]) -> None:
        """What is typed, on disk (nothing when it is what the form started from)."""
        if props == self.original:
            self.discard_draft()
        else:
            self.save_draft(props, self.token)

    def save_draft(self, props: dict[str, str], change_token: str | None) -> None:
        """Offered back the next time this document is edited."""
        self.pane.context.drafts.save(
            self.draft_key,
            {
                "uid": self.doc.uid,
                "path": self.doc.path,
                "title": self.doc.title,
                "change_token": change_token,
                "values": props,
            },
        )

    def discard_draft(self) -> None:
        self.pane.context.drafts.discard(self.draft_key)

    async def save(self, form: EditDocumentDialog, props: dict[str, str]) -> SaveResult:
        changed = {k: v for k, v in props.items() if v != self.original.get(k)}
        if not changed:
            self.discard_draft()
            return ("saved", None)
        self.keep_draft(props)  # on disk before the request: a crash mid-save loses nothing
        try:
            doc = await self.pane.client.update(self.doc.uid, changed, change_token=self.token)
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
        theirs = {k: text_of(theirs_doc.properties.get(k)) for k in self.keys}
        choice = await self.pane.app.push_screen_wait(
            ConflictDialog(self.doc.title, list(props), self.labels, theirs, props, who=theirs_doc.author or "")
        )
        if choice == "reload":
            # yours stays on disk as a draft, now based on their version (offered back on the next `e`)
            self.save_draft(props, theirs_doc.change_token)
            return ("reloaded", theirs_doc)
        if choice == "overwrite":
            try:
                doc = await self.pane.client.update(self.doc.uid, props, change_token=None)
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
    keys = editable_keys(fresh)
    session = EditSession(pane, fresh, keys)
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
                    session.original.setdefault(key, text_of(fresh.properties.get(key)))
                values[key] = value
            note = "Your draft is restored. Save (ctrl+s) to keep it, Escape to discard it."
        else:
            session.discard_draft()
    note = note or "What you type is kept as a draft until you save (ctrl+s) or discard it (Escape)."
    session.labels = {k: PROPERTY_LABELS.get(k, k) + ("" if k not in PROPERTY_LABELS else f"  ({k})") for k in keys}
    dialog = EditDocumentDialog(
        f"Edit {fresh.title}  ({fresh.path})",
        keys,
        session.labels,
        values,
        session.original,
        multiline=LONG_TEXT_PROPERTIES,
        save=session.save,
        on_change=session.keep_draft,
        on_discard=session.discard_draft,
        note=note,
    )
    await pane.app.push_screen_wait(dialog)
    if dialog.outcome is None:
        return None
    outcome, new_doc = dialog.outcome
    if outcome == "saved":
        pane.notify(f"Saved {new_doc.title if new_doc else fresh.title}.", timeout=3, markup=False)
    elif outcome == "reloaded":
        pane.notify("Showing their version. Your edits are kept as a draft: press e to get them back.", timeout=8)
    return new_doc
