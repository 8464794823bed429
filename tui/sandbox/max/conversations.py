"""MAX's private conversations: `/conversations` (start one, list mine) and `/conversations/{id}/messages`.

Only participants may read or write a conversation; a conversation is started by its first message.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.common import json_object
from tui.sandbox.max.replies import MaxError, counted, forbidden, not_found, object_content, reply
from tui.sandbox.max.store import Caller, MaxStore, iso


class ConversationRoutes:
    def __init__(self, store: MaxStore):
        self.store = store

    def _conversation_json(self, row: sqlite3.Row) -> dict[str, Any]:
        s = self.store
        people = s.all(
            "SELECT p.* FROM people p JOIN participants c ON c.username=p.username WHERE c.conversation=? "
            "ORDER BY p.username",
            (row["id"],),
        )
        last = s.one("SELECT * FROM messages WHERE conversation=? ORDER BY id DESC LIMIT 1", (row["id"],))
        count = s.count("SELECT count(*) FROM messages WHERE conversation=?", (row["id"],))
        return {
            "id": row["id"],
            "objectType": "conversation",
            "displayName": row["display_name"],
            "participants": [s.person_json(p) for p in people],
            "published": iso(row["published"]),
            "messages": count,
            "lastMessage": {"content": last["content"], "published": iso(last["published"])} if last else None,
        }

    def _message_json(self, row: sqlite3.Row, conversation: sqlite3.Row) -> dict[str, Any]:
        names = self.store.names({row["actor"]})
        return {
            "id": row["id"],
            "objectType": "message",
            "verb": "post",
            "actor": self.store.actor_json(row["actor"], names),
            "object": {"objectType": "message", "content": row["content"]},
            "contexts": [
                {"id": conversation["id"], "objectType": "conversation", "displayName": conversation["display_name"]}
            ],
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

    def _add_message(self, conversation: sqlite3.Row, actor: str, content: str, now: float) -> Response:
        s = self.store
        mid = s.ids.make(now)
        s.db.execute("INSERT INTO messages VALUES (?,?,?,?,?)", (mid, conversation["id"], actor, content, now))
        message = s.one("SELECT * FROM messages WHERE id=?", (mid,))
        assert message is not None  # just written, under the lock
        return reply(self._message_json(message, conversation), status=201)

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
                cid = s.ids.make(now)
                title = str(first.get("displayName") or ", ".join(sorted(names)))
                s.db.execute("INSERT INTO conversations VALUES (?,?,?)", (cid, title, now))
                s.db.executemany("INSERT INTO participants VALUES (?,?)", [(cid, n) for n in sorted(names)])
                conversation = s.one("SELECT * FROM conversations WHERE id=?", (cid,))
                assert conversation is not None  # just written, under the lock
                return self._add_message(conversation, caller.username, content.strip(), now)
        with s.lock:
            rows = s.all(
                "SELECT c.* FROM conversations c JOIN participants p ON p.conversation=c.id WHERE p.username=? "
                "ORDER BY c.id DESC",
                (caller.username,),
            )
            if request.method == "HEAD":
                return counted(len(rows))
            return reply([self._conversation_json(r) for r in rows])

    async def messages(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        s = self.store
        cid = request.path_params["id"]
        if request.method == "POST":
            _, content = object_content(await json_object(request))
            with s.lock, s.db:
                conversation = self._conversation_row(cid, caller)
                return self._add_message(conversation, caller.username, content.strip(), time.time())
        with s.lock:
            conversation = self._conversation_row(cid, caller)
            rows = s.all("SELECT * FROM messages WHERE conversation=? ORDER BY id DESC", (cid,))
            if request.method == "HEAD":
                return counted(len(rows))
            return reply([self._message_json(r, conversation) for r in rows])
