"""The MAX sandbox's data: SQLite tables for people, contexts, activities and conversations, the OAuth tokens it
issued (in memory, as a restart of the real OAuth server would forget them), and the JSON documents MAX answers with.

Every method expects the caller to hold `lock` when it reads or writes more than one statement that must agree.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.sandbox.common import iso_utc
from tui.sandbox.max.replies import MaxError, not_found

DUPLICATE_WINDOW = 60  # seconds: the same content posted again within this window is not a new activity
HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)
OBJECT_ID = re.compile(r"[0-9a-f]{24}")


def context_hash(url: str) -> str:
    """MAX names a context by the sha1 of its URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def iso(ts: float) -> str:
    return iso_utc(ts, timespec="seconds")


def hashtags_of(content: str) -> set[str]:
    return {t.lower() for t in HASHTAG_RE.findall(content)}


class IdMaker:
    """Ids like MongoDB ObjectIds: 4 bytes of seconds then a counter, so sorting by id sorts by time."""

    def __init__(self, start: int = 0):
        self._counter = itertools.count(start + 1)
        self._lock = threading.Lock()
        self._last = ""

    def make(self, ts: float | None = None) -> str:
        with self._lock:
            new = f"{int(time.time() if ts is None else ts) & 0xFFFFFFFF:08x}{next(self._counter):016x}"
            if new <= self._last:  # the clock went back or a seeded id is in the future: stay increasing
                new = f"{self._last[:8]}{next(self._counter):016x}"
            self._last = max(self._last, new)
            return new

    def observe(self, existing: str | None) -> None:
        if existing:
            self._last = max(self._last, existing)
            self._counter = itertools.count(int(existing[8:], 16) + 1)


SCHEMA = """
CREATE TABLE people (username TEXT PRIMARY KEY, display_name TEXT NOT NULL, password TEXT NOT NULL,
                     manager INTEGER NOT NULL DEFAULT 0, published REAL NOT NULL);
CREATE TABLE follows (follower TEXT NOT NULL, followee TEXT NOT NULL, PRIMARY KEY (follower, followee));
CREATE TABLE contexts (hash TEXT PRIMARY KEY, url TEXT NOT NULL, display_name TEXT NOT NULL, published REAL NOT NULL);
CREATE TABLE subscriptions (username TEXT NOT NULL, hash TEXT NOT NULL, published REAL NOT NULL,
                            PRIMARY KEY (username, hash));
CREATE TABLE activities (id TEXT PRIMARY KEY, actor TEXT NOT NULL, content TEXT NOT NULL, object_type TEXT NOT NULL,
                         generator TEXT, context TEXT, published REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX activities_actor ON activities (actor, id);
CREATE INDEX activities_context ON activities (context, id);
CREATE TABLE hashtags (tag TEXT NOT NULL, activity TEXT NOT NULL, PRIMARY KEY (tag, activity));
CREATE TABLE comments (id TEXT PRIMARY KEY, activity TEXT NOT NULL, actor TEXT NOT NULL, content TEXT NOT NULL,
                       published REAL NOT NULL);
CREATE INDEX comments_activity ON comments (activity, id);
CREATE TABLE likes (activity TEXT NOT NULL, username TEXT NOT NULL, published REAL NOT NULL,
                    PRIMARY KEY (activity, username));
"""

# Tables added after the first release: created in a database made before them too
LATER_SCHEMA = """
CREATE TABLE IF NOT EXISTS favorites (activity TEXT NOT NULL, username TEXT NOT NULL, published REAL NOT NULL,
                                      PRIMARY KEY (activity, username));
CREATE INDEX IF NOT EXISTS favorites_user ON favorites (username, activity);
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, published REAL NOT NULL);
CREATE TABLE IF NOT EXISTS participants (conversation TEXT NOT NULL, username TEXT NOT NULL,
                                         PRIMARY KEY (conversation, username));
CREATE INDEX IF NOT EXISTS participants_user ON participants (username);
CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, conversation TEXT NOT NULL, actor TEXT NOT NULL,
                                     content TEXT NOT NULL, published REAL NOT NULL);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages (conversation, id);
CREATE TABLE IF NOT EXISTS conversation_reads (conversation TEXT NOT NULL, username TEXT NOT NULL,
                                               last_read TEXT NOT NULL, PRIMARY KEY (conversation, username));
"""


