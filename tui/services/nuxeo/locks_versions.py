"""The Nuxeo client's calls on locks and versions (a part of `NuxeoClient`, kept beside it).

Locks: `Document.Lock` / `Document.Unlock`. Nuxeo's own refusals do not say who holds the lock (a save answers
"Privilege 'WriteProperties' is not granted", a second lock "Document already locked by ..." with HTTP 500), so on a
refusal the client reads the lock and says who has held it since when.

Versions: `Document.GetVersions` lists them, `Document.RestoreVersion` copies one onto the live document; a save makes
one with the `X-Versioning-Option` header (`NuxeoClient.update(..., versioning="minor")`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.http import AuthError, BadRequestError, ServiceError
from tui.services.nuxeo.models import Document, DocumentPage, readable_time
from tui.services.nuxeo.wire import SERVICE, PageWire, checked

# What documents are fetched with: who holds the lock and since when, and the version label ("0.1", "1.0+")
FETCH_DOCUMENT = "lock,versionLabel"
VERSIONING_OPTIONS = ("none", "minor", "major")


def versioning_header(versioning: str | None) -> dict[str, str]:
    """The `X-Versioning-Option` header for "minor" or "major" (none for None or "none")."""
    option = (versioning or "none").lower()
    if option not in VERSIONING_OPTIONS:
        raise BadRequestError(f"Unknown versioning choice {versioning!r}: use none, minor or major.", service=SERVICE)
    return {} if option == "none" else {"X-Versioning-Option": option.upper()}


def lock_text(doc: Document) -> str:
    """ "jdoe since 2026-11-30 09:17:13 UTC" (or just the owner when the server gave no date)."""
    since = readable_time(doc.lock_created)
    return f"{doc.lock_owner} since {since}" if since else doc.lock_owner


class LockedError(ServiceError):
    """Someone else holds the document's lock: it cannot be saved, locked or unlocked by this user."""

    default_hint = "Ask whoever holds the lock to unlock it, or an administrator."


def held_by_other(doc: Document, *, prefix: str = "", hint: str = "") -> LockedError:
    what = doc.title or doc.name or doc.path
    return LockedError(
        f"{prefix}“{what}” is locked by {lock_text(doc)}.",
        status=403,
        service=SERVICE,
        hint=hint or f"Ask {doc.lock_owner} to unlock it, or an administrator.",
    )


class LockAndVersionCalls:
    """Mixed into `NuxeoClient`: the lock and version calls, over its `get` and `execute`."""

    if TYPE_CHECKING:
        username: str

        async def get(self, ref: str, *, schemas: str = "*", enrichers: tuple[str, ...] = ()) -> Document: ...

        async def execute(
            self,
            operation_id: str,
            *,
            input: str | None = None,
            params: dict[str, Any] | None = None,
            context: dict[str, Any] | None = None,
            reads: bool = False,
        ) -> Any: ...

        async def _document_operation(
            self, operation_id: str, uid: str, params: dict[str, Any] | None = None
        ) -> Document: ...

        async def current_user(self) -> Any: ...

    # -- locks --------------------------------------------------------------------------------------------------------

    async def lock_document(self, uid: str) -> Document:
        """Lock a document for the signed-in user; one already locked by them is returned as it is."""
        try:
            return await self._document_operation("Document.Lock", uid)
        except ServiceError:
            doc = await self._locked(uid)
            if doc is None:
                raise
            if doc.lock_owner == await self._me():
                return doc
            raise held_by_other(doc) from None

    async def unlock_document(self, uid: str) -> Document:
        """Take the lock off a document: the lock's owner or an administrator may."""
        try:
            return await self._document_operation("Document.Unlock", uid)
        except ServiceError as exc:
            doc = await self._locked(uid)
            if doc is None or doc.lock_owner == await self._me():
                raise exc from None
            raise held_by_other(doc, hint=f"Only {doc.lock_owner} or an administrator can unlock it.") from None

    async def _save_refusal(self, uid: str, error: ServiceError) -> ServiceError:
        """What to say when a save was refused (HTTP 403): the lock's holder when someone else holds one, else
        `error` as it was."""
        doc = await self._locked(uid)
        if doc is None or doc.lock_owner == await self._me():
            return error
        return held_by_other(doc, prefix="Nuxeo refused to save it: ")

    async def _locked(self, uid: str) -> Document | None:
        """The document when it is locked (by anyone), else None; None too when it cannot be read."""
        try:
            doc = await self.get(uid, schemas="dublincore")
        except ServiceError:
            return None
        return doc if doc.lock_owner else None

    async def other_lock_holder(self, lock_owner: str) -> str:
        """`lock_owner` when it is someone other than the signed-in user, else "" (nobody holds it, or we do)."""
        if not lock_owner:
            return ""
        return "" if lock_owner == await self._me() else lock_owner

    async def _me(self) -> str:
        if self.username:
            return self.username
        try:
            return str((await self.current_user()).username)
        except ServiceError:
            return ""

    # -- versions -----------------------------------------------------------------------------------------------------

    async def versions(self, uid: str) -> list[Document]:
        """The versions of a document, oldest first (each read-only, with its own uid and `version_label`)."""
        reply = await self.execute("Document.GetVersions", input=uid, reads=True)
        what = "POST site/automation/Document.GetVersions"
        return DocumentPage.from_wire(checked(reply, PageWire, what), reply).entries

    async def restore_version(self, uid: str, version_uid: str) -> Document:
        """Copy a version of document `uid` onto it; returns the live document, now at that version's label."""
        version = await self.get(version_uid, schemas="dublincore")
        if not version.is_version or version.raw.get("versionableId") not in (None, uid):
            raise BadRequestError(f"{version.title or version_uid} is not a version of this document.", service=SERVICE)
        try:
            return await self._document_operation("Document.RestoreVersion", version_uid)
        except AuthError as exc:  # someone else holds the document's lock
            raise await self._save_refusal(uid, exc) from None
