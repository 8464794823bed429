"""Queued messages in SQLite: every message a queue holds is a row until each of its consumers has been sent it.

A publish is acknowledged only after its row is committed, so a server killed with kill -9 loses no acknowledged
message; rows are deleted after the socket write (in batches), so a kill can make a message go out twice, which the
envelope id (`q<seq>`, the same on every delivery) lets a consumer recognise. Temporary queues live here too while
their connection does, and are forgotten at start-up.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, event BLOB NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS queue_messages_by_queue ON queue_messages (queue, seq);
"""
TEMPORARY_PREFIX = "tmp."
Row = tuple[int, bytes, float]  # seq, the serialized QueueEvent, expires_at (0: never)


class QueueLog:
    def __init__(self, path: Path | str):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # a commit survives the process being killed
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        with self.lock:
            self.db.execute("DELETE FROM queue_messages WHERE queue LIKE ?", (TEMPORARY_PREFIX + "%",))
            self.db.execute("DELETE FROM queues WHERE name LIKE ?", (TEMPORARY_PREFIX + "%",))

    def close(self) -> None:
        self.db.close()

    def summary(self) -> dict[str, int]:
        """Every named queue and how many messages it holds."""
        names = {r[0]: 0 for r in self.db.execute("SELECT name FROM queues")}
        for name, count in self.db.execute("SELECT queue, COUNT(*) FROM queue_messages GROUP BY queue"):
            names[name] = count
        return names

    def create_queue(self, name: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR IGNORE INTO queues (name) VALUES (?)", (name,))

    def delete_queue(self, name: str) -> None:
        with self.lock:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM queue_messages WHERE queue = ?", (name,))
            self.db.execute("DELETE FROM queues WHERE name = ?", (name,))
            self.db.execute("COMMIT")

    def add(self, queue: str, event: bytes, expires_at: float) -> int:
        """Store one message (committed when this returns); its seq."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT INTO queue_messages (queue, event, expires_at) VALUES (?, ?, ?)", (queue, event, expires_at)
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def add_many(self, queue: str, events: list[bytes]) -> list[int]:
        """Store messages in one transaction; their seqs, in order."""
        seqs = []
        with self.lock:
            self.db.execute("BEGIN")
            for event in events:
                cursor = self.db.execute(
                    "INSERT INTO queue_messages (queue, event, expires_at) VALUES (?, ?, 0)", (queue, event)
                )
                assert cursor.lastrowid is not None
                seqs.append(cursor.lastrowid)
            self.db.execute("COMMIT")
        return seqs

    def read(self, queue: str, after: int, limit: int) -> list[Row]:
        """The oldest messages of `queue` past seq `after`."""
        with self.lock:
            rows = self.db.execute(
                "SELECT seq, event, expires_at FROM queue_messages WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?",
                (queue, after, limit),
            ).fetchall()
        return [(int(seq), bytes(event), float(expires)) for seq, event, expires in rows]

    def count_after(self, queue: str, after: int) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT COUNT(*) FROM queue_messages WHERE queue = ? AND seq > ?", (queue, after)
            ).fetchone()
        return int(row[0])

    def drop_oldest(self, queue: str, after: int, n: int) -> int:
        """Delete the `n` oldest messages past seq `after` (a full queue makes room); how many were deleted."""
        with self.lock:
            cursor = self.db.execute(
                "DELETE FROM queue_messages WHERE seq IN "
                "(SELECT seq FROM queue_messages WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?)",
                (queue, after, n),
            )
        return cursor.rowcount

    def delete(self, seqs: Iterable[int]) -> None:
        rows = [(seq,) for seq in seqs]
        if not rows:
            return
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM queue_messages WHERE seq = ?", rows)
            self.db.execute("COMMIT")