@dataclass
class Caller:
    username: str
    manager: bool


class MaxStore:
    def __init__(self, path: Path, *, token_ttl: float = 3600):
        self.path = path
        self.fresh = not path.exists()  # a new database: the sandbox seeds it
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.RLock()
        self.ids = IdMaker()
        self.token_ttl = token_ttl
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (username, expires at)
        if self.fresh:
            self.db.executescript(SCHEMA)
        self.db.executescript(LATER_SCHEMA)
        row = self.db.execute(
            "SELECT max(id) FROM (SELECT max(id) AS id FROM activities UNION SELECT max(id) FROM comments "
            "UNION SELECT max(id) FROM messages UNION SELECT max(id) FROM conversations)"
        ).fetchone()
        self.ids.observe(row[0])

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def insert_many(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Bulk rows (the seed); rows already there are kept."""
        if rows:
            marks = ",".join("?" * len(rows[0]))
            with self.lock, self.db:
                self.db.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)

    def one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(sql, args).fetchone()
        return row

    def all(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, args).fetchall())

    def count(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> int:
        return int(self.db.execute(sql, args).fetchone()[0])

    # -- tokens -----------------------------------------------------------------------------------------------------

    def grant(self, username: str, password: str) -> str | None:
        with self.lock:
            row = self.one("SELECT password FROM people WHERE username=?", (username.lower(),))
        if row is None or not secrets.compare_digest(row["password"], password):
            return None
        token = secrets.token_hex(16)
        self.tokens[token] = (username.lower(), time.time() + self.token_ttl)
        return token

    def revoke_tokens(self, username: str | None = None) -> int:
        """Expire every token (or one user's): the next request with it gets 401, as after a real expiry."""
        doomed = [t for t, (u, _) in self.tokens.items() if username is None or u == username]
        for token in doomed:
            del self.tokens[token]
        return len(doomed)

    def token_valid(self, token: str, username: str) -> bool:
        owner = self.tokens.get(token)
        return owner is not None and owner[0] == username.lower() and owner[1] >= time.time()

    def caller(self, headers: Mapping[str, str]) -> Caller:
        """Who sent a request, from its X-Oauth-Token and X-Oauth-Username headers."""
        with self.lock:
            return self._caller(headers.get("x-oauth-token"), headers.get("x-oauth-username"))

    def _caller(self, token: str | None, username: str | None) -> Caller:
        if not token or not username:
            raise MaxError(401, "Unauthorized", "No auth headers found.")
        owner = self.tokens.get(token)
        if owner is not None and owner[1] < time.time():
            del self.tokens[token]  # expired: forget it, the client must ask the OAuth server again
            owner = None
        if owner is None or owner[0] != username.lower():
            raise MaxError(401, "Unauthorized", f"Invalid token for user {username}.")
        row = self.one("SELECT manager FROM people WHERE username=?", (owner[0],))
        if row is None:
            raise MaxError(400, "UnknownUserError", f"Unknown actor identified by username: {owner[0]}")
        return Caller(owner[0], bool(row["manager"]))

    # -- rows ---------------------------------------------------------------------------------------------------------

    def person(self, username: str) -> sqlite3.Row:
        row = self.one("SELECT * FROM people WHERE username=?", (username.lower(),))
        if row is None:
            raise MaxError(400, "UnknownUserError", f"Unknown actor identified by username: {username}")
        return row

    def context_row(self, hash_: str) -> sqlite3.Row:
        row = self.one("SELECT * FROM contexts WHERE hash=?", (hash_,))
        if row is None:
            raise not_found(f"Cannot find context with hash {hash_}")
        return row

    def activity_row(self, aid: str) -> sqlite3.Row:
        if not OBJECT_ID.fullmatch(aid or ""):
            raise MaxError(400, "InvalidId", f"Invalid ObjectId: {aid}")
        row = self.one("SELECT * FROM activities WHERE id=?", (aid,))
        if row is None:
            raise not_found(f"Cannot find activity with id {aid}")
        return row

    def subscriptions_of(self, username: str) -> list[sqlite3.Row]:
        return self.all(
            "SELECT c.* FROM contexts c JOIN subscriptions s ON s.hash=c.hash WHERE s.username=? "
            "ORDER BY c.display_name",
            (username,),
        )

    def names(self, usernames: set[str]) -> dict[str, str]:
        """Display names by username, in one query."""
        if not usernames:
            return {}
        marks = ",".join("?" * len(usernames))
        rows = self.all(f"SELECT username, display_name FROM people WHERE username IN ({marks})", tuple(usernames))
        return {r[0]: r[1] for r in rows}

    # -- documents -----------------------------------------------------------------------------------------------------

    @staticmethod
    def person_json(row: sqlite3.Row) -> dict[str, Any]:
        return {"username": row["username"], "displayName": row["display_name"], "objectType": "person"}

    @staticmethod
    def actor_json(username: str, names: dict[str, str]) -> dict[str, Any]:
        return {"username": username, "displayName": names.get(username, username), "objectType": "person"}

    @staticmethod
    def context_json(row: sqlite3.Row, with_dates: bool = False) -> dict[str, Any]:
        out = {"url": row["url"], "hash": row["hash"], "displayName": row["display_name"], "objectType": "context"}
        if with_dates:
            out["published"] = iso(row["published"])
        return out

    def comment_json(self, c: sqlite3.Row, names: dict[str, str]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "objectType": "comment",
            "content": c["content"],
            "actor": self.actor_json(c["actor"], names),
            "published": iso(c["published"]),
            "inReplyTo": [{"id": c["activity"], "objectType": "activity"}],
        }

    def like_json(self, like: sqlite3.Row, names: dict[str, str]) -> dict[str, Any]:
        return {**self.actor_json(like["username"], names), "published": iso(like["published"])}

    def render_activities(self, rows: list[sqlite3.Row], caller: Caller) -> list[dict[str, Any]]:
        """Activity documents for rows, with replies, likes and contexts loaded in a few batched queries."""
        if not rows:
            return []
        ids = tuple(r["id"] for r in rows)
        marks = ",".join("?" * len(ids))
        replies: dict[str, list[sqlite3.Row]] = {}
        for c in self.all(f"SELECT * FROM comments WHERE activity IN ({marks}) ORDER BY id", ids):
            replies.setdefault(c["activity"], []).append(c)
        likes: dict[str, list[sqlite3.Row]] = {}
        for like in self.all(f"SELECT * FROM likes WHERE activity IN ({marks}) ORDER BY published", ids):
            likes.setdefault(like["activity"], []).append(like)
        favorites: dict[str, list[sqlite3.Row]] = {}
        for fav in self.all(f"SELECT * FROM favorites WHERE activity IN ({marks}) ORDER BY published", ids):
            favorites.setdefault(fav["activity"], []).append(fav)
        hashes = tuple({r["context"] for r in rows if r["context"]})
        contexts: dict[str, sqlite3.Row] = {}
        if hashes:
            hash_marks = ",".join("?" * len(hashes))
            contexts = {c["hash"]: c for c in self.all(f"SELECT * FROM contexts WHERE hash IN ({hash_marks})", hashes)}
        names = self.names(
            {r["actor"] for r in rows}
            | {c["actor"] for cs in replies.values() for c in cs}
            | {lk["username"] for ls in [*likes.values(), *favorites.values()] for lk in ls}
        )
        out = []
        for r in rows:
            act_likes, act_favorites = likes.get(r["id"], []), favorites.get(r["id"], [])
            act_replies = [self.comment_json(c, names) for c in replies.get(r["id"], [])]
            doc: dict[str, Any] = {
                "id": r["id"],
                "objectType": "activity",
                "verb": "post",
                "actor": self.actor_json(r["actor"], names),
                "object": {"objectType": r["object_type"], "content": r["content"]},
                "published": iso(r["published"]),
                "contexts": [self.context_json(contexts[r["context"]])] if r["context"] in contexts else [],
                "replies": act_replies,
                "commentsCount": len(act_replies),
                "lastComment": act_replies[-1]["id"] if act_replies else None,
                "likes": [self.like_json(lk, names) for lk in act_likes],
                "likesCount": len(act_likes),
                "favorites": [self.like_json(f, names) for f in act_favorites],
                "favoritesCount": len(act_favorites),
                "generator": r["generator"],
                "liked": any(lk["username"] == caller.username for lk in act_likes),
                "favorited": any(f["username"] == caller.username for f in act_favorites),
                "deletable": r["actor"] == caller.username or caller.manager,
                "keywords": sorted(hashtags_of(r["content"])),
            }
            out.append(doc)
        return out

    def activity_json(self, aid: str, caller: Caller) -> dict[str, Any]:
        return self.render_activities([self.activity_row(aid)], caller)[0]

    # -- searching -----------------------------------------------------------------------------------------------------

    def _filters(
        self, scope_sql: str, scope_args: tuple[Any, ...], params: dict[str, str]
    ) -> tuple[list[str], list[Any]]:
        where, args = [scope_sql], list(scope_args)
        for name in ("before", "after"):
            value = params.get(name)
            if value and not OBJECT_ID.fullmatch(value):
                raise MaxError(400, "InvalidId", f"Invalid ObjectId in {name}: {value}")
        if params.get("hashtag"):
            for tag in [t.lstrip("#").lower() for t in params["hashtag"].split(",") if t.strip()]:
                where.append("id IN (SELECT activity FROM hashtags WHERE tag=?)")
                args.append(tag)
        if params.get("keyword"):
            for word in params["keyword"].split():
                where.append("content LIKE ?")
                args.append(f"%{word}%")
        if params.get("favorites"):  # the route puts the caller's username here for `favorites=true`
            where.append("id IN (SELECT activity FROM favorites WHERE username=?)")
            args.append(params["favorites"])
        if params.get("actor"):
            where.append("actor=?")
            args.append(params["actor"].lower())
        if params.get("context"):
            where.append("context=?")
            args.append(params["context"])
        return where, args

    def count_activities(self, scope_sql: str, scope_args: tuple[Any, ...], params: dict[str, str]) -> int:
        self._check_paging(params)
        where, args = self._filters(scope_sql, scope_args, params)
        return self.count(f"SELECT count(*) FROM activities WHERE {' AND '.join(where)}", args)

    def search(self, scope_sql: str, scope_args: tuple[Any, ...], params: dict[str, str]) -> list[sqlite3.Row]:
        """One page of activities in a scope (a WHERE fragment), filtered and paged the MAX way, newest first."""
        self._check_paging(params)
        where, args = self._filters(scope_sql, scope_args, params)
        limit = params.get("limit", "10")
        if not limit.isdigit():
            raise MaxError(400, "InvalidSearchParams", f"limit must be a number, not {limit}.")
        limit_n = min(int(limit), 1000) or 10
        before, after = params.get("before"), params.get("after")
        if before:
            where.append("id < ?")
            args.append(before)
        condition = " AND ".join(where)
        if after:
            # the activities right after `after` (so a client catching up misses none), still answered newest first
            args.append(after)
            sql = (
                f"SELECT * FROM (SELECT * FROM activities WHERE {condition} AND id > ? ORDER BY id ASC LIMIT ?) "
                "ORDER BY id DESC"
            )
        else:
            sql = f"SELECT * FROM activities WHERE {condition} ORDER BY id DESC LIMIT ?"
        return self.all(sql, [*args, limit_n])

    @staticmethod
    def _check_paging(params: dict[str, str]) -> None:
        if params.get("before") and params.get("after"):
            raise MaxError(400, "InvalidSearchParams", "You can only specify one of before or after, not both.")

    # -- writing -------------------------------------------------------------------------------------------------------

    def add_activity(
        self,
        actor: str,
        content: str,
        *,
        context: str | None = None,
        generator: str | None = None,
        object_type: str = "note",
    ) -> tuple[str, bool]:
        """Store a post; returns (id, created). The same content by the same actor within a minute is not repeated."""
        now = time.time()
        with self.lock, self.db:
            dup = self.one(
                "SELECT id FROM activities WHERE actor=? AND content=? AND coalesce(context,'')=? AND published>? "
                "ORDER BY id DESC LIMIT 1",
                (actor, content, context or "", now - DUPLICATE_WINDOW),
            )
            if dup:
                return str(dup["id"]), False
            aid = self.ids.make(now)
            self.db.execute(
                "INSERT INTO activities VALUES (?,?,?,?,?,?,?)",
                (aid, actor, content, object_type, generator, context, now),
            )
            self.db.executemany("INSERT OR IGNORE INTO hashtags VALUES (?,?)", [(t, aid) for t in hashtags_of(content)])
            return aid, True

    def delete_activity(self, aid: str) -> None:
        with self.lock, self.db:
            for table in ("comments", "likes", "favorites", "hashtags"):
                self.db.execute(f"DELETE FROM {table} WHERE activity=?", (aid,))
            self.db.execute("DELETE FROM activities WHERE id=?", (aid,))
