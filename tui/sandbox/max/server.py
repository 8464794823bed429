"""A faithful MAX server and its OAuth server, backed by SQLite.

Mounted at `/max` (the API) and `/oauth` (the password grant). Speaks the wire subset in the MAX notes: 24-hex ids
that grow with time, bare JSON lists newest first, `before`/`after` paging, `X-totalItems` on HEAD, the three X-Oauth
headers, and MAX's `{"objectType":"error",...}` error shape with its codes.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import random
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from tui.profiles import Connection
from tui.sandbox.host import SandboxContext, ServiceSandbox

ADMIN = ("admin", "admin", "Administrator")
PEOPLE = [
    ("alice", "Alice Martí"),
    ("bob", "Bob Vidal"),
    ("carla", "Carla Puig"),
    ("david", "David Soler"),
    ("elena", "Elena Roca"),
    ("ferran", "Ferran Mas"),
    ("gemma", "Gemma Vila"),
    ("hugo", "Hugo Serra"),
    ("irene", "Irene Font"),
    ("jordi", "Jordi Pons"),
    ("laia", "Laia Costa"),
    ("marc", "Marc Ribas"),
]
CONTEXTS = [
    ("http://intranet.example.com/communities/engineering", "Engineering"),
    ("http://intranet.example.com/communities/design", "Design"),
    ("http://intranet.example.com/communities/support", "Support"),
    ("http://intranet.example.com/communities/social", "Social club"),
    ("http://intranet.example.com/communities/announcements", "Announcements"),
    ("http://intranet.example.com/communities/research", "Research"),
]
HASHTAGS = ["release", "outage", "coffee", "hiring", "design", "python", "security", "lunch", "roadmap", "demo"]
GENERATOR = "sandbox"
SCOPE = "widgetcli"
DUPLICATE_WINDOW = 60  # seconds: the same content posted again within this window is not a new activity
HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)


def context_hash(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MaxError(Exception):
    """Raised inside a handler; becomes MAX's error document with its status."""

    def __init__(self, status: int, name: str, description: str):
        super().__init__(description)
        self.status, self.name, self.description = status, name, description

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"objectType": "error", "error": self.name, "error_description": self.description}, status_code=self.status
        )


def not_found(what: str) -> MaxError:
    return MaxError(404, "ObjectNotFound", what)


# --------------------------------------------------------------------------------------------------------------------
# Ids: like MongoDB ObjectIds, 4 bytes of seconds then a counter, so sorting by id sorts by time.
# --------------------------------------------------------------------------------------------------------------------


class IdMaker:
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

CONVERSATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, published REAL NOT NULL);
CREATE TABLE IF NOT EXISTS participants (conversation TEXT NOT NULL, username TEXT NOT NULL,
                                         PRIMARY KEY (conversation, username));
CREATE INDEX IF NOT EXISTS participants_user ON participants (username);
CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, conversation TEXT NOT NULL, actor TEXT NOT NULL,
                                     content TEXT NOT NULL, published REAL NOT NULL);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages (conversation, id);
