"""Demo content for the MAX sandbox: people, contexts, follows, a past of activities with comments and likes, and
the live generator that keeps posting while `servicedeck demo` runs.

Content comes in the three shapes real MAX clients send (plain text, simple HTML, markdown) with hashtags, so the
pane has something real to render. The seed is deterministic (a fixed random seed) so tests and screenshots agree.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime
from typing import Any

from tui.sandbox.max.store import HASHTAG_RE, MaxStore, context_hash

ADMIN = ("admin", "admin", "Administrator")  # username, password, display name; a manager
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


def seed_content(rng: random.Random) -> str:
    subject, verb, tag = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(HASHTAGS)
    style = rng.random()
    if style < 0.45:
        return f"{subject[0].upper()}{subject[1:]} {verb}. #{tag}"
    if style < 0.7:
        other = rng.choice([h for h in HASHTAGS if h != tag])
        return (
            f"<p><b>Heads up:</b> {subject} {verb}.</p><p>Details on the "
            f'<a href="http://intranet.example.com/wiki">wiki</a> #{tag} #{other}</p>'
        )
    return (
        f"**{subject[0].upper()}{subject[1:]}** {verb}.\n\n- check the *notes*\n- ping me with `questions`\n\n"
        f"More in [the tracker](http://tracker.example.com) #{tag}"
    )


def seed(store: MaxStore, count: int) -> None:
    """Fill a fresh store: everyone signs in with their username as password (admin / admin)."""
    rng = random.Random(4)
    now = time.time()
    people: list[tuple[Any, ...]] = [(u, d, u, 0, now - 400 * 86400) for u, d in PEOPLE]
    people.append((ADMIN[0], ADMIN[2], ADMIN[1], 1, now - 400 * 86400))
    usernames = [u for u, _ in PEOPLE]
    contexts: list[tuple[Any, ...]] = [(context_hash(url), url, name, now - 300 * 86400) for url, name in CONTEXTS]
    hashes = [c[0] for c in contexts]
    # admin follows most people and subscribes to most contexts, so "my timeline" differs from "everything"
    follows: list[tuple[Any, ...]] = [(ADMIN[0], u) for u in usernames[:-2]] + [
        (u, v) for u in usernames for v in rng.sample(usernames, 4) if u != v
    ]
    subs: list[tuple[Any, ...]] = [(ADMIN[0], h, now) for h in hashes[:-1]] + [
        (u, h, now) for u in usernames for h in rng.sample(hashes, 3)
    ]
    # spread the activities over the past, roughly two minutes apart, so relative times read naturally
    span = max(count, 1) * 120.0
    activities: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
    likes: list[tuple[Any, ...]] = []
    for i in range(count):
        ts = now - span + i * 120.0 + rng.random() * 60
        actor = rng.choice([*usernames, ADMIN[0], ADMIN[0]])
        content = seed_content(rng)
        context = rng.choice(hashes) if rng.random() < 0.5 else None
        aid = store.ids.make(ts)
        activities.append((aid, actor, content, "note", GENERATOR, context, ts))
        tags.extend((t.lower(), aid) for t in set(HASHTAG_RE.findall(content)))
        for k in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            cts = ts + 15 * (k + 1) + rng.random() * 10
            comments.append((store.ids.make(cts), aid, rng.choice(usernames), rng.choice(COMMENTS), cts))
        for who in rng.sample(usernames, rng.choice((0, 0, 1, 2, 4))):
            likes.append((aid, who, ts + 30))
    comments.sort()
    # admin keeps a handful of favorites: every 97th activity, so they are spread over the past
    favorites: list[tuple[Any, ...]] = [(a[0], ADMIN[0], a[6] + 60) for a in activities[::97]]
    for table, rows in (
        ("people", people),
        ("contexts", contexts),
        ("follows", follows),
        ("subscriptions", subs),
        ("activities", activities),
        ("hashtags", tags),
        ("comments", comments),
        ("likes", likes),
        ("favorites", favorites),
    ):
        store.insert_many(table, rows)
    seed_conversations(store, now)


# Private conversations of the demo: (title or "" for a two-person one, participants, messages as (who, text)).
# The last messages of each come from someone else, so admin opens the demo with unread messages.
CONVERSATIONS = [
    (
        "",
        ("admin", "alice"),
        [
            ("admin", "Do you have a minute for the release notes?"),
            ("alice", "Sure, after lunch."),
            ("alice", "I left my comments on the draft #release"),
        ],
    ),
    (
        "Friday demo",
        ("admin", "bob", "carla"),
        [
            ("bob", "Who shows the new search page?"),
            ("admin", "Carla, if she is back by then."),
            ("carla", "I am! I'll take it."),
            ("bob", "Great, I book room 2."),
        ],
    ),
    ("", ("admin", "david"), [("admin", "The staging cluster is yours this week."), ("david", "Thanks!")]),
]


def seed_conversations(store: MaxStore, now: float) -> None:
    """Conversations with admin, read by admin up to its own last message (so what came after is unread)."""
    for n, (title, people, messages) in enumerate(CONVERSATIONS):
        start = now - (len(CONVERSATIONS) - n) * 3600
        cid = store.ids.make(start)
        store.insert_many("conversations", [(cid, title, start)])
        store.insert_many("participants", [(cid, who) for who in people])
        rows = [
            (store.ids.make(start + 60 * k), cid, who, text, start + 60 * k) for k, (who, text) in enumerate(messages)
        ]
        store.insert_many("messages", rows)
        read = [row[0] for row in rows if row[2] == ADMIN[0]]
        if read:
            store.insert_many("conversation_reads", [(cid, ADMIN[0], read[-1])])


def post_as(store: MaxStore, username: str, content: str, context_url: str | None = None) -> str:
    """Post an activity directly, as the sandbox itself; returns its id."""
    context = context_hash(context_url) if context_url else None
    aid, _ = store.add_activity(username, content, context=context, generator=GENERATOR)
    return aid


async def live_activity(store: MaxStore, interval: float) -> None:
    """Colleagues keep posting while the demo runs, some of it in contexts, so new activities get announced."""
    rng = random.Random()
    while True:
        await asyncio.sleep(interval)
        who = rng.choice([u for u, _ in PEOPLE[:-2]])
        context = rng.choice([url for url, _ in CONTEXTS[:-1]]) if rng.random() < 0.4 else None
        post_as(store, who, f"{seed_content(rng)} (live, {datetime.now().strftime('%H:%M:%S')})", context)
