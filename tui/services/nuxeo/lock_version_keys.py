"""The lock toggle behind the Documents pane's `L` key, and the mixin holding its `L` and `V` keys. Kept apart from the
versions screen (`versions_view.py`), which is imported only when `V` is first pressed."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from textual import work

from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.models import Document

if TYPE_CHECKING:
    from textual.app import App


class Notifies(Protocol):
    """What the lock toggle needs of the pane: its client, and its ways of telling the user."""

    client: NuxeoClient

    def notify(self, message: str, **kwargs: Any) -> None: ...

    def report(self, error: BaseException, doing: str = "") -> None: ...


async def toggle_lock(pane: Notifies, doc: Document) -> Document | None:
    """Lock `doc`, or take its lock off when it has one (read afresh: someone may have locked it since it was
    listed). Returns the document as it now is, or None when the server refused (the pane said why)."""
    title = doc.title or doc.name
    doing = f"lock {title}"
    try:
        current = await pane.client.get(doc.uid, schemas="dublincore")
        if current.lock_owner:
            doing = f"unlock {title}"
            changed = await pane.client.unlock_document(doc.uid)
            mine = current.lock_owner == pane.client.username
            pane.notify(
                f"Unlocked {title}." if mine else f"Took {current.lock_owner}'s lock off {title}.",
                timeout=4,
                markup=False,
            )
        else:
            changed = await pane.client.lock_document(doc.uid)
            pane.notify(f"Locked {title}: nobody else can save it until you unlock it (L).", timeout=5, markup=False)
    except Exception as exc:
        pane.report(exc, doing)
        return None
    # the operation's answer has no children counts: a folder keeps the ones it had
    return replace(changed, child_count=doc.child_count, has_folderish_child=doc.has_folderish_child)


class LockAndVersionKeys:
    """The Documents pane's `L` (lock or unlock) and `V` (versions) actions, mixed into `DocumentsPane`."""

    if TYPE_CHECKING:
        client: NuxeoClient
        app: App[object]

        def selected_doc(self) -> Document | None: ...

        def show_updated(self, doc: Document) -> None: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def report(self, error: BaseException, doing: str = "") -> None: ...

    def action_toggle_lock(self) -> None:
        doc = self.selected_doc()
        if doc is not None:
            self.toggle_document_lock(doc)

    @work(exclusive=True, group="nuxeo-lock", exit_on_error=False)
    async def toggle_document_lock(self, doc: Document) -> None:
        changed = await toggle_lock(self, doc)
        if changed is not None:
            self.show_updated(changed)

    def action_versions(self) -> None:
        doc = self.selected_doc()
        if doc is not None:
            from tui.services.nuxeo.versions_view import VersionsScreen  # imported when first asked for

            self.app.push_screen(VersionsScreen(self.client, doc), self._version_restored)

    def _version_restored(self, restored: Document | None) -> None:
        if restored is not None:
            self.show_updated(restored)  # the tree's label and the details follow the restored version
