"""Triage: changing a ticket's status, owner, group / bucket, importance or subject, without overwriting a colleague.

`TicketChanges` applies one change at a time, each computed from and checked against the newest copy of the ticket
seen so far; when the server's copy differs from it, the client raises `TicketChanged` and nothing is written.
`apply_to_all` makes one change to several tickets (bulk triage) and says what changed and what was refused.
`Lookups` caches the groups, buckets and workers the pickers offer, and who is signed in.
No Textual here: the pane shows the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from tui.http import ServiceError
from tui.services.cerb.client import CerbClient
from tui.services.cerb.errors import TicketChanged
from tui.services.cerb.models import Bucket, Group, Ticket, Worker


class TicketFields(TypedDict, total=False):
    """What a triage key changes: the keyword arguments of `CerbClient.update_ticket`."""

    status: str
    owner_id: int
    group_id: int
    bucket_id: int
    importance: int
    subject: str
    reopen_at: int  # Unix seconds a waiting ticket opens again; 0 = never
    spam_training: str  # "S" spam, "N" not spam


Change = Callable[[Ticket], TicketFields]  # from the newest copy of a ticket to the fields to set on it


class TicketChanges:
    def __init__(self, client: CerbClient):
        self._client = client
        self._lock = asyncio.Lock()
        self.known: dict[int, Ticket] = {}  # the newest copy seen of each ticket: the baseline for conflict checks

    def newest(self, ticket: Ticket) -> Ticket:
        known = self.known.get(ticket.id)
        return known if known is not None and known.updated >= ticket.updated else ticket

    def remember(self, ticket: Ticket) -> None:
        self.known[ticket.id] = ticket

    async def apply(self, ticket: Ticket, change: Change) -> Ticket:
        """The ticket as changed on the server. Raises `TicketChanged` (the fresh copy becomes the baseline) when
        someone changed it since it was loaded, `ServiceError` when the server refused."""
        # one change at a time, each checked against the copy the previous one left
        async with self._lock:
            baseline = self.newest(ticket)
            try:
                updated = await self._client.update_ticket(baseline.id, loaded=baseline, **change(baseline))
            except TicketChanged as conflict:
                self.known[baseline.id] = conflict.current
                raise
        return updated


@dataclass
class BulkOutcome:
    """What one change to several tickets did: the tickets as changed, and the ones refused with the reason."""

    changed: list[Ticket] = field(default_factory=list)
    refused: list[tuple[Ticket, str]] = field(default_factory=list)

    def summary(self, describe: str) -> str:
        """`3 tickets: status → closed. 1 refused: [#ABC-123] changed on the server since you loaded it.`"""
        text = f"{len(self.changed)} ticket{'s' if len(self.changed) != 1 else ''}: {describe}."
        if self.refused:
            reasons = "; ".join(f"[#{t.mask}] {why.rstrip('.')}" for t, why in self.refused[:5])
            more = f" and {len(self.refused) - 5} more" if len(self.refused) > 5 else ""
            text += f" {len(self.refused)} refused: {reasons}{more}."
        return text


async def apply_to_all(changes: TicketChanges, tickets: list[Ticket], change: Change) -> BulkOutcome:
    """The same change to each ticket, one at a time, each checked against the copy that was loaded: a ticket someone
    changed meanwhile is refused (and its fresh copy kept), not overwritten."""
    outcome = BulkOutcome()
    for ticket in tickets:
        try:
            outcome.changed.append(await changes.apply(ticket, change))
        except TicketChanged as conflict:
            outcome.refused.append((conflict.current, "changed on the server since you loaded it"))
        except ServiceError as exc:
            outcome.refused.append((ticket, exc.message))
    return outcome


class Lookups:
    """Groups, buckets and workers, loaded once when a picker or the composer first needs them."""

    def __init__(self, client: CerbClient):
        self._client = client
        self.groups: list[Group] = []
        self.buckets: list[Bucket] = []
        self.workers: list[Worker] = []
        self._me: Worker | None = None

    async def signed_in(self) -> Worker:
        """The worker this connection signs in as (the "mine" filter, "assign to me")."""
        if self._me is None:
            self._me = await self._client.current_worker()
        return self._me

    async def load(self) -> None:
        if not self.groups:
            self.groups, self.buckets, self.workers = await asyncio.gather(
                self._client.groups(), self._client.buckets(), self._client.workers()
            )

    def owner_options(self) -> list[tuple[str, int]]:
        """(label, worker id) for the owner picker, nobody first."""
        return [("Nobody (unassigned)", 0)] + [
            (f"{w.name}  ({w.title})" if w.title else w.name, w.id) for w in self.workers
        ]

    def worker_name(self, worker_id: int) -> str:
        return next((w.name for w in self.workers if w.id == worker_id), "nobody")

    def move_options(self) -> list[tuple[str, tuple[int, int]]]:
        """("Group / Bucket", (group id, bucket id)) in group order, each group's inbox first."""
        names = {g.id: g.name for g in self.groups}
        order = {g.id: i for i, g in enumerate(self.groups)}
        buckets = sorted(self.buckets, key=lambda b: (order.get(b.group_id, 99), not b.is_default, b.name))
        return [(f"{names.get(b.group_id, b.group_id)} / {b.name}", (b.group_id, b.id)) for b in buckets]
