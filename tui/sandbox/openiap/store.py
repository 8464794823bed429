"""Documents by collection, credentials and the token signing key, in one SQLite file."""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from tui.sandbox.common import iso_utc
from tui.sandbox.openiap.auth import hash_password, password_matches
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document, get_path, matches, project, sort_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (collection, id));
CREATE INDEX IF NOT EXISTS docs_by_seq ON docs (collection, seq);
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS credentials (username TEXT PRIMARY KEY, salt TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def new_id() -> str:
    """A 24-hex document id, as MongoDB's ObjectId looks."""
    return secrets.token_hex(12)


class Store:
    def __init__(self, path: Path | str):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.Lock()
        self.db.executescript(SCHEMA)
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM docs").fetchone()
        self._seq = itertools.count(row[0] + 1)
        self.db.execute("INSERT OR IGNORE INTO settings VALUES ('signing_key', ?)", (secrets.token_hex(32),))
        self.signing_key: bytes = (
            self.db.execute("SELECT value FROM settings WHERE key = 'signing_key'").fetchone()[0].encode()
        )

    def close(self) -> None:
        self.db.close()

    @property
    def is_empty(self) -> bool:
        """Nobody can sign in yet: a new file (or one whose seeding never finished)."""
        return bool(self.db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0] == 0)

    def load(
        self, docs: Iterable[tuple[str, Document]], collections: Iterable[str], credentials: dict[str, str]
    ) -> None:
        """Seed documents as they are (stamps included), named collections and passwords, in one transaction."""
        hashed = []
        for username, password in credentials.items():
            salt = secrets.token_bytes(16)
            hashed.append((username, salt.hex(), hash_password(password, salt)))
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (collection, id, doc, seq) VALUES (?, ?, ?, ?)",
                [(c, d["_id"], json.dumps(d), next(self._seq)) for c, d in docs],
            )
            self.db.executemany("INSERT OR IGNORE INTO collections (name) VALUES (?)", [(c,) for c in collections])
            self.db.executemany("INSERT OR REPLACE INTO credentials VALUES (?, ?, ?)", hashed)
            self.db.execute("COMMIT")

    # -- credentials ---------------------------------------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> bool:
        row = self.db.execute("SELECT salt, hash FROM credentials WHERE username = ?", (username,)).fetchone()
        return row is not None and password_matches(password, row[0], row[1])

    def user(self, username: str) -> Document | None:
        for doc in self.find("users", {"username": username}, top=1):
            return doc
        return None

    # -- documents -----------------------------------------------------------------------------------------------------

    def all(self, collection: str) -> list[Document]:
        rows = self.db.execute("SELECT doc FROM docs WHERE collection = ? ORDER BY seq", (collection,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, collection: str, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT doc FROM docs WHERE collection = ? AND id = ?", (collection, doc_id)).fetchone()
        return json.loads(row[0]) if row else None

    def find(
        self,
        collection: str,
        query: Document,
        *,
        orderby: list[tuple[str, int]] | None = None,
        top: int = 100,
        skip: int = 0,
        projection: Document | None = None,
    ) -> list[Document]:
        if not query and not orderby:
            # the common "browse a collection" case: let SQLite page, newest first, without parsing every document
            rows = self.db.execute(
                "SELECT doc FROM docs WHERE collection = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                (collection, top if top > 0 else -1, skip),
            ).fetchall()
            return [project(json.loads(r[0]), projection or {}) for r in rows]
        found = [d for d in self.all(collection) if matches(d, query)]
        if orderby:
            for key, direction in reversed(orderby):
                found.sort(key=lambda d: sort_key(get_path(d, key)), reverse=direction < 0)
        else:
            found.reverse()  # newest first, as OpenFlow sorts by _created descending by default
        found = found[skip : skip + top] if top > 0 else found[skip:]
        return [project(d, projection or {}) for d in found]

    def count(self, collection: str, query: Document) -> int:
        if not query:
            return int(self.db.execute("SELECT COUNT(*) FROM docs WHERE collection = ?", (collection,)).fetchone()[0])
        return sum(1 for d in self.all(collection) if matches(d, query))

    def collections(self) -> list[str]:
        names = {r[0] for r in self.db.execute("SELECT name FROM collections")}
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT collection FROM docs"))
        return sorted(names)

    def insert(self, collection: str, doc: Document, user: str) -> Document:
        stamp = iso_utc(time.time())
        doc = dict(doc)
        doc_id = str(doc.get("_id") or new_id())
        doc["_id"] = doc_id
        doc.setdefault("_type", "unknown")
        doc.update(_created=stamp, _modified=stamp, _createdby=user, _modifiedby=user, _version=0)
        with self.lock:
            try:
                self.db.execute(
                    "INSERT INTO docs (collection, id, doc, seq) VALUES (?, ?, ?, ?)",
                    (collection, doc_id, json.dumps(doc), next(self._seq)),
                )
            except sqlite3.IntegrityError:
                raise RequestError(f"a document with _id {doc_id} already exists in {collection}", 409) from None
            self.db.execute("INSERT OR IGNORE INTO collections (name) VALUES (?)", (collection,))
        return doc

    def replace(self, collection: str, doc: Document, user: str) -> Document:
        doc_id = str(doc.get("_id") or "")
        if not doc_id:
            raise RequestError("the item has no _id", 400)
        old = self.get(collection, doc_id)
        if old is None:
            raise RequestError(f"no document with _id {doc_id} in {collection}", 404)
        doc = dict(doc)
        doc["_created"] = old.get("_created")
        doc["_createdby"] = old.get("_createdby")
        doc.setdefault("_type", old.get("_type", "unknown"))
        doc.update(_modified=iso_utc(time.time()), _modifiedby=user, _version=int(old.get("_version") or 0) + 1)
        with self.lock:
            self.db.execute(
                "UPDATE docs SET doc = ? WHERE collection = ? AND id = ?", (json.dumps(doc), collection, doc_id)
            )
        return doc

    def delete(self, collection: str, doc_id: str) -> Document | None:
        old = self.get(collection, doc_id)
        if old is None:
            return None
        with self.lock:
            self.db.execute("DELETE FROM docs WHERE collection = ? AND id = ?", (collection, doc_id))
        return old
