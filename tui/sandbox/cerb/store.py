"""The Cerb sandbox's SQLite store: credentials, records as Cerb dictionaries, paged searches, and ticket changes.

Every write checks what the real server checks (a known owner, a known bucket, importance 0-100), raising `CerbError`
with Cerb's error code and text; the routes turn that into the `__status: error` reply.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from tui.sandbox.cerb import query as q
from tui.sandbox.cerb.fields import CerbError, MailOptions, invalid
from tui.sandbox.cerb.records import Build, Record, tables_for, with_expansions
from tui.sandbox.cerb.seed import SCHEMA_MARK, reply_address, seed

CLOSED = 2  # status_id of a closed ticket: closing stamps the `closed` time
WAITING = 1
OPEN = 0
MAX_LIMIT = 500  # what Cerb clamps a page to


def _schema_is_current(path: Path) -> bool:
    table, column = SCHEMA_MARK
    db = sqlite3.connect(path)
    try:
        return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))
    finally:
        db.close()


class CerbStore:
    """The SQLite side. Callers hold `lock` around each request: one connection serves every thread."""

    def __init__(self, path: Path, tickets: int):
        if path.exists() and not _schema_is_current(path):
            path.unlink()  # demo data of an older sandbox: seeded again in today's shape
        new = not path.exists()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.Lock()
        if new:
            seed(self.db, tickets=tickets)

    def close(self) -> None:
        self.db.close()

    # -- lookups -------------------------------------------------------------------------------------------------------

    def one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(sql, params).fetchone()
        return row

    def must(self, sql: str, *params: Any) -> sqlite3.Row:
        """A row the data always has (a count, the signed-in worker, a group's inbox)."""
        row = self.one(sql, *params)
        if row is None:
            raise CerbError("ERROR", "The sandbox database is missing a record it needs.")
        return row

    def all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def row(self, table: str, rid: int) -> sqlite3.Row | None:
        return self.one(f"SELECT * FROM {table} WHERE id = ?", rid)

    def worker_for_key(self, access_key: str) -> tuple[int, str] | None:
        row = self.one("SELECT worker_id, secret FROM api_keys WHERE access_key = ?", access_key)
        return (int(row["worker_id"]), str(row["secret"])) if row else None

    def worker_for_token(self, token: str) -> int | None:
        row = self.one("SELECT worker_id FROM oauth_tokens WHERE token = ? AND expires > ?", token, int(time.time()))
        return int(row["worker_id"]) if row else None

    # -- records -------------------------------------------------------------------------------------------------------

    def records(self, kind: str, rows: list[sqlite3.Row], build: Build, base: str, expand: str = "") -> list[Record]:
        """Records of `kind` as Cerb sends them, with what `expand` asks for (message bodies: `content`)."""
        related = {
            table: {r["id"]: r for r in self.all(f"SELECT * FROM {table}")} for table in tables_for(kind, expand)
        }
        out = with_expansions(kind, rows, base, build, expand, related)
        if kind == "message" and "content" in {e.strip() for e in expand.split(",")}:
            for record, row in zip(out, rows, strict=True):
                record["content"] = row["content"]
        return out

    # -- searching -----------------------------------------------------------------------------------------------------

    def search(
        self,
        table: str,
        filters: q.FilterSet,
        text: str,
        page: int,
        limit: int,
        sort: list[tuple[str, bool]] | None = None,
    ) -> tuple[list[sqlite3.Row], int]:
        """One page of rows matching a Cerb query, paged and sorted in SQL: (rows, total).

        As Cerb: `limit` is clamped to 1..500 (a `limit:` in the query wins), a page before the first is the first,
        and a page past the last is the last."""
        parsed = q.parse(text, filters, strict=False)
        limit = max(1, min(int(parsed.limit or limit), MAX_LIMIT))
        where = parsed.where_sql()
        total = int(self.must(f"SELECT COUNT(*) FROM {table} WHERE {where}", *parsed.params)[0])
        last_page = max(1, -(-total // limit))
        page = min(max(1, page), last_page)
        rows = self.all(
            f"SELECT * FROM {table} WHERE {where} ORDER BY {q.order_sql(parsed, filters, sort)} LIMIT ? OFFSET ?",
            *parsed.params,
            limit,
            (page - 1) * limit,
        )
        return rows, total

    # -- changes -------------------------------------------------------------------------------------------------------

    def validate(self, row: sqlite3.Row | None, changes: dict[str, Any]) -> dict[str, Any]:
        """Check a ticket change against the database (`row`: the ticket as it is, None for a new one). A bucket
        brings its group along; a group alone brings its inbox."""
        if changes.get("owner_id") and self.row("workers", changes["owner_id"]) is None:
            raise invalid("'owner_id' is not a valid target record.")
        if changes.get("org_id") and self.row("orgs", changes["org_id"]) is None:
            raise invalid("'org_id' is not a valid target record.")
        if changes.get("group_id") and self.row("groups", changes["group_id"]) is None:
            raise invalid("'group_id' is not a valid target record.")
        if "bucket_id" in changes:
            bucket = self.row("buckets", changes["bucket_id"])
            if bucket is None:
                raise invalid(f"Failed to look up bucket_id: {changes['bucket_id']}")
            changes["group_id"] = bucket["group_id"]
        elif changes.get("group_id"):  # a group alone: its inbox, even for a ticket already in that group
            changes["bucket_id"] = self.inbox(changes["group_id"])
        return changes

    def legacy_validate(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The checks of `PUT tickets/N.json`, whose errors Cerb sends as ERROR_PERMISSIONS."""
        if "legacy_group_id" in changes:
            group_id = changes.pop("legacy_group_id")
            if self.row("groups", group_id) is None:
                raise CerbError("ERROR_PERMISSIONS", "The given 'group_id' is invalid.")
            if not changes["bucket_id"]:
                changes["bucket_id"] = self.inbox(group_id)
            bucket = self.row("buckets", changes["bucket_id"])
            if bucket is None:
                raise CerbError("ERROR_PERMISSIONS", "The given 'bucket_id' is invalid.")
            changes["group_id"] = bucket["group_id"]
        if changes.get("owner_id") and self.row("workers", changes["owner_id"]) is None:
            raise CerbError("ERROR_PERMISSIONS", "The given 'owner_id' is invalid.")
        if changes.get("org_id") and self.row("orgs", changes["org_id"]) is None:
            raise CerbError("ERROR_PERMISSIONS", "The given 'org_id' is invalid.")
        return changes

    def inbox(self, group_id: int) -> int:
        return int(self.must("SELECT id FROM buckets WHERE group_id = ? AND is_default = 1", group_id)["id"])

    def _set(self, tid: int, columns: dict[str, Any]) -> None:
        names = list(columns)  # column names come from the code, never from the request
        self.db.execute(
            f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            [columns[n] for n in names] + [tid],
        )

    def update_ticket(self, tid: int, changes: dict[str, Any], *, legacy: bool = False) -> None:
        row = self.row("tickets", tid)
        if row is None:
            if legacy:
                raise CerbError("ERROR", f"Invalid ticket ID {tid}")
            raise CerbError("ERROR_NOT_FOUND", f"Record #{tid} not found")
        changes = self.legacy_validate(changes) if legacy else self.validate(row, changes)
        changes = {k: v for k, v in changes.items() if row[k] != v}
        if changes:
            now = int(time.time())
            changes["updated"] = now
            if changes.get("status_id") == CLOSED:
                changes["closed"] = now
            with self.db:
                self._set(tid, changes)

    def add_message(self, tid: int, sender_id: int, worker_id: int, created: int, content: str) -> int:
        """Insert a message (outgoing when a worker wrote it) and return its id; the caller updates the ticket."""
        cursor = self.db.execute(
            "INSERT INTO messages (ticket_id, sender_id, worker_id, created, is_outgoing, content)"
            " VALUES (?,?,?,?,?,?)",
            (tid, sender_id, worker_id, created, 1 if worker_id else 0, content),
        )
        return int(cursor.lastrowid or 0)

    def add_ticket(self, columns: dict[str, Any]) -> int:
        """Insert a ticket with one (first) message to come; returns its id."""
        names = list(columns)
        cursor = self.db.execute(
            f"INSERT INTO tickets ({', '.join(names)}) VALUES ({','.join('?' for _ in names)})",
            [columns[n] for n in names],
        )
        return int(cursor.lastrowid or 0)

    def new_mask(self, now: int) -> str:
        for n in range(1000):
            mask = f"NEW-{now % 100000:05d}-{n:03d}"
            if not self.one("SELECT 1 FROM tickets WHERE mask = ?", mask):
                return mask
        raise CerbError("ERROR", "Could not allocate a ticket mask.")

    def address_of(self, email: str) -> sqlite3.Row:
        """The address row of `email`, added the first time it is written to."""
        found = self.one("SELECT * FROM addresses WHERE email = ?", email.lower())
        if found is not None:
            return found
        local = email.split("@")[0]
        cursor = self.db.execute(
            "INSERT INTO addresses (email, first_name, last_name, org_id, created) VALUES (?,?,?,0,?)",
            (email.lower(), local.split(".")[0].title(), "", int(time.time())),
        )
        return self.must("SELECT * FROM addresses WHERE id = ?", cursor.lastrowid)

    def _attach(self, message_id: int, file_ids: list[int]) -> None:
        known = {r["id"] for r in self.all("SELECT id FROM attachments")}
        self.db.executemany(
            "INSERT INTO attachment_links (attachment_id, message_id) VALUES (?,?)",
            [(f, message_id) for f in file_ids if f in known],
        )

    def compose(
        self, me: int, group_id: int, bucket_id: int, to: str, subject: str, content: str, o: MailOptions
    ) -> int:
        """A new ticket to `to` (perhaps nobody yet) with the worker's first message; returns its id."""
        now = int(time.time())
        status = OPEN if o.status is None else o.status
        with self.db:
            address = self.address_of(to) if to else None
            tid = self.add_ticket(
                {
                    "mask": self.new_mask(now),
                    "subject": subject,
                    "status_id": status,
                    "importance": 50,
                    "group_id": group_id,
                    "bucket_id": bucket_id,
                    "owner_id": 0,
                    "org_id": address["org_id"] if address is not None else 0,
                    "created": now,
                    "updated": now,
                    "closed": now if status == CLOSED else 0,
                    "num_messages": 1,
                    "num_messages_in": 0,
                    "reopen_date": o.reopen_at,
                    "first_wrote_address_id": address["id"] if address is not None else 0,
                }
            )
            mid = self.add_message(tid, reply_address(group_id), me, now, content)
            self._attach(mid, o.file_ids)
            self._set(tid, {"initial_message_id": mid, "latest_message_id": mid})
        return tid

    def reply(self, me: int, message_id: int, content: str, o: MailOptions) -> int:
        """The worker answers the ticket of `message_id` from its group's address; returns the ticket id."""
        message = self.row("messages", message_id)
        row = self.row("tickets", message["ticket_id"]) if message is not None else None
        if message is None or row is None:
            raise CerbError("ERROR", "The given 'message_id' is invalid")
        tid = int(row["id"])
        now = int(time.time())
        with self.db:
            mid = self.add_message(tid, reply_address(row["group_id"]), me, now, content)
            self._attach(mid, o.file_ids)
            changes: dict[str, Any] = {"latest_message_id": mid, "num_messages": row["num_messages"] + 1}
            changes["updated"] = now
            if o.status is not None:
                changes["status_id"] = o.status
                if o.status == CLOSED:
                    changes["closed"] = now
            if o.reopen_at:
                changes["reopen_date"] = o.reopen_at
            self._set(tid, changes)
        return tid

    def add_comment(self, tid: int, me: int, text: str) -> int:
        """An internal comment; like Cerb's, it is not refused for a ticket that does not exist."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO comments (ticket_id, worker_id, created, comment) VALUES (?,?,?,?)",
                (tid, me, int(time.time()), text),
            )
        return int(cursor.lastrowid or 0)

    def add_attachment(self, name: str, mime_type: str, content: bytes) -> tuple[int, bool]:
        """A file, once: the same bytes of the same type uploaded again are the same attachment (as in Cerb).
        Returns its id, and whether it was there already."""
        sha1 = hashlib.sha1(content).hexdigest()
        found = self.one(
            "SELECT id FROM attachments WHERE sha1 = ? AND mime_type = ? AND length(content) = ?",
            sha1,
            mime_type,
            len(content),
        )
        if found is not None:
            return int(found["id"]), True
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO attachments (name, mime_type, sha1, content, updated) VALUES (?,?,?,?,?)",
                (name, mime_type, sha1, content, int(time.time())),
            )
        return int(cursor.lastrowid or 0), False
