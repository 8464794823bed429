"""The Cerb sandbox's SQLite store: credentials, records as Cerb dictionaries, paged searches, and ticket changes.

Every write checks what the real server checks (a known owner, a bucket inside its group, importance 0-100) and
raises `CerbError` with Cerb's error code; the routes turn that into the `__status: error` reply.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from tui.sandbox.cerb import query as q
from tui.sandbox.cerb.records import (
    STATUS_NAMES,
    TICKET_EXPANSIONS,
    Record,
    comment_record,
    message_record,
    ticket_record,
)
from tui.sandbox.cerb.seed import seed

CLOSED = 2  # status_id of a closed ticket: closing stamps the `closed` time
WAITING = 1


class CerbError(Exception):
    """A controller error: HTTP 200 with `__status: error`, as Cerb sends it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class CerbStore:
    """The SQLite side. Callers hold `lock` around each request: one connection serves every thread."""

    def __init__(self, path: Path, tickets: int):
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

    def record_row(self, table: str, rid: int, label: str) -> sqlite3.Row:
        row = self.one(f"SELECT * FROM {table} WHERE id = ?", rid)
        if row is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid {label} id '{rid}'")
        return row

    def ticket_row(self, tid: int) -> sqlite3.Row:
        return self.record_row("tickets", tid, "ticket")

    def worker_for_key(self, access_key: str) -> tuple[int, str] | None:
        row = self.one("SELECT worker_id, secret FROM api_keys WHERE access_key = ?", access_key)
        return (int(row["worker_id"]), str(row["secret"])) if row else None

    def worker_for_token(self, token: str) -> int | None:
        row = self.one("SELECT worker_id FROM oauth_tokens WHERE token = ? AND expires > ?", token, int(time.time()))
        return int(row["worker_id"]) if row else None

    # -- records -------------------------------------------------------------------------------------------------------

    def _by_id(self, table: str) -> dict[int, sqlite3.Row]:
        return {row["id"]: row for row in self.all(f"SELECT * FROM {table}")}

    def tickets(self, rows: list[sqlite3.Row], base_url: str, expand: set[str]) -> list[Record]:
        related = {prefix: self._by_id(table) for prefix, (table, _) in TICKET_EXPANSIONS.items() if prefix in expand}
        return [ticket_record(row, base_url, related) for row in rows]

    def ticket(self, tid: int, base_url: str, expand: set[str]) -> Record:
        return self.tickets([self.ticket_row(tid)], base_url, expand)[0]

    def messages(self, rows: list[sqlite3.Row]) -> list[Record]:
        ids = ",".join(str(int(r["sender_id"])) for r in rows) or "0"
        senders = {r["id"]: r for r in self.all(f"SELECT * FROM addresses WHERE id IN ({ids})")}
        return [message_record(row, senders.get(row["sender_id"])) for row in rows]

    def comments(self, rows: list[sqlite3.Row]) -> list[Record]:
        workers = self._by_id("workers")
        return [comment_record(row, workers.get(row["worker_id"])) for row in rows]

    # -- searching -----------------------------------------------------------------------------------------------------

    def search(
        self,
        table: str,
        filters: q.FilterSet,
        text: str,
        page: int,
        limit: int,
        sort: list[tuple[str, bool]] | None = None,
    ) -> tuple[list[sqlite3.Row], int, int, int]:
        """One page of rows matching a Cerb query, paged and sorted in SQL: (rows, total, page, limit)."""
        try:
            parsed = q.parse(text, filters)
        except q.QueryError as exc:
            raise CerbError("ERROR_PARAM_INVALID", str(exc)) from None
        limit = max(1, min(int(parsed.limit or limit), 500))
        page = max(1, int(parsed.page or page))
        where = parsed.where_sql()
        total = int(self.must(f"SELECT COUNT(*) FROM {table} WHERE {where}", *parsed.params)[0])
        rows = self.all(
            f"SELECT * FROM {table} WHERE {where} ORDER BY {q.order_sql(parsed, filters, sort)} LIMIT ? OFFSET ?",
            *parsed.params,
            limit,
            (page - 1) * limit,
        )
        return rows, total, page, limit

    # -- changes -------------------------------------------------------------------------------------------------------

    def validate(self, row: sqlite3.Row | None, changes: dict[str, Any]) -> dict[str, Any]:
        """Check a ticket change (`row` is the ticket as it is, None for a new one); fills in a moved ticket's
        group from its bucket, and its bucket (the group's inbox) from its group."""
        if "status_id" in changes and changes["status_id"] not in STATUS_NAMES:
            raise CerbError(
                "ERROR_PARAM_INVALID", "'status_id' must be 0 (open), 1 (waiting), 2 (closed) or 3 (deleted)."
            )
        if changes.get("owner_id") and not self.one("SELECT 1 FROM workers WHERE id = ?", changes["owner_id"]):
            raise CerbError("ERROR_PARAM_INVALID", f"Invalid owner id '{changes['owner_id']}'")
        if "importance" in changes and not 0 <= changes["importance"] <= 100:
            raise CerbError("ERROR_PARAM_INVALID", "'importance' must be between 0 and 100.")
        if "subject" in changes and not changes["subject"].strip():
            raise CerbError("ERROR_PARAM_INVALID", "The subject cannot be empty.")
        if "group_id" in changes or "bucket_id" in changes:
            group_id = changes.get("group_id")
            bucket_id = changes.get("bucket_id")
            if group_id is None:
                if bucket_id:
                    bucket = self.one("SELECT * FROM buckets WHERE id = ?", bucket_id)
                    if bucket is None:
                        raise CerbError("ERROR_PARAM_INVALID", f"Invalid bucket id '{bucket_id}'")
                    group_id = bucket["group_id"]
                else:
                    group_id = row["group_id"] if row is not None else None
            if group_id is None or not self.one("SELECT 1 FROM groups WHERE id = ?", group_id):
                raise CerbError("ERROR_PARAM_INVALID", f"Invalid group id '{group_id}'")
            if not bucket_id:  # 0 = the group's inbox
                bucket_id = self.inbox(group_id)
            elif not self.one("SELECT 1 FROM buckets WHERE id = ? AND group_id = ?", bucket_id, group_id):
                raise CerbError("ERROR_PARAM_INVALID", f"Bucket '{bucket_id}' is not in group '{group_id}'")
            changes["group_id"], changes["bucket_id"] = group_id, bucket_id
        return changes

    def inbox(self, group_id: int) -> int:
        return int(self.must("SELECT id FROM buckets WHERE group_id = ? AND is_default = 1", group_id)["id"])

    def _set(self, tid: int, columns: dict[str, Any]) -> None:
        names = list(columns)  # column names come from the code, never from the request
        self.db.execute(
            f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            [columns[n] for n in names] + [tid],
        )

    def update_ticket(self, tid: int, changes: dict[str, Any]) -> None:
        row = self.ticket_row(tid)
        changes = self.validate(row, changes)
        if changes:
            now = int(time.time())
            changes["updated"] = now
            if changes.get("status_id") == CLOSED and row["status_id"] != CLOSED:
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

    def compose(self, me: int, changes: dict[str, Any], status: int | None, to: str, subject: str, content: str) -> int:
        """A new ticket to `to` with the worker's first message; returns its id."""
        changes = self.validate(None, changes)
        now = int(time.time())
        with self.db:
            address = self.one("SELECT id, org_id FROM addresses WHERE email = ?", to.lower())
            if address is None:
                local = to.split("@")[0]
                cursor = self.db.execute(
                    "INSERT INTO addresses (email, first_name, last_name, org_id) VALUES (?,?,?,0)",
                    (to.lower(), local.split(".")[0].title(), ""),
                )
                address_id, org_id = int(cursor.lastrowid or 0), 0
            else:
                address_id, org_id = address["id"], address["org_id"]
            tid = self.add_ticket(
                {
                    "mask": self.new_mask(now),
                    "subject": subject,
                    "status_id": WAITING if status is None else status,
                    "importance": 50,
                    "group_id": changes["group_id"],
                    "bucket_id": changes["bucket_id"],
                    "owner_id": changes.get("owner_id", 0),
                    "org_id": org_id,
                    "created": now,
                    "updated": now,
                    "closed": now if status == CLOSED else 0,
                    "num_messages": 1,
                    "first_wrote_address_id": address_id,
                }
            )
            mid = self.add_message(tid, me, me, now, content)
            self._set(tid, {"initial_message_id": mid, "latest_message_id": mid})
        return tid

    def reply(self, me: int, message_id: int, changes: dict[str, Any], status: int | None, content: str) -> int:
        """The worker answers the ticket of `message_id`; returns the ticket id."""
        message = self.one("SELECT * FROM messages WHERE id = ?", message_id)
        if message is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid message id '{message_id}'")
        tid = int(message["ticket_id"])
        row = self.ticket_row(tid)
        changes = self.validate(row, changes)
        # replying without a status leaves the ticket waiting for the customer, as Cerb's reply form does
        changes["status_id"] = WAITING if status is None else status
        now = int(time.time())
        with self.db:
            mid = self.add_message(tid, me, me, now, content)
            changes.update(latest_message_id=mid, num_messages=row["num_messages"] + 1, updated=now)
            if changes["status_id"] == CLOSED:
                changes["closed"] = now
            self._set(tid, changes)
        return tid

    def add_comment(self, tid: int, me: int, text: str) -> int:
        self.ticket_row(tid)
        if not text.strip():
            raise CerbError("ERROR_PARAM_REQUIRED", "The 'comment' parameter is required.")
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO comments (ticket_id, worker_id, created, comment) VALUES (?,?,?,?)",
                (tid, me, int(time.time()), text),
            )
        return int(cursor.lastrowid or 0)