"""


# --------------------------------------------------------------------------------------------------------------------
# Seed text: plain, HTML and markdown, with hashtags, so the pane has something real to render.
# --------------------------------------------------------------------------------------------------------------------

SUBJECTS = [
    "the new build",
    "the staging cluster",
    "Friday's demo",
    "the onboarding guide",
    "our API docs",
    "the coffee machine",
    "the Q3 roadmap",
    "the search page",
    "the design system",
    "the support queue",
]
VERBS = [
    "is ready for review",
    "needs another pair of eyes",
    "went better than expected",
    "is finally fixed",
    "moved to next week",
    "has a new owner",
    "got a lot faster",
    "is live for everyone",
]


def seed_content(rng: random.Random) -> str:
    subject, verb, tag = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(HASHTAGS)
    style = rng.random()
    if style < 0.45:
        return f"{subject[0].upper()}{subject[1:]} {verb}. #{tag}"
    if style < 0.7:
        return (
            f"<p><b>Heads up:</b> {subject} {verb}.</p><p>Details on the "
            f'<a href="http://intranet.example.com/wiki">wiki</a> #{tag} #{rng.choice([h for h in HASHTAGS if h != tag])}</p>'
        )
    return (
        f"**{subject[0].upper()}{subject[1:]}** {verb}.\n\n- check the *notes*\n- ping me with `questions`\n\n"
        f"More in [the tracker](http://tracker.example.com) #{tag}"
    )


COMMENTS = [
    "Thanks for the update!",
    "Great news 🎉",
    "Can we talk about this tomorrow?",
    "**+1**",
    "Where are the notes?",
    "I can help with that.",
    "<i>Finally</i>!",
    "Let's add it to the #roadmap",
]


@dataclass
class Caller:
    username: str
    manager: bool


# --------------------------------------------------------------------------------------------------------------------
# The store.
# --------------------------------------------------------------------------------------------------------------------


class MaxStore:
    def __init__(self, ctx: SandboxContext):
        self.path = ctx.db_path("max")
        fresh = not self.path.exists()
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.RLock()
        self.ids = IdMaker()
        self.token_ttl = float(ctx.scale.get("max_token_ttl", 3600))
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (username, expires at)
        if fresh:
            self.db.executescript(SCHEMA)
            self.seed(ctx.scale.get("activities", 3000))
        self.db.executescript(CONVERSATIONS_SCHEMA)  # also added to a database made before conversations existed
        row = self.db.execute(
            "SELECT max(id) FROM (SELECT max(id) AS id FROM activities UNION SELECT max(id) FROM comments "
            "UNION SELECT max(id) FROM messages UNION SELECT max(id) FROM conversations)"
        ).fetchone()
        self.ids.observe(row[0])

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- seeding --------------------------------------------------------------------------------------------------------

    def seed(self, count: int) -> None:
        rng = random.Random(4)
        now = time.time()
        people = [(u, d, u, 0, now - 400 * 86400) for u, d in PEOPLE]
        people.append((ADMIN[0], ADMIN[2], ADMIN[1], 1, now - 400 * 86400))
        usernames = [u for u, _ in PEOPLE]
        contexts = [(context_hash(url), url, name, now - 300 * 86400) for url, name in CONTEXTS]
        hashes = [c[0] for c in contexts]
        # admin follows most people and subscribes to most contexts, so "my timeline" differs from "everything"
        follows = [(ADMIN[0], u) for u in usernames[:-2]] + [
            (u, v) for u in usernames for v in rng.sample(usernames, 4) if u != v
        ]
        subs = [(ADMIN[0], h, now) for h in hashes[:-1]] + [
            (u, h, now) for u in usernames for h in rng.sample(hashes, 3)
        ]
        # spread the activities over the past, roughly two minutes apart, so relative times read naturally
        span = max(count, 1) * 120.0
        activities, tags, comments, likes = [], [], [], []
        for i in range(count):
            ts = now - span + i * 120.0 + rng.random() * 60
            actor = rng.choice(usernames + [ADMIN[0]] * 2)
            content = seed_content(rng)
            context = rng.choice(hashes) if rng.random() < 0.5 else None
            aid = self.ids.make(ts)
            activities.append((aid, actor, content, "note", GENERATOR, context, ts))
            tags.extend((t.lower(), aid) for t in set(HASHTAG_RE.findall(content)))
            for k in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
                cts = ts + 15 * (k + 1) + rng.random() * 10
                comments.append((self.ids.make(cts), aid, rng.choice(usernames), rng.choice(COMMENTS), cts))
            for who in rng.sample(usernames, rng.choice((0, 0, 1, 2, 4))):
                likes.append((aid, who, ts + 30))
        comments.sort()
        with self.lock, self.db:
            self.db.executemany("INSERT INTO people VALUES (?,?,?,?,?)", people)
            self.db.executemany("INSERT INTO contexts VALUES (?,?,?,?)", contexts)
            self.db.executemany("INSERT OR IGNORE INTO follows VALUES (?,?)", follows)
            self.db.executemany("INSERT OR IGNORE INTO subscriptions VALUES (?,?,?)", subs)
            self.db.executemany("INSERT INTO activities VALUES (?,?,?,?,?,?,?)", activities)
            self.db.executemany("INSERT OR IGNORE INTO hashtags VALUES (?,?)", tags)
            self.db.executemany("INSERT INTO comments VALUES (?,?,?,?,?)", comments)
            self.db.executemany("INSERT OR IGNORE INTO likes VALUES (?,?,?)", likes)

    # -- tokens ---------------------------------------------------------------------------------------------------------

    def grant(self, username: str, password: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT password FROM people WHERE username=?", (username.lower(),)).fetchone()
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

    def caller(self, request: Request) -> Caller:
        token = request.headers.get("x-oauth-token")
        username = request.headers.get("x-oauth-username")
        if not token or not username:
            raise MaxError(401, "Unauthorized", "No auth headers found.")
        owner = self.tokens.get(token)
        if owner is not None and owner[1] < time.time():
            del self.tokens[token]  # expired: forget it, the client must ask the OAuth server again
            owner = None
        if owner is None or owner[0] != username.lower():
            raise MaxError(401, "Unauthorized", f"Invalid token for user {username}.")
        row = self.db.execute("SELECT manager FROM people WHERE username=?", (owner[0],)).fetchone()
        if row is None:
            raise MaxError(400, "UnknownUserError", f"Unknown actor identified by username: {owner[0]}")
        return Caller(owner[0], bool(row["manager"]))

    # -- reading --------------------------------------------------------------------------------------------------------

    def person(self, username: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM people WHERE username=?", (username.lower(),)).fetchone()
        if row is None:
            raise MaxError(400, "UnknownUserError", f"Unknown actor identified by username: {username}")
        return row

    def person_json(self, row: sqlite3.Row) -> dict[str, Any]:
        return {"username": row["username"], "displayName": row["display_name"], "objectType": "person"}

    def context_row(self, hash_: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM contexts WHERE hash=?", (hash_,)).fetchone()
        if row is None:
            raise not_found(f"Cannot find context with hash {hash_}")
        return row

    def context_json(self, row: sqlite3.Row, with_dates: bool = False) -> dict[str, Any]:
        out = {"url": row["url"], "hash": row["hash"], "displayName": row["display_name"], "objectType": "context"}
        if with_dates:
            out["published"] = iso(row["published"])
        return out

    def _names(self, usernames: set[str]) -> dict[str, str]:
        if not usernames:
            return {}
        marks = ",".join("?" * len(usernames))
        return {
            r[0]: r[1]
            for r in self.db.execute(
                f"SELECT username, display_name FROM people WHERE username IN ({marks})", tuple(usernames)
            )
        }

    def render_activities(self, rows: list[sqlite3.Row], caller: Caller) -> list[dict[str, Any]]:
        """Activity documents for rows, with replies, likes and contexts loaded in a few batched queries."""
        if not rows:
            return []
        ids = tuple(r["id"] for r in rows)
        marks = ",".join("?" * len(ids))
        replies: dict[str, list[sqlite3.Row]] = {}
        for c in self.db.execute(f"SELECT * FROM comments WHERE activity IN ({marks}) ORDER BY id", ids):
            replies.setdefault(c["activity"], []).append(c)
        likes: dict[str, list[sqlite3.Row]] = {}
        for like in self.db.execute(f"SELECT * FROM likes WHERE activity IN ({marks}) ORDER BY published", ids):
            likes.setdefault(like["activity"], []).append(like)
        hashes = {r["context"] for r in rows if r["context"]}
        contexts = {}
        if hashes:
            hm = ",".join("?" * len(hashes))
            contexts = {
                c["hash"]: c for c in self.db.execute(f"SELECT * FROM contexts WHERE hash IN ({hm})", tuple(hashes))
            }
        names = self._names(
            {r["actor"] for r in rows}
            | {c["actor"] for cs in replies.values() for c in cs}
            | {lk["username"] for ls in likes.values() for lk in ls}
        )
        out = []
        for r in rows:
            actor = {"username": r["actor"], "displayName": names.get(r["actor"], r["actor"]), "objectType": "person"}
            act_likes = likes.get(r["id"], [])
            act_replies = [self.comment_json(c, names) for c in replies.get(r["id"], [])]
            doc: dict[str, Any] = {
                "id": r["id"],
                "objectType": "activity",
                "verb": "post",
                "actor": actor,
                "object": {"objectType": r["object_type"], "content": r["content"]},
                "published": iso(r["published"]),
                "contexts": [self.context_json(contexts[r["context"]])] if r["context"] in contexts else [],
                "replies": act_replies,
                "commentsCount": len(act_replies),
                "lastComment": act_replies[-1]["id"] if act_replies else None,
                "likes": [
                    {
                        "username": lk["username"],
                        "displayName": names.get(lk["username"], lk["username"]),
                        "objectType": "person",
                        "published": iso(lk["published"]),
                    }
                    for lk in act_likes
                ],
                "likesCount": len(act_likes),
                "favorites": [],
                "favoritesCount": 0,
                "generator": r["generator"],
                "liked": any(lk["username"] == caller.username for lk in act_likes),
                "favorited": False,
                "deletable": r["actor"] == caller.username or caller.manager,
                "keywords": sorted(set(t.lower() for t in HASHTAG_RE.findall(r["content"]))),
            }
            out.append(doc)
        return out

    def comment_json(self, c: sqlite3.Row, names: dict[str, str]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "objectType": "comment",
            "content": c["content"],
            "actor": {"username": c["actor"], "displayName": names.get(c["actor"], c["actor"]), "objectType": "person"},
            "published": iso(c["published"]),
            "inReplyTo": [{"id": c["activity"], "objectType": "activity"}],
        }

    def activity_row(self, aid: str) -> sqlite3.Row:
        if not re.fullmatch(r"[0-9a-f]{24}", aid or ""):
            raise MaxError(400, "InvalidId", f"Invalid ObjectId: {aid}")
        row = self.db.execute("SELECT * FROM activities WHERE id=?", (aid,)).fetchone()
        if row is None:
            raise not_found(f"Cannot find activity with id {aid}")
        return row

    def search(self, scope_sql: str, scope_args: tuple, params: dict[str, str], *, count_only: bool = False):
        """Activities in a scope (a WHERE fragment), filtered and paged the MAX way."""
        where, args = [scope_sql], list(scope_args)
        before, after = params.get("before"), params.get("after")
        if before and after:
            raise MaxError(400, "InvalidSearchParams", "You can only specify one of before or after, not both.")
        for name, value in (("before", before), ("after", after)):
            if value and not re.fullmatch(r"[0-9a-f]{24}", value):
                raise MaxError(400, "InvalidId", f"Invalid ObjectId in {name}: {value}")
        if params.get("hashtag"):
            tags = [t.lstrip("#").lower() for t in params["hashtag"].split(",") if t.strip()]
            for tag in tags:
                where.append("id IN (SELECT activity FROM hashtags WHERE tag=?)")
                args.append(tag)
        if params.get("keyword"):
            for word in params["keyword"].split():
                where.append("content LIKE ?")
                args.append(f"%{word}%")
        if params.get("actor"):
            where.append("actor=?")
            args.append(params["actor"].lower())
        if params.get("context"):
            where.append("context=?")
            args.append(params["context"])
        if count_only:
            sql = f"SELECT count(*) FROM activities WHERE {' AND '.join(where)}"
            return self.db.execute(sql, args).fetchone()[0]
        limit = params.get("limit", "10")
        if not limit.isdigit():
            raise MaxError(400, "InvalidSearchParams", f"limit must be a number, not {limit}.")
        limit_n = min(int(limit), 1000) or 10
        if before:
            where.append("id < ?")
            args.append(before)
        if after:
            # the activities right after `after` (so a client catching up misses none), still answered newest first
            where.append("id > ?")
            args.append(after)
            sql = f"SELECT * FROM (SELECT * FROM activities WHERE {' AND '.join(where)} ORDER BY id ASC LIMIT ?) ORDER BY id DESC"
        else:
            sql = f"SELECT * FROM activities WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        return self.db.execute(sql, [*args, limit_n]).fetchall()

    # -- writing --------------------------------------------------------------------------------------------------------

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
            dup = self.db.execute(
                "SELECT id FROM activities WHERE actor=? AND content=? AND coalesce(context,'')=? AND published>? ORDER BY id DESC LIMIT 1",
                (actor, content, context or "", now - DUPLICATE_WINDOW),
            ).fetchone()
            if dup:
                return dup["id"], False
            aid = self.ids.make(now)
            self.db.execute(
                "INSERT INTO activities VALUES (?,?,?,?,?,?,?)",
                (aid, actor, content, object_type, generator, context, now),
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO hashtags VALUES (?,?)",
                [(t.lower(), aid) for t in set(HASHTAG_RE.findall(content))],
            )
            return aid, True


# --------------------------------------------------------------------------------------------------------------------
# HTTP.
# --------------------------------------------------------------------------------------------------------------------


def handler(fn):
    """Wrap an endpoint: MAX errors become MAX error documents; the store lock serialises database work."""

    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request)
        except MaxError as exc:
            return exc.response()
        except (ValueError, TypeError, KeyError) as exc:  # a malformed request the checks above did not foresee
            return MaxError(400, "ValidationError", f"Invalid request: {exc}").response()
        except Exception as exc:  # MAX answers its own error shape even when it breaks
            return MaxError(500, "ServerError", f"{type(exc).__name__}: {exc}").response()

    return endpoint


def object_content(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The `object` of a posted activity or comment and its non-empty `content`, or MAX's validation error."""
    obj = body.get("object")
    if not isinstance(obj, dict):
        raise MaxError(400, "MissingField", "Required field object not found in the request.")
    content = obj.get("content")
    if not isinstance(content, str) or not content.strip():
        raise MaxError(400, "ValidationError", "Validation failed for field content: it can't be empty.")
    return obj, content


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise MaxError(400, "ValidationError", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise MaxError(400, "ValidationError", "The request body must be a JSON object.")
    return body


async def form_body(request: Request) -> dict[str, str]:
    """An urlencoded form (the OAuth token request); parsed here to need no multipart library."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


def listing(request: Request, docs: list[Any] | None = None, total: int | None = None, status: int = 200) -> Response:
    if request.method == "HEAD":
        return Response(status_code=200, headers={"X-totalItems": str(total or 0)})
    return JSONResponse(docs, status_code=status)


class MaxSandbox:
    def __init__(self, ctx: SandboxContext):
        self.ctx = ctx
        self.store = MaxStore(ctx)
        self.live_interval = float(ctx.scale.get("max_live_interval", 4))

    # -- OAuth ----------------------------------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await form_body(request)
        if form.get("grant_type") != "password":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        if not username or not password:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "username and password are required"}, status_code=400
            )
        token = self.store.grant(username, password)
        if token is None:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid username or password"}, status_code=400
            )
        scope = str(form.get("scope") or SCOPE)
        return JSONResponse(
            {
                "access_token": token,
                "oauth_token": token,
                "token_type": "bearer",
                "scope": scope,
                "expires_in": int(self.store.token_ttl),
            }
        )

    async def check_token(self, request: Request) -> Response:
        form = await form_body(request)
        owner = self.store.tokens.get(str(form.get("access_token", "")))
        if owner and owner[0] == str(form.get("username", "")).lower() and owner[1] >= time.time():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"error": "invalid_token"}, status_code=401)

    # -- MAX ------------------------------------------------------------------------------------------------------------

    async def info(self, request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(
            {
                "max.oauth_server": f"{base}/oauth",
                "max.stomp_server": f"{request.url.hostname}:61613",
                "max.server_id": "sandbox",
                "version": "5.0-sandbox",
            }
        )

    def _caller(self, request: Request) -> Caller:
        with self.store.lock:
            return self.store.caller(request)

    async def people(self, request: Request) -> Response:
        caller = self._caller(request)
        s = self.store
        if request.method == "POST":
            body = await json_body(request)
            return self._create_person(caller, str(body.get("username") or ""), body)
        with s.lock:
            query = request.query_params.get("username", "")
            args: tuple = (f"%{query.lower()}%",)
            if request.method == "HEAD":
                total = s.db.execute("SELECT count(*) FROM people WHERE username LIKE ?", args).fetchone()[0]
                return listing(request, total=total)
            limit = int(request.query_params.get("limit", "100") or 100)
            rows = s.db.execute(
                "SELECT * FROM people WHERE username LIKE ? ORDER BY username LIMIT ?", (*args, limit)
            ).fetchall()
            return JSONResponse([s.person_json(r) for r in rows])

    def _create_person(self, caller: Caller, username: str, body: dict[str, Any]) -> Response:
        s = self.store
        if not caller.manager:
            raise MaxError(403, "Forbidden", "You don't have permission to create people.")
        if not re.fullmatch(r"[a-z0-9._-]+", username or ""):
            raise MaxError(
                400, "ValidationError", "A person needs a username of lowercase letters, digits, dots or dashes."
            )
        with s.lock, s.db:
            row = s.db.execute("SELECT * FROM people WHERE username=?", (username,)).fetchone()
            if row is not None:
                return JSONResponse(s.person_json(row), status_code=200)
            s.db.execute(
                "INSERT INTO people VALUES (?,?,?,0,?)",
                (username, str(body.get("displayName") or username), secrets.token_hex(8), time.time()),
            )
            return JSONResponse(s.person_json(s.person(username)), status_code=201)

    async def person(self, request: Request) -> Response:
        caller = self._caller(request)
        username = request.path_params["username"].lower()
        s = self.store
        if request.method == "POST":
            return self._create_person(caller, username, await json_body(request))
        if request.method == "PUT":
            if caller.username != username and not caller.manager:
                raise MaxError(403, "Forbidden", "You can only change your own profile.")
            body = await json_body(request)
            with s.lock, s.db:
                s.person(username)
                if body.get("displayName"):
                    s.db.execute(
                        "UPDATE people SET display_name=? WHERE username=?", (str(body["displayName"]), username)
                    )
        with s.lock:
            row = s.person(username)
            doc = s.person_json(row)
            doc["published"] = iso(row["published"])
            doc["following"] = [
                {"username": r[0], "objectType": "person"}
                for r in s.db.execute("SELECT followee FROM follows WHERE follower=?", (username,))
            ]
            doc["subscribedTo"] = [
                s.context_json(r)
                for r in s.db.execute(
                    "SELECT c.* FROM contexts c JOIN subscriptions s ON s.hash=c.hash WHERE s.username=? ORDER BY c.display_name",
                    (username,),
                )
            ]
        return JSONResponse(doc)

    def _page(self, request: Request, caller: Caller, scope_sql: str, scope_args: tuple) -> Response:
        s = self.store
        params = dict(request.query_params)
        with s.lock:
            if request.method == "HEAD":
                return listing(request, total=s.search(scope_sql, scope_args, params, count_only=True))
            rows = s.search(scope_sql, scope_args, params)
            return JSONResponse(s.render_activities(rows, caller))

    async def timeline(self, request: Request) -> Response:
        caller = self._caller(request)
        username = request.path_params["username"].lower()
        if username != caller.username and not caller.manager:
            raise MaxError(403, "Forbidden", "You can only read your own timeline.")
        with self.store.lock:
            self.store.person(username)
        # unary + keeps SQLite from a multi-index OR plus a sort of everything: walking ids newest first and
        # filtering stops as soon as the page is full, which is what a timeline wants
        scope = (
            "(+actor=? OR +actor IN (SELECT followee FROM follows WHERE follower=?) "
            "OR +context IN (SELECT hash FROM subscriptions WHERE username=?))"
        )
        return self._page(request, caller, scope, (username, username, username))

    async def user_activities(self, request: Request) -> Response:
        caller = self._caller(request)
        username = request.path_params["username"].lower()
        with self.store.lock:
            self.store.person(username)
        if request.method == "POST":
            if username != caller.username and not caller.manager:
                raise MaxError(403, "Forbidden", "You can only post as yourself.")
            return await self._post(request, caller, username, None)
        return self._page(request, caller, "actor=?", (username,))

    async def _post(self, request: Request, caller: Caller, actor: str, context: str | None) -> Response:
        body = await json_body(request)
        obj, content = object_content(body)
        object_type = str(obj.get("objectType") or "note")
        if object_type not in ("note", "image", "file"):
            raise MaxError(400, "ValidationError", f"Unknown object type {object_type}.")
        s = self.store
        with s.lock:
            if context is None and body.get("contexts"):
                ctxs = body["contexts"]
                first = ctxs[0] if isinstance(ctxs, list) and ctxs else None
                if not isinstance(first, dict):
                    raise MaxError(400, "ValidationError", "contexts must be a list of context objects.")
                context = first.get("hash") or (context_hash(first["url"]) if first.get("url") else None)
                if not context:
                    raise MaxError(400, "ValidationError", "A context needs a url or a hash.")
            if context:
                s.context_row(context)
                subscribed = s.db.execute(
                    "SELECT 1 FROM subscriptions WHERE username=? AND hash=?", (actor, context)
                ).fetchone()
                if not subscribed and not caller.manager:
                    raise MaxError(
                        403, "Forbidden", "You are not subscribed to this context; subscribe first to post in it."
                    )
        aid, created = s.add_activity(
            actor, content.strip(), context=context, generator=body.get("generator"), object_type=object_type
        )
        with s.lock:
            doc = s.render_activities([s.activity_row(aid)], caller)[0]
        return JSONResponse(doc, status_code=201 if created else 200)

    async def contexts(self, request: Request) -> Response:
        caller = self._caller(request)
        s = self.store
        if request.method == "POST":
            if not caller.manager:
                raise MaxError(403, "Forbidden", "You don't have permission to create contexts.")
            body = await json_body(request)
            url = body.get("url")
            if not isinstance(url, str) or not url:
                raise MaxError(400, "MissingField", "Required field url not found in the request.")
            h = context_hash(url)
            with s.lock, s.db:
                row = s.db.execute("SELECT * FROM contexts WHERE hash=?", (h,)).fetchone()
                if row is not None:
                    return JSONResponse(s.context_json(row, True), status_code=200)
                s.db.execute(
                    "INSERT INTO contexts VALUES (?,?,?,?)", (h, url, str(body.get("displayName") or url), time.time())
                )
                return JSONResponse(s.context_json(s.context_row(h), True), status_code=201)
        with s.lock:
            if request.method == "HEAD":
                return listing(request, total=s.db.execute("SELECT count(*) FROM contexts").fetchone()[0])
            rows = s.db.execute("SELECT * FROM contexts ORDER BY display_name").fetchall()
            return JSONResponse([s.context_json(r, True) for r in rows])

    async def context(self, request: Request) -> Response:
        self._caller(request)
        with self.store.lock:
            return JSONResponse(self.store.context_json(self.store.context_row(request.path_params["hash"]), True))

    async def context_activities(self, request: Request) -> Response:
        caller = self._caller(request)
        h = request.path_params["hash"]
        with self.store.lock:
            self.store.context_row(h)
        if request.method == "POST":
            return await self._post(request, caller, caller.username, h)
        return self._page(request, caller, "context=?", (h,))

    async def subscriptions(self, request: Request) -> Response:
        caller = self._caller(request)
        username = request.path_params["username"].lower()
        s = self.store
        if request.method == "POST":
            if username != caller.username and not caller.manager:
                raise MaxError(403, "Forbidden", "You can only subscribe yourself.")
            body = await json_body(request)
            obj = body.get("object") if isinstance(body.get("object"), dict) else body
            url, h = obj.get("url"), obj.get("hash")
            if not url and not h:
                raise MaxError(400, "MissingField", "Required field object.url not found in the request.")
            h = h or context_hash(url)
            with s.lock, s.db:
                s.person(username)
                row = s.context_row(h)
                created = s.db.execute(
                    "INSERT OR IGNORE INTO subscriptions VALUES (?,?,?)", (username, h, time.time())
                ).rowcount
                return JSONResponse(s.context_json(row, True), status_code=201 if created else 200)
        with s.lock:
            s.person(username)
            rows = s.db.execute(
                "SELECT c.* FROM contexts c JOIN subscriptions s ON s.hash=c.hash WHERE s.username=? ORDER BY c.display_name",
                (username,),
            ).fetchall()
            if request.method == "HEAD":
                return listing(request, total=len(rows))
            return JSONResponse([s.context_json(r, True) for r in rows])

    async def activity(self, request: Request) -> Response:
        caller = self._caller(request)
        aid = request.path_params["id"]
        s = self.store
        with s.lock:
            row = s.activity_row(aid)
            if request.method == "DELETE":
                if row["actor"] != caller.username and not caller.manager:
                    raise MaxError(403, "Forbidden", "You are not allowed to delete this activity.")
                with s.db:
                    for table, column in (
                        ("comments", "activity"),
                        ("likes", "activity"),
                        ("hashtags", "activity"),
                        ("activities", "id"),
                    ):
                        s.db.execute(f"DELETE FROM {table} WHERE {column}=?", (aid,))
                return Response(status_code=204)
            return JSONResponse(s.render_activities([row], caller)[0])

    async def comments(self, request: Request) -> Response:
        caller = self._caller(request)
        aid = request.path_params["id"]
        s = self.store
        if request.method == "POST":
            body = await json_body(request)
            _, content = object_content(body)
            with s.lock, s.db:
                parent = s.activity_row(aid)
                now = time.time()
                cid = s.ids.make(now)
                s.db.execute(
                    "INSERT INTO comments VALUES (?,?,?,?,?)", (cid, aid, caller.username, content.strip(), now)
                )
                actor = s.person_json(s.person(caller.username))
                doc = {
                    "id": cid,
                    "objectType": "activity",
                    "verb": "comment",
                    "actor": actor,
                    "object": {
                        "objectType": "comment",
                        "content": content.strip(),
                        "inReplyTo": [{"id": aid, "objectType": "activity"}],
                    },
                    "published": iso(now),
                    "contexts": s.render_activities([parent], caller)[0]["contexts"],
                    "generator": body.get("generator"),
                }
            return JSONResponse(doc, status_code=201)
        with s.lock:
            s.activity_row(aid)
            rows = s.db.execute("SELECT * FROM comments WHERE activity=? ORDER BY id", (aid,)).fetchall()
            if request.method == "HEAD":
                return listing(request, total=len(rows))
            names = s._names({r["actor"] for r in rows})
            return JSONResponse([s.comment_json(r, names) for r in rows])

    async def likes(self, request: Request) -> Response:
        caller = self._caller(request)
        aid = request.path_params["id"]
        s = self.store
        with s.lock:
            s.activity_row(aid)
            if request.method == "POST":
                with s.db:
                    created = s.db.execute(
                        "INSERT OR IGNORE INTO likes VALUES (?,?,?)", (aid, caller.username, time.time())
                    ).rowcount
                doc = s.render_activities([s.activity_row(aid)], caller)[0]
                return JSONResponse(doc, status_code=201 if created else 200)
            rows = s.db.execute("SELECT * FROM likes WHERE activity=? ORDER BY published", (aid,)).fetchall()
            if request.method == "HEAD":
                return listing(request, total=len(rows))
            names = s._names({r["username"] for r in rows})
            return JSONResponse(
                [
                    {
                        "username": r["username"],
                        "displayName": names.get(r["username"], r["username"]),
                        "objectType": "person",
                        "published": iso(r["published"]),
                    }
                    for r in rows
                ]
            )

    async def unlike(self, request: Request) -> Response:
        caller = self._caller(request)
        aid, username = request.path_params["id"], request.path_params["username"].lower()
        if username != caller.username and not caller.manager:
            raise MaxError(403, "Forbidden", "You can only remove your own like.")
        s = self.store
        with s.lock, s.db:
            s.activity_row(aid)
            gone = s.db.execute("DELETE FROM likes WHERE activity=? AND username=?", (aid, username)).rowcount
        if not gone:
            raise not_found(f"{username} has not liked activity {aid}")
        return Response(status_code=204)

    async def follow(self, request: Request) -> Response:
        caller = self._caller(request)
        username, followee = request.path_params["username"].lower(), request.path_params["followee"].lower()
        if username != caller.username and not caller.manager:
            raise MaxError(403, "Forbidden", "You can only follow people yourself.")
        s = self.store
        with s.lock, s.db:
            s.person(username), s.person(followee)
            if request.method == "DELETE":
                s.db.execute("DELETE FROM follows WHERE follower=? AND followee=?", (username, followee))
                return Response(status_code=204)
            created = s.db.execute("INSERT OR IGNORE INTO follows VALUES (?,?)", (username, followee)).rowcount
            return JSONResponse(s.person_json(s.person(followee)), status_code=201 if created else 200)

    # -- private conversations -------------------------------------------------------------------------------------------

    def _conversation_json(self, row: sqlite3.Row) -> dict[str, Any]:
        s = self.store
        people = s.db.execute(
            "SELECT p.* FROM people p JOIN participants c ON c.username=p.username WHERE c.conversation=? ORDER BY p.username",
            (row["id"],),
        ).fetchall()
        last = s.db.execute(
            "SELECT * FROM messages WHERE conversation=? ORDER BY id DESC LIMIT 1", (row["id"],)
        ).fetchone()
        count = s.db.execute("SELECT count(*) FROM messages WHERE conversation=?", (row["id"],)).fetchone()[0]
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
        names = self.store._names({row["actor"]})
        return {
            "id": row["id"],
            "objectType": "message",
            "verb": "post",
            "actor": {
                "username": row["actor"],
                "displayName": names.get(row["actor"], row["actor"]),
                "objectType": "person",
            },
            "object": {"objectType": "message", "content": row["content"]},
            "contexts": [
                {"id": conversation["id"], "objectType": "conversation", "displayName": conversation["display_name"]}
            ],
            "published": iso(row["published"]),
        }

    def _message_content(self, body: dict[str, Any]) -> str:
        obj = body.get("object")
        if not isinstance(obj, dict):
            raise MaxError(400, "MissingField", "Required field object not found in the request.")
        content = obj.get("content")
        if not isinstance(content, str) or not content.strip():
            raise MaxError(400, "ValidationError", "Validation failed for field content: it can't be empty.")
        return content.strip()

    def _conversation_row(self, cid: str, caller: Caller) -> sqlite3.Row:
        s = self.store
        row = s.db.execute("SELECT * FROM conversations WHERE id=?", (cid,)).fetchone()
        if row is None:
            raise not_found(f"Cannot find conversation with id {cid}")
        member = s.db.execute(
            "SELECT 1 FROM participants WHERE conversation=? AND username=?", (cid, caller.username)
        ).fetchone()
        if not member:
            raise MaxError(403, "Forbidden", "You are not a participant of this conversation.")
        return row

    async def conversations(self, request: Request) -> Response:
        caller = self._caller(request)
        s = self.store
        if request.method == "POST":
            body = await json_body(request)
            content = self._message_content(body)
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
                mid = s.ids.make(now)
                s.db.execute("INSERT INTO messages VALUES (?,?,?,?,?)", (mid, cid, caller.username, content, now))
                conversation = s.db.execute("SELECT * FROM conversations WHERE id=?", (cid,)).fetchone()
                message = s.db.execute("SELECT * FROM messages WHERE id=?", (mid,)).fetchone()
                return JSONResponse(self._message_json(message, conversation), status_code=201)
        with s.lock:
            rows = s.db.execute(
                "SELECT c.* FROM conversations c JOIN participants p ON p.conversation=c.id WHERE p.username=? ORDER BY c.id DESC",
                (caller.username,),
            ).fetchall()
            if request.method == "HEAD":
                return listing(request, total=len(rows))
            return JSONResponse([self._conversation_json(r) for r in rows])

    async def conversation_messages(self, request: Request) -> Response:
        caller = self._caller(request)
        s = self.store
        cid = request.path_params["id"]
        if request.method == "POST":
            content = self._message_content(await json_body(request))
            now = time.time()
            with s.lock, s.db:
                conversation = self._conversation_row(cid, caller)
                mid = s.ids.make(now)
                s.db.execute("INSERT INTO messages VALUES (?,?,?,?,?)", (mid, cid, caller.username, content, now))
                message = s.db.execute("SELECT * FROM messages WHERE id=?", (mid,)).fetchone()
                return JSONResponse(self._message_json(message, conversation), status_code=201)
        with s.lock:
            conversation = self._conversation_row(cid, caller)
            rows = s.db.execute("SELECT * FROM messages WHERE conversation=? ORDER BY id DESC", (cid,)).fetchall()
            if request.method == "HEAD":
                return listing(request, total=len(rows))
            return JSONResponse([self._message_json(r, conversation) for r in rows])

    # -- routes and demo --------------------------------------------------------------------------------------------------

    def routes(self) -> list:
        r = lambda path, fn, methods: Route(path, handler(fn), methods=methods)  # noqa: E731
        read = ["GET", "HEAD"]
        api = [
            r("/info", self.info, ["GET"]),
            r("/people", self.people, [*read, "POST"]),
            r("/people/{username}", self.person, ["GET", "POST", "PUT"]),
            r("/people/{username}/timeline", self.timeline, read),
            r("/people/{username}/activities", self.user_activities, [*read, "POST"]),
            r("/people/{username}/subscriptions", self.subscriptions, [*read, "POST"]),
            r("/people/{username}/follows/{followee}", self.follow, ["POST", "DELETE"]),
            r("/contexts", self.contexts, [*read, "POST"]),
            r("/contexts/{hash}", self.context, ["GET"]),
            r("/contexts/{hash}/activities", self.context_activities, [*read, "POST"]),
            r("/activities/{id}", self.activity, ["GET", "DELETE"]),
            r("/activities/{id}/comments", self.comments, [*read, "POST"]),
            r("/activities/{id}/likes", self.likes, [*read, "POST"]),
            r("/activities/{id}/likes/{username}", self.unlike, ["DELETE"]),
            r("/conversations", self.conversations, [*read, "POST"]),
            r("/conversations/{id}/messages", self.conversation_messages, [*read, "POST"]),
        ]
        oauth = [
            Route("/token", self.token, methods=["POST"]),
            Route("/checktoken", self.check_token, methods=["POST"]),
        ]
        return [Mount("/max", routes=api), Mount("/oauth", routes=oauth)]

    def post_as(self, username: str, content: str, context_url: str | None = None) -> str:
        """Post an activity directly (demo traffic, tests that need 'someone else' to post); returns its id."""
        aid, _ = self.store.add_activity(
            username, content, context=context_hash(context_url) if context_url else None, generator=GENERATOR
        )
        return aid

    async def live(self) -> None:
        rng = random.Random()
        while True:
            await asyncio.sleep(self.live_interval)
            who = rng.choice([u for u, _ in PEOPLE[:-2]])
            context = rng.choice([url for url, _ in CONTEXTS[:-1]]) if rng.random() < 0.4 else None
            self.post_as(who, f"{seed_content(rng)} (live, {datetime.now().strftime('%H:%M:%S')})", context)


SANDBOXES: dict[str, MaxSandbox] = {}  # data dir -> the running sandbox, so tests can reach in (revoke tokens, post)


def create(ctx: SandboxContext) -> ServiceSandbox:
    box = MaxSandbox(ctx)
    SANDBOXES[str(ctx.data_dir)] = box

    def connection(base_url: str) -> Connection:
        return Connection(kind="max", url=base_url + "/max", username=ADMIN[0], secret=ADMIN[1], secret_source="memory")

    def describe(base_url: str) -> str:
        return f"MAX      {base_url}/max  ({ADMIN[0]} / {ADMIN[1]}; OAuth server {base_url}/oauth)"

    def close() -> None:
        SANDBOXES.pop(str(ctx.data_dir), None)
        box.store.close()

    return ServiceSandbox(
        kind="max",
        routes=box.routes(),
        connection=connection,
        describe=describe,
        live=box.live if ctx.demo else None,
        close=close,
    )


def sandbox_for(sandbox) -> MaxSandbox:
    """The MAX part of a running `tui.sandbox.Sandbox`."""
    return SANDBOXES[str(sandbox.context.data_dir)]
