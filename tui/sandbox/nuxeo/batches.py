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

# A file sent in chunks: each chunk kept until the last arrives, then the file is put together (and the chunk list
# stays, so the file still reports itself as chunked, as Nuxeo's does).
CHUNKS_SQL = """
CREATE TABLE IF NOT EXISTS batch_chunks (
    batch_id TEXT NOT NULL, file_idx TEXT NOT NULL, chunk_idx INTEGER NOT NULL, chunk_count INTEGER NOT NULL,
    file_size INTEGER NOT NULL, name TEXT NOT NULL, mime_type TEXT NOT NULL, data BLOB,
    PRIMARY KEY (batch_id, file_idx, chunk_idx)
);
"""


class UploadBatches:
    """`/api/v1/upload`: a batch holds numbered files; their bytes go to the blob table (`store_blob`)."""

    def __init__(self, db: sqlite3.Connection, store_blob: Callable[[bytes], str]):
        self.db = db
        self.store_blob = store_blob
        self.db.executescript(CHUNKS_SQL)

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

    def add_chunk(
        self, batch_id: str, file_idx: str, chunk: tuple[int, int], file_size: int, name: str, mime: str, data: bytes
    ) -> list[int]:
        """Keep chunk `chunk[0]` of `chunk[1]`; with the last one in, the file is put together. -> the chunks in."""
        index, count = chunk
        if not 0 <= index < count:
            raise NuxeoHTTPError(400, f"Chunk {index} is not one of the {count} chunks announced")
        self.db.execute(
            "INSERT OR REPLACE INTO batch_chunks"
            " (batch_id, file_idx, chunk_idx, chunk_count, file_size, name, mime_type, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, file_idx, index, count, file_size, name, mime, data),
        )
        done = self.chunks(batch_id, file_idx)[0]
        if len(done) == count:
            rows = self.db.execute(
                "SELECT data FROM batch_chunks WHERE batch_id = ? AND file_idx = ? ORDER BY chunk_idx",
                (batch_id, file_idx),
            ).fetchall()
            self.add_file(batch_id, file_idx, name, mime, b"".join(bytes(r[0]) for r in rows))
            self.db.execute(
                "UPDATE batch_chunks SET data = NULL WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx)
            )
        return done

    def chunks(self, batch_id: str, file_idx: str) -> tuple[list[int], int, int, str]:
        """(chunk indexes received, chunk count, announced file size, file name); ([], 0, 0, "") for a file not
        sent in chunks."""
        rows = self.db.execute(
            "SELECT chunk_idx, chunk_count, file_size, name FROM batch_chunks WHERE batch_id = ? AND file_idx = ?"
            " ORDER BY chunk_idx",
            (batch_id, file_idx),
        ).fetchall()
        if not rows:
            return [], 0, 0, ""
        return [int(r[0]) for r in rows], int(rows[0][1]), int(rows[0][2]), str(rows[-1][3])

    def file_indexes(self, batch_id: str) -> list[str]:
        """Every file of the batch, finished or still arriving in chunks, in index order."""
        rows = self.db.execute(
            "SELECT file_idx FROM batch_files WHERE batch_id = ? UNION SELECT file_idx FROM batch_chunks"
            " WHERE batch_id = ?",
            (batch_id, batch_id),
        ).fetchall()
        return sorted((str(r[0]) for r in rows), key=lambda i: (len(i), i))

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
            self.db.execute("DELETE FROM batch_chunks WHERE batch_id = ?", (batch_id,))
            self.db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))
        else:
            self.db.execute("DELETE FROM batch_files WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx))
            self.db.execute("DELETE FROM batch_chunks WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx))


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
