"""The sandbox's SQLite schema (documents, blobs, upload batches, tokens) and `Doc`, one row of the documents table."""

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
        )


DOC_COLUMNS = (
    "uid, parent_uid, path, name, type, state, title, properties, change_token, created, modified, pos, is_trashed"
)

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
    fulltext TEXT NOT NULL DEFAULT ''
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
# The children orders, uid last: a page is read from the index alone (no sort, no table rows for skipped entries).
INDEXES_SQL = """
CREATE INDEX IF NOT EXISTS documents_children_by_title
    ON documents (parent_uid, folderish DESC, title COLLATE NOCASE, uid);
CREATE INDEX IF NOT EXISTS documents_children_by_position ON documents (parent_uid, pos, uid);
"""
