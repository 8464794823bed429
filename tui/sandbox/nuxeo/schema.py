"""The sandbox's SQLite schema (documents, blobs, upload batches, tokens) and `Doc`, one row of the documents table.

Versions are rows of the documents table too (`is_version`, `version_of` the live document's uid): they have no parent
(so no folder lists them) and a path column of their own that no path query matches; they are shown with the live
document's path, as Nuxeo does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from tui.sandbox.nuxeo.doctypes import is_folderish


@dataclass
class Doc:
    """One row of the documents table, properties decoded."""

    uid: str
    parent_uid: str | None
    path: str
    name: str
    type: str
    state: str
    title: str
    properties: dict[str, Any]
    change_token: int
    created: str
    modified: str
    pos: int
    is_trashed: bool
    lock_owner: str | None = None
    lock_created: str | None = None
    is_version: bool = False
    version_of: str | None = None  # a version's live document
    checked_out: bool = True

    @property
    def folderish(self) -> bool:
        return is_folderish(self.type)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Doc:
        return cls(
            uid=row["uid"],
            parent_uid=row["parent_uid"],
            path=row["path"],
            name=row["name"],
            type=row["type"],
            state=row["state"],
            title=row["title"],
            properties=json.loads(row["properties"]),
            change_token=row["change_token"],
            created=row["created"],
            modified=row["modified"],
            pos=row["pos"],
            is_trashed=bool(row["is_trashed"]),
            lock_owner=row["lock_owner"],
            lock_created=row["lock_created"],
            is_version=bool(row["is_version"]),
            version_of=row["version_of"],
            checked_out=bool(row["checked_out"]),
        )


DOC_COLUMNS = (
    "uid, parent_uid, path, name, type, state, title, properties, change_token, created, modified, pos, is_trashed,"
    " lock_owner, lock_created, is_version, version_of, checked_out"
)
# Columns added after the first release: a database made before them gets them on open (`add_missing_columns`).
LATER_COLUMNS = {
    "lock_owner": "TEXT",
    "lock_created": "TEXT",
    "is_version": "INTEGER NOT NULL DEFAULT 0",
    "version_of": "TEXT",
    "checked_out": "INTEGER NOT NULL DEFAULT 1",
}

SCHEMA_SQL = """
CREATE TABLE documents (
    uid TEXT PRIMARY KEY,
    parent_uid TEXT,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    folderish INTEGER NOT NULL,
    properties TEXT NOT NULL,
    change_token INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    pos INTEGER NOT NULL DEFAULT 0,
    is_trashed INTEGER NOT NULL DEFAULT 0,
    fulltext TEXT NOT NULL DEFAULT '',
    lock_owner TEXT,
    lock_created TEXT,
    is_version INTEGER NOT NULL DEFAULT 0,
    version_of TEXT,
    checked_out INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE blobs (digest TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE batches (batch_id TEXT PRIMARY KEY, created TEXT NOT NULL);
CREATE TABLE batch_files (
    batch_id TEXT NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
    file_idx TEXT NOT NULL,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    length INTEGER NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (batch_id, file_idx)
);
CREATE TABLE tokens (
    token TEXT PRIMARY KEY, username TEXT NOT NULL, application TEXT, device_id TEXT, permission TEXT, created TEXT
);
"""
# The children orders, uid last, after the trash flag (a folder lists what is not in the trash): a page is read from
# the index alone (no sort, no table rows for skipped entries). The first indexes had no trash flag: dropped.
INDEXES_SQL = """
DROP INDEX IF EXISTS documents_children_by_title;
DROP INDEX IF EXISTS documents_children_by_position;
CREATE INDEX IF NOT EXISTS documents_live_children_by_title
    ON documents (parent_uid, is_trashed, folderish DESC, title COLLATE NOCASE, uid);
CREATE INDEX IF NOT EXISTS documents_live_children_by_position ON documents (parent_uid, is_trashed, pos, uid);
CREATE INDEX IF NOT EXISTS documents_versions ON documents (version_of) WHERE version_of IS NOT NULL;
"""


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a documents table made by an earlier release up to date (new columns take their defaults)."""
    present = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    for name, declaration in LATER_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE documents ADD COLUMN {name} {declaration}")
