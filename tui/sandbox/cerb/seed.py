"""Seed data for the Cerb sandbox: a small helpdesk with believable conversations.

Deterministic (a fixed random seed), so a screenshot or a test sees the same tickets every time. Written with
`executemany` in one transaction; 100,000 tickets take a few seconds.
"""

from __future__ import annotations

import random
import sqlite3
import string
import time

from tui.sandbox.cerb.demo_content import COMMENTS, CONVERSATIONS, FIRST, GROUPS, LAST, ORGS, WORKERS

SCHEMA = """
CREATE TABLE workers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, title TEXT,
    is_superuser INTEGER DEFAULT 0, is_disabled INTEGER DEFAULT 0, at_mention_name TEXT, updated INTEGER);
CREATE TABLE api_keys (access_key TEXT PRIMARY KEY, secret TEXT, worker_id INTEGER);
CREATE TABLE oauth_tokens (token TEXT PRIMARY KEY, worker_id INTEGER, expires INTEGER);
CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT, is_default INTEGER DEFAULT 0, is_private INTEGER DEFAULT 0,
    updated INTEGER, replyto_id INTEGER DEFAULT 0);
CREATE TABLE buckets (id INTEGER PRIMARY KEY, group_id INTEGER, name TEXT, is_default INTEGER DEFAULT 0,
    updated INTEGER);
CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT, city TEXT, country TEXT, website TEXT, updated INTEGER);
CREATE TABLE addresses (id INTEGER PRIMARY KEY, email TEXT UNIQUE, first_name TEXT, last_name TEXT, org_id INTEGER,
    worker_id INTEGER DEFAULT 0, created INTEGER DEFAULT 0);
CREATE TABLE tickets (id INTEGER PRIMARY KEY, mask TEXT UNIQUE, subject TEXT, status_id INTEGER, importance INTEGER,
    group_id INTEGER, bucket_id INTEGER, owner_id INTEGER, org_id INTEGER, created INTEGER, updated INTEGER,
    closed INTEGER, initial_message_id INTEGER, latest_message_id INTEGER, num_messages INTEGER,
    first_wrote_address_id INTEGER, num_messages_in INTEGER DEFAULT 0, reopen_date INTEGER DEFAULT 0,
    spam_score REAL DEFAULT 0.0001, spam_training TEXT DEFAULT '');
CREATE TABLE messages (id INTEGER PRIMARY KEY, ticket_id INTEGER, sender_id INTEGER, worker_id INTEGER,
    created INTEGER, is_outgoing INTEGER, content TEXT);
CREATE TABLE comments (id INTEGER PRIMARY KEY, ticket_id INTEGER, worker_id INTEGER, created INTEGER, comment TEXT);
CREATE TABLE attachments (id INTEGER PRIMARY KEY, name TEXT, mime_type TEXT, sha1 TEXT, content BLOB,
    updated INTEGER);
CREATE TABLE attachment_links (attachment_id INTEGER, message_id INTEGER);
CREATE INDEX attachment_links_message ON attachment_links(message_id);
CREATE INDEX tickets_updated ON tickets(updated);
CREATE INDEX tickets_status_updated ON tickets(status_id, updated);
CREATE INDEX tickets_group ON tickets(group_id, updated);
CREATE INDEX tickets_owner ON tickets(owner_id, updated);
CREATE INDEX messages_ticket ON messages(ticket_id, created);
CREATE INDEX comments_ticket ON comments(ticket_id, created);
"""

ACCESS_KEY = "sandbox"
SECRET = "sandbox-secret"
OAUTH_TOKEN = "sandbox-oauth-token"
ME = 1  # the worker the sandbox key signs in as
SCHEMA_MARK = ("tickets", "spam_training")  # a database without this column predates the schema above


def reply_address(group_id: int) -> int:
    """The id of the address a group's outgoing mail is sent from."""
    return 50 + group_id


def _mask(rng: random.Random, used: set[str]) -> str:
    while True:
        mask = "{}-{:05d}-{:03d}".format(
            "".join(rng.choice(string.ascii_uppercase) for _ in range(3)), rng.randrange(100000), rng.randrange(1000)
        )
        if mask not in used:
            used.add(mask)
            return mask


