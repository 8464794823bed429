"""MAX's private conversations: `/conversations` (start one, list mine) and `/conversations/{id}/messages`.

Only participants may read or write a conversation; a conversation is started by its first message. As in MAX, a
message to exactly one other person goes into the conversation the two already have, if any (unless it names a new
conversation with a displayName), and a two-person conversation without a name is called by the other person's name.
Each participant's `unreadMessages` counts the messages of others newer than the last time they read the conversation
(a GET of its newest messages) or wrote in it.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.common import int_param, json_object
from tui.sandbox.max.replies import MaxError, counted, forbidden, not_found, object_content, reply
from tui.sandbox.max.store import Caller, MaxStore, iso


class ConversationRoutes:
    def __init__(self, store: MaxStore):
        self.store = store

    def _people(self, cid: str) -> list[sqlite3.Row]:
        return self.store.all(
            "SELECT p.* FROM people p JOIN participants c ON c.username=p.username WHERE c.conversation=? "
            "ORDER BY p.username",
            (cid,),
        )

    def _display_name(self, row: sqlite3.Row, people: list[sqlite3.Row], caller: Caller) -> str:
        """A two-person conversation is called by the other person's name (MAX's realDisplayName)."""
        if row["display_name"] or len(people) != 2:
            return str(row["display_name"] or ", ".join(p["username"] for p in people))
        partner = next((p for p in people if p["username"] != caller.username), people[0])
        return str(partner["display_name"])

    def _unread(self, cid: str, caller: Caller) -> int:
        s = self.store
        read = s.one(
            "SELECT last_read FROM conversation_reads WHERE conversation=? AND username=?", (cid, caller.username)
        )
        return s.count(
            "SELECT count(*) FROM messages WHERE conversation=? AND actor<>? AND id>?",
            (cid, caller.username, read["last_read"] if read else ""),
        )

    def _mark_read(self, cid: str, username: str) -> None:
        s = self.store
        newest = s.one("SELECT max(id) FROM messages WHERE conversation=?", (cid,))
        if newest is not None and newest[0]:
            s.db.execute("INSERT OR REPLACE INTO conversation_reads VALUES (?,?,?)", (cid, username, newest[0]))

    def _conversation_json(self, row: sqlite3.Row, caller: Caller) -> dict[str, Any]:
        s = self.store
        people = self._people(row["id"])
        last = s.one("SELECT * FROM messages WHERE conversation=? ORDER BY id DESC LIMIT 1", (row["id"],))
        count = s.count("SELECT count(*) FROM messages WHERE conversation=?", (row["id"],))
        return {
            "id": row["id"],
            "objectType": "conversation",
            "displayName": self._display_name(row, people, caller),
            "participants": [s.person_json(p) for p in people],
            "tags": ["group"] if len(people) > 2 else [],
            "published": iso(row["published"]),
            "messages": count,
            "unreadMessages": self._unread(row["id"], caller),
            "lastMessage": {"content": last["content"], "published": iso(last["published"])} if last else None,
        }

    def _message_json(self, row: sqlite3.Row, conversation: sqlite3.Row, caller: Caller) -> dict[str, Any]:
        names = self.store.names({row["actor"]})
        title = self._display_name(conversation, self._people(conversation["id"]), caller)
        return {
            "id": row["id"],
            "objectType": "message",
            "verb": "post",
            "actor": self.store.actor_json(row["actor"], names),
            "object": {"objectType": "message", "content": row["content"]},
            "contexts": [{"id": conversation["id"], "objectType": "conversation", "displayName": title}],
            "published": iso(row["published"]),
        }

    def _conversation_row(self, cid: str, caller: Caller) -> sqlite3.Row:
        s = self.store
        row = s.one("SELECT * FROM conversations WHERE id=?", (cid,))
        if row is None:
            raise not_found(f"Cannot find conversation with id {cid}")
        if not s.one("SELECT 1 FROM participants WHERE conversation=? AND username=?", (cid, caller.username)):
            raise forbidden("You are not a participant of this conversation.")
        return row

    def _add_message(self, conversation: sqlite3.Row, caller: Caller, content: str, now: float) -> Response:
        s = self.store
        mid = s.ids.make(now)
        s.db.execute(
            "INSERT INTO messages VALUES (?,?,?,?,?)", (mid, conversation["id"], caller.username, content, now)
        )
        self._mark_read(conversation["id"], caller.username)  # what one writes, one has read
        message = s.one("SELECT * FROM messages WHERE id=?", (mid,))
        assert message is not None  # just written, under the lock
        return reply(self._message_json(message, conversation, caller), status=201)

    async def conversations(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        s = self.store
        if request.method == "POST":
            body = await json_object(request)
            _, content = object_content(body)
            contexts = body.get("contexts")
            first = contexts[0] if isinstance(contexts, list) and contexts and isinstance(contexts[0], dict) else None
            if first is None or not isinstance(first.get("participants"), list):
                raise MaxError(
                    400,
                    "ValidationError",
                    "A conversation needs contexts: [{objectType: conversation, participants: [...]}].",
                )
            names = {caller.username} | {
                str(p.get("username") if isinstance(p, dict) else p).lower() for p in first["participants"]
            }
            if len(names) < 2:
                raise MaxError(400, "ValidationError", "A conversation needs at least one other participant.")
            now = time.time()
            with s.lock, s.db:
                for name in names:
                    s.person(name)
                conversation = self._pair(names) if len(names) == 2 and not first.get("displayName") else None
                if conversation is None:
                    cid = s.ids.make(now)
                    s.db.execute(
                        "INSERT INTO conversations VALUES (?,?,?)", (cid, str(first.get("displayName") or ""), now)
                    )
                    s.db.executemany("INSERT INTO participants VALUES (?,?)", [(cid, n) for n in sorted(names)])
                    conversation = s.one("SELECT * FROM conversations WHERE id=?", (cid,))
                    assert conversation is not None  # just written, under the lock
                return self._add_message(conversation, caller, content.strip(), now)
        with s.lock:
            rows = s.all(
                "SELECT c.* FROM conversations c JOIN participants p ON p.conversation=c.id WHERE p.username=? "
                "ORDER BY c.id DESC",
                (caller.username,),
            )
            if request.method == "HEAD":
                return counted(len(rows))
            listed = [self._conversation_json(r, caller) for r in rows]
            # MAX lists the conversation with the newest message first
            listed.sort(key=lambda c: (c["lastMessage"] or {}).get("published") or c["published"], reverse=True)
            return reply(listed)

    def _pair(self, names: set[str]) -> sqlite3.Row | None:
        """The two-person conversation these two people already have, if any."""
        a, b = sorted(names)
        return self.store.one(
            "SELECT c.* FROM conversations c WHERE "
            "(SELECT count(*) FROM participants p WHERE p.conversation=c.id)=2 "
            "AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation=c.id AND p.username=?) "
            "AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation=c.id AND p.username=?) "
            "ORDER BY c.id LIMIT 1",
            (a, b),
        )

    async def messages(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        s = self.store
        cid = request.path_params["id"]
        if request.method == "POST":
            _, content = object_content(await json_object(request))
            with s.lock, s.db:
                conversation = self._conversation_row(cid, caller)
                return self._add_message(conversation, caller, content.strip(), time.time())
        limit = int_param(request.query_params.get("limit"), "limit", 10) or 10
        before = request.query_params.get("before") or "~"  # "~" sorts after every hex id: no bound
        with s.lock:
            conversation = self._conversation_row(cid, caller)
            if request.method == "HEAD":
                return counted(s.count("SELECT count(*) FROM messages WHERE conversation=?", (cid,)))
            rows = s.all(
                "SELECT * FROM messages WHERE conversation=? AND id<? ORDER BY id DESC LIMIT ?",
                (cid, before, min(limit, 1000)),
            )
            if before == "~":  # the newest page: the caller has now seen the conversation
                with s.db:
                    self._mark_read(cid, caller.username)
            return reply([self._message_json(r, conversation, caller) for r in rows])
