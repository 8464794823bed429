"""What the Queues pane follows: queues, collection watches and work item queues; the list of them kept per profile;
and the hot path that moves a subscription's messages into a tail buffer."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.worker import Worker

from tui.profiles import write_private
from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.subscriptions import Subscription
from tui.services.openiap.tail_buffer import TailBuffer
from tui.services.openiap.tail_view import TailPanel

SOURCE_KINDS = ("queue", "watch", "wiq")
SOURCE_TITLES = {"queue": "Queues", "watch": "Collection watches", "wiq": "Work item queues"}
DEMO_SOURCES = [("queue", "demo"), ("watch", "demo"), ("wiq", "demo-wiq")]
ADD_PROMPTS = {  # kind -> the title, hint and placeholder of the prompt that adds one
    "queue": ("Tail a queue", "Every message sent to this queue shows in the live tail.", "queue name"),
    "watch": ("Watch a collection", "Inserts, updates and deletes show as a live stream.", "collection name"),
    "wiq": ("Follow a work item queue", "Its items by state; push, pop and mark them.", "work item queue name"),
}
YIELD_EVERY = 256  # a consumer hands the loop back at least this often even when its subscription never runs dry
BATCH_LIMIT = 2000  # messages taken from a subscription in one go


@dataclass
class Source:
    """One thing being tailed."""

    kind: str  # "queue" | "watch" | "wiq"
    name: str
    count: int = 0
    status: str = ""  # "" (idle), "starting", "live", "ended", "error" (for a work item queue: the server has none)
    yielded: int = 0
    subscription: Subscription[Any] | None = field(default=None, repr=False)
    worker: Worker[None] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


class TailedStore:
    """The tailed list per profile, in a small JSON file in the state dir, so it comes back next start."""

    def __init__(self, root: Path, profile_name: str):
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_name)[:40]
        digest = hashlib.sha1(profile_name.encode()).hexdigest()[:8]
        self.path = root / f"tailed-{slug}-{digest}.json"

    def load(self) -> list[tuple[str, str]] | None:
        """None when nothing was ever saved for this profile (then the pane offers its defaults)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return [
            (s["kind"], s["name"]) for s in raw.get("sources", []) if s.get("kind") in SOURCE_KINDS and s.get("name")
        ]

    def save(self, sources: list[Source]) -> None:
        write_private(self.path, json.dumps({"sources": [{"kind": s.kind, "name": s.name} for s in sources]}))


async def pump(
    source: Source, subscription: Subscription[Any], buffer: TailBuffer, arrived: Callable[[], None]
) -> None:
    """The hot path: wait for one message, take whatever else is already waiting in one batch, append, and say
    `arrived()` once per batch; no widget is touched here, the tail's flush does the drawing. Closes the subscription
    when it ends; failures propagate."""
    source.status = "live"
    source.subscription = subscription
    n = 0
    try:
        async for item in subscription:
            buffer.append(item)
            n += 1
            batch = subscription.drain(BATCH_LIMIT)
            if batch:
                buffer.extend(batch)
                n += len(batch)
            source.count = n
            arrived()
            if n >= source.yielded + YIELD_EVERY:
                source.yielded = n
                await asyncio.sleep(0)  # let keys and redraws in even if the subscription never runs dry
        source.status = "ended"
    finally:
        source.count = n
        with contextlib.suppress(Exception):
            await asyncio.shield(subscription.close())


async def follow(
    source: Source, client: OpenIAPClient, tail: TailPanel, report: Callable[[BaseException, str], None]
) -> None:
    """A source's worker: subscribe (a queue or a collection watch), say so in the tail, then pump until cancelled.
    Failures are reported and leave the source marked "error"; cancellation passes through."""
    subscription: Subscription[Any]
    try:
        if source.kind == "queue":
            subscription = await client.register_queue(source.name)
            tail.mark(f"tailing queue {subscription.queuename or source.name}")
        else:
            subscription = await client.watch(source.name)
            tail.mark(f"watching collection {source.name}")
    except Exception as exc:
        source.status = "error"
        report(
            exc, f"tail the queue {source.name}" if source.kind == "queue" else f"watch the collection {source.name}"
        )
        return
    try:
        await pump(source, subscription, tail.buffer, tail.arrived)
    except Exception as exc:
        source.status = "error"
        report(exc, f"keep tailing {source.name}")


async def check_workitem_queue(
    source: Source, client: OpenIAPClient, report: Callable[[BaseException, str], None]
) -> None:
    """A work item queue has no stream to follow: its mark says whether the server has it ("live") or not ("error",
    as pushing to it would be refused)."""
    try:
        queues = await client.workitem_queues()
    except Exception as exc:
        source.status = "error"
        report(exc, f"look up the work item queue {source.name}")
        return
    source.status = "live" if any(queue.name == source.name for queue in queues) else "error"
