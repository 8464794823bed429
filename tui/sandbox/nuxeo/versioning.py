"""Locks and versions, as a Nuxeo repository keeps them.

Locks: one per document (owner, when), set by `Document.Lock` and taken off by `Document.Unlock`. Nuxeo refuses a
second lock, even the owner's ("Document already locked by ..."), and lets only the owner or an administrator unlock.
A document locked by someone else cannot be saved by anyone but an administrator: Nuxeo's lock security policy
denies the write permission, so the save fails with 403 "Privilege 'WriteProperties' is not granted to '<user>'".

Versions: a versionable document (the `Versionable` facet) carries `uid:major_version` and `uid:minor_version`;
checking it in (a save with a versioning option, `Document.CheckIn`, `Document.CreateVersion`) bumps one of them and
freezes a copy, the version: read-only, its own uid, the live document's path, no parent of its own. The label is
"major.minor", with "+" while the live document is checked out (changed since its last version), "0.0" never
having a "+". A save of a checked-in document checks it out again. Restoring a version copies it onto the live
document, which is then checked in at the version's numbers.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Protocol

from tui.sandbox.nuxeo.directory import UserDirectory
from tui.sandbox.nuxeo.doctypes import facets_of
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.schema import DOC_COLUMNS, Doc


class Repository(Protocol):
    """What these functions need of `store.Repository` (which calls them, so they cannot import it)."""

    db: sqlite3.Connection
    directory: UserDirectory

    def by_uid(self, uid: str) -> Doc | None: ...


def is_administrator(repo: Repository, username: str) -> bool:
    """From the directory, so a user created in the administrators group counts, as a seeded one does."""
    user = repo.directory.user(username)
    return user is not None and user.is_administrator


MAJOR = "uid:major_version"
MINOR = "uid:minor_version"
VERSIONING_OPTIONS = ("none", "minor", "major")


def is_versionable_type(type_name: str) -> bool:
    return "Versionable" in facets_of(type_name)


def is_versionable(doc: Doc) -> bool:
    return is_versionable_type(doc.type)


def numbers(doc: Doc) -> tuple[int, int]:
    """(major, minor); a document saved before it had version numbers is at 0.0."""
    major, minor = doc.properties.get(MAJOR), doc.properties.get(MINOR)
    return (major if isinstance(major, int) else 0), (minor if isinstance(minor, int) else 0)


def version_label(doc: Doc) -> str:
    """ "0.1", "1.0+", ...; "" for a type that is not versionable (Nuxeo finds no version property to read)."""
    if not is_versionable(doc):
        return ""
    major, minor = numbers(doc)
    label = f"{major}.{minor}"
    return label + "+" if doc.checked_out and not doc.is_version and label != "0.0" else label


def versioning_option(value: str | None) -> str:
    """The `X-Versioning-Option` header (MAJOR, MINOR or NONE, any case) as "major", "minor" or "none"."""
    option = (value or "none").strip().lower()
    if option not in VERSIONING_OPTIONS:
        raise NuxeoHTTPError(400, f"Unknown versioning option {value}: use MAJOR, MINOR or NONE")
    return option


# -- saving ---------------------------------------------------------------------------------------------------------


def refuse_change(repo: Repository, doc: Doc, user: str) -> None:
    """Raise as Nuxeo does when `user` may not save `doc`: a version never changes, and a document locked by someone
    else may only be saved by an administrator."""
    if doc.is_version:
        raise NuxeoHTTPError(400, f"Cannot set property on a version: {doc.uid}")
    if doc.lock_owner and doc.lock_owner != user and not is_administrator(repo, user):
        raise NuxeoHTTPError(403, f"Privilege 'WriteProperties' is not granted to '{user}'")


# -- locks ----------------------------------------------------------------------------------------------------------


def lock(repo: Repository, doc: Doc, user: str, when: str) -> Doc:
    if doc.lock_owner and doc.lock_owner != user and not is_administrator(repo, user):
        raise NuxeoHTTPError(403, f"Privilege 'WriteProperties' is not granted to '{user}'")
    if doc.lock_owner:
        raise NuxeoHTTPError(500, f"Document already locked by {doc.lock_owner}: {doc.uid}")
    repo.db.execute("UPDATE documents SET lock_owner = ?, lock_created = ? WHERE uid = ?", (user, when, doc.uid))
    return repo.by_uid(doc.uid)  # type: ignore[return-value]


def unlock(repo: Repository, doc: Doc, user: str) -> Doc:
    """Take the lock off (nothing to do when there is none); only its owner or an administrator may."""
    if not doc.lock_owner:
        return doc
    if doc.lock_owner != user and not is_administrator(repo, user):
        raise NuxeoHTTPError(500, f"Document already locked by {doc.lock_owner}: {doc.uid}")
    repo.db.execute("UPDATE documents SET lock_owner = NULL, lock_created = NULL WHERE uid = ?", (doc.uid,))
    return repo.by_uid(doc.uid)  # type: ignore[return-value]


# -- versions -------------------------------------------------------------------------------------------------------


def check_in(repo: Repository, doc: Doc, option: str, when: str) -> Doc:
    """Make a version of `doc` ("minor" or "major" bumps that number); the live document is checked in at the new
    numbers. Returns the new version."""
    if doc.is_version:
        raise NuxeoHTTPError(400, f"Cannot check in a version: {doc.uid}")
    if not is_versionable(doc):
        raise NuxeoHTTPError(400, f"The document (id:'{doc.uid}') with title '{doc.title}' is not versionable")
    major, minor = numbers(doc)
    major, minor = (major + 1, 0) if option == "major" else (major, minor + 1)
    props = dict(doc.properties, **{MAJOR: major, MINOR: minor})
    version_uid = str(uuid.uuid4())
    repo.db.execute("BEGIN")
    try:
        repo.db.execute(
            "UPDATE documents SET properties = ?, checked_out = 0, change_token = change_token + 1 WHERE uid = ?",
            (json.dumps(props), doc.uid),
        )
        # the frozen copy: no parent (no folder lists it), a path column no path query matches
        repo.db.execute(
            "INSERT INTO documents (uid, parent_uid, path, name, type, state, title, folderish, properties,"
            " change_token, created, modified, pos, is_trashed, fulltext, is_version, version_of, checked_out)"
            " SELECT ?, NULL, ?, name, type, state, title, folderish, ?, 0, ?, modified, 0, 0, fulltext, 1, uid, 0"
            " FROM documents WHERE uid = ?",
            (version_uid, f"version:{version_uid}", json.dumps(props), when, doc.uid),
        )
        repo.db.execute("COMMIT")
    except BaseException:
        repo.db.execute("ROLLBACK")
        raise
    return repo.by_uid(version_uid)  # type: ignore[return-value]


def versions_of(repo: Repository, doc: Doc) -> list[Doc]:
    """The versions of a live document (or of a version's live document), oldest first."""
    live_uid = doc.version_of if doc.is_version else doc.uid
    rows = repo.db.execute(
        f"SELECT {DOC_COLUMNS} FROM documents WHERE version_of = ? AND is_version = 1", (live_uid,)
    ).fetchall()
    return sorted((Doc.from_row(row) for row in rows), key=lambda v: (*numbers(v), v.created))


def live_of(repo: Repository, version: Doc) -> Doc:
    live = repo.by_uid(version.version_of or "") if version.is_version else None
    if live is None:
        raise NuxeoHTTPError(404, f"The live document of version {version.uid} is gone")
    return live


def restore(repo: Repository, version: Doc, user: str, when: str, *, snapshot: bool, checkout: bool) -> Doc:
    """Copy `version` onto its live document, as `Document.RestoreVersion` does: `snapshot` first versions the live
    document when it changed since its last version; `checkout` leaves it checked out ("1.0+") rather than at the
    version's label. Returns the live document."""
    if not version.is_version:
        raise NuxeoHTTPError(400, f"Document {version.uid} is not a version: restore one of its versions")
    live = live_of(repo, version)
    refuse_change(repo, live, user)
    if snapshot and live.checked_out:
        check_in(repo, live, "minor", when)
    repo.db.execute(
        "UPDATE documents SET properties = ?, title = ?, modified = ?, fulltext = ?, checked_out = ?,"
        " change_token = change_token + 1 WHERE uid = ?",
        (
            json.dumps(version.properties),
            version.title,
            version.modified,
            repo.db.execute("SELECT fulltext FROM documents WHERE uid = ?", (version.uid,)).fetchone()[0],
            int(checkout),
            live.uid,
        ),
    )
    return repo.by_uid(live.uid)  # type: ignore[return-value]