def seed(db: sqlite3.Connection, tickets: int = 300, now: int | None = None) -> None:
    """Create the schema and fill it. Runs once, when the database is new."""
    rng = random.Random(20240611)
    now = int(now or time.time())
    db.executescript(SCHEMA)
    with db:
        db.executemany(
            "INSERT INTO workers (id, first_name, last_name, email, title, is_superuser, at_mention_name, updated)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(i, first, last, e, t, s, first, now - 86400 * 30) for i, first, last, e, t, s in WORKERS],
        )
        db.execute("INSERT INTO api_keys VALUES (?,?,?)", (ACCESS_KEY, SECRET, ME))
        db.execute("INSERT INTO oauth_tokens VALUES (?,?,?)", (OAUTH_TOKEN, ME, now + 86400 * 3650))
        group_rows, bucket_rows = [], []
        buckets_by_group: dict[int, dict[str | None, int]] = {}
        bucket_id = 0
        for gid, name, bucket_names in GROUPS:
            group_rows.append((gid, name, 1 if gid == 1 else 0, 0, now - 86400 * 60, reply_address(gid)))
            buckets_by_group[gid] = {}
            for bname in [None, *bucket_names]:  # None: the group's inbox (its default bucket)
                bucket_id += 1
                bucket_rows.append((bucket_id, gid, bname or "Inbox", 1 if bname is None else 0, now - 86400 * 60))
                buckets_by_group[gid][bname] = bucket_id
        db.executemany("INSERT INTO groups VALUES (?,?,?,?,?,?)", group_rows)
        db.executemany("INSERT INTO buckets VALUES (?,?,?,?,?)", bucket_rows)
        db.executemany(
            "INSERT INTO orgs VALUES (?,?,?,?,?,?)",
            [
                (i + 1, n, c, k, "https://" + n.split()[0].lower().replace("&", "") + ".example", now - 86400 * 90)
                for i, (n, c, k) in enumerate(ORGS)
            ],
        )
        created = now - 86400 * 365
        address_rows = [(w[0], w[3], w[1], w[2], 0, w[0], created) for w in WORKERS]  # workers' own, same ids
        # each group answers from its own address, as Cerb's groups do
        address_rows += [(reply_address(g[0]), f"{g[1].lower()}@help.example", "", "", 0, 0, created) for g in GROUPS]
        customers = []
        for i in range(80):
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
            org_id = rng.randrange(len(ORGS)) + 1
            domain = ORGS[org_id - 1][0].split()[0].lower().replace("&", "") + ".example"
            email = f"{first.lower()}.{last.lower().replace(' ', '')}{i}@{domain}".replace("á", "a").replace("é", "e")
            address_id = 100 + i
            address_rows.append((address_id, email, first, last, org_id, 0, created))
            customers.append((address_id, first, org_id))
        db.executemany("INSERT INTO addresses VALUES (?,?,?,?,?,?,?)", address_rows)

        used: set[str] = set()
        ticket_rows, message_rows, comment_rows = [], [], []
        message_id = comment_id = 0
        span = 86400 * 120
        for tid in range(1, tickets + 1):
            group_id, bucket_name, subject, script = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))]
            address_id, name, org_id = customers[rng.randrange(len(customers))]
            worker = WORKERS[rng.randrange(len(WORKERS))]
            n = rng.randrange(10000, 99999)
            fill = {"name": name, "worker": worker[1], "org": ORGS[org_id - 1][0], "n": n}
            # older ids are older tickets, so the default sort (updated, newest first) looks natural
            created = now - span + int(span * (tid / (tickets + 1))) - rng.randrange(3600)
            length = len(script) if tickets <= 5000 else min(len(script), 1 + rng.randrange(2))
            steps = script[: max(1, rng.randrange(1, length + 1))]
            at = created
            first_mid = message_id + 1
            for who, body in steps:
                message_id += 1
                outgoing = who == "w"
                message_rows.append(
                    (
                        message_id,
                        tid,
                        reply_address(group_id) if outgoing else address_id,
                        worker[0] if outgoing else 0,
                        at,
                        1 if outgoing else 0,
                        body.format(**fill),
                    )
                )
                at += rng.randrange(600, 86400)
            updated = min(at, now - 60 - rng.randrange(600))
            last_who = steps[-1][0]
            roll = rng.random()
            if last_who == "w":
                status = 2 if roll < 0.55 else 1
            else:
                status = 0 if roll < 0.85 else 2
            owner = 0 if (status == 0 and rng.random() < 0.35) else worker[0]
            bucket = buckets_by_group[group_id][bucket_name]
            importance = rng.choice((10, 30, 50, 50, 50, 70, 90)) if "URGENT" not in subject else 95
            ticket_rows.append(
                (
                    tid,
                    _mask(rng, used),
                    subject.format(**fill),
                    status,
                    importance,
                    group_id,
                    bucket,
                    owner,
                    org_id,
                    created,
                    updated,
                    updated if status == 2 else 0,
                    first_mid,
                    message_id,
                    len(steps),
                    address_id,
                    sum(1 for who, _ in steps if who != "w"),
                )
            )
            if tickets <= 5000 and rng.random() < 0.25:
                comment_id += 1
                comment_rows.append((comment_id, tid, rng.choice(WORKERS)[0], created + 1800, rng.choice(COMMENTS)))
        db.executemany(
            "INSERT INTO tickets (id, mask, subject, status_id, importance, group_id, bucket_id, owner_id, org_id,"
            " created, updated, closed, initial_message_id, latest_message_id, num_messages, first_wrote_address_id,"
            " num_messages_in) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ticket_rows,
        )
        db.executemany("INSERT INTO messages VALUES (?,?,?,?,?,?,?)", message_rows)
        db.executemany("INSERT INTO comments VALUES (?,?,?,?,?)", comment_rows)
