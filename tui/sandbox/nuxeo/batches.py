"""Upload batches (files sent ahead of the request that uses them) and authentication tokens, in the repository's
SQLite file: each a table of its own, beside the documents."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tui.sandbox.common import iso_utc
from tui.sandbox.nuxeo.errors import NuxeoHTTPError


class UploadBatches:
    """`/api/v1/upload`: a batch holds numbered files; their bytes go to the blob table (`store_blob`)."""

    def __init__(self, db: sqlite3.Connection, store_blob: Callable[[bytes], str]):
        self.db = db
        self.store_blob = store_blob

    def new(self) -> str:
        batch_id = "batchId-" + str(uuid.uuid4())
        self.db.execute("INSERT INTO batches (batch_id, created) VALUES (?, ?)", (batch_id, iso_utc(datetime.now(UTC))))
        return batch_id

    def exists(self, batch_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)).fetchone() is not None

    def add_file(self, batch_id: str, file_idx: str, name: str, mime_type: str, data: bytes) -> None:
        digest = self.store_blob(data)
        self.db.execute(
            "INSERT OR REPLACE INTO batch_files (batch_id, file_idx, name, mime_type, length, digest)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (batch_id, file_idx, name, mime_type, len(data), digest),
        )

    def files(self, batch_id: str) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.db.execute(
            "SELECT * FROM batch_files WHERE batch_id = ? ORDER BY CAST(file_idx AS INTEGER)", (batch_id,)
        ).fetchall()
        return rows

    def file(self, batch_id: str, file_idx: str) -> dict[str, Any]:
        """The blob metadata of one uploaded file (as a blob property stores it); 404 when absent."""
        row = self.db.execute(
            "SELECT * FROM batch_files WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx)
        ).fetchone()
        if row is None:
            raise NuxeoHTTPError(404, f"Batch {batch_id} has no file {file_idx}")
        return {"name": row["name"], "mime-type": row["mime_type"], "digest": row["digest"], "length": row["length"]}

    def drop(self, batch_id: str, file_idx: str | None = None) -> None:
        """Forget a whole batch, or one file of it."""
        if file_idx is None:
            self.db.execute("DELETE FROM batch_files WHERE batch_id = ?", (batch_id,))
            self.db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))
        else:
            self.db.execute("DELETE FROM batch_files WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx))


class Tokens:
    """`/authentication/token`: one token per (user, application, device), until revoked."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def issue(self, username: str, application: str, device_id: str, permission: str) -> str:
        row = self.db.execute(
            "SELECT token FROM tokens WHERE username = ? AND application = ? AND device_id = ?",
            (username, application, device_id),
        ).fetchone()
        if row:
            return str(row[0])
        token = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO tokens (token, username, application, device_id, permission, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (token, username, application, device_id, permission, iso_utc(datetime.now(UTC))),
        )
        return token

    def revoke(self, username: str, application: str, device_id: str) -> None:
        self.db.execute(
            "DELETE FROM tokens WHERE username = ? AND application = ? AND device_id = ?",
            (username, application, device_id),
        )

    def user_of(self, token: str) -> str | None:
        row = self.db.execute("SELECT username FROM tokens WHERE token = ?", (token,)).fetchone()
        return str(row[0]) if row else None
