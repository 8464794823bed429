"""Changing tickets from the keyboard: one ticket, or every selected one at once, without overwriting a colleague.

`TriageControl` is an invisible part of the Tickets pane that runs the changes (status, owner, bucket, importance,
subject, snooze, spam, delete): it asks what a picker or a confirmation needs to ask, applies the change through
`TicketChanges`, resolves a conflict with the person, and reports each ticket as it is now on the server with a
`Changed` message, so the pane redraws its row. A bulk change is confirmed once and summed up once: what changed and
what was refused, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.message import Message
from textual.widget import Widget

from tui.http import ServiceError
from tui.services.cerb import render
from tui.services.cerb.dialogs import ConflictDialog, PickDialog, SnoozeDialog
from tui.services.cerb.errors import TicketChanged
from tui.services.cerb.models import Ticket
from tui.services.cerb.triage import Change, Lookups, TicketChanges, apply_to_all
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog

STATUS_CHOICES = [("Open", "open"), ("Waiting", "waiting"), ("Closed", "closed")]


def named(tickets: list[Ticket]) -> str:
    """`[#ABC-123]` for one ticket, `3 tickets` for several."""
    return f"[#{tickets[0].mask}]" if len(tickets) == 1 else f"{len(tickets)} tickets"


class TriageControl(Widget):
    DEFAULT_CSS = "TriageControl { display: none; }"

    class Changed(Message):
        """A ticket as it is on the server now (changed, or found changed by someone else)."""

        def __init__(self, ticket: Ticket):
            super().__init__()
            self.ticket = ticket

    class Failed(Message):
        def __init__(self, error: ServiceError, doing: str):
            super().__init__()
            self.error = error
            self.doing = doing

    def __init__(self, changes: TicketChanges, lookups: Lookups, **kwargs: Any):
        super().__init__(**kwargs)
        self.changes = changes
        self.lookups = lookups

    # -- applying ------------------------------------------------------------------------------------------------------

    def apply(self, tickets: list[Ticket], describe: str, change: Change, *, confirm: str = "") -> None:
        """Change one ticket, or several after one confirmation (`confirm` asks even for one: a deletion)."""
        if not tickets:
            return
        if len(tickets) == 1 and not confirm:
            self._apply_one(tickets[0], describe, change)
            return
        question = confirm or f"Change {named(tickets)}: {describe}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply_all(tickets, describe, change)

        self.app.push_screen(ConfirmDialog(question, confirm="Apply", danger=bool(confirm)), answered)

    @work(group="cerb-triage")
    async def _apply_one(self, ticket: Ticket, describe: str, change: Change) -> None:
        try:
            updated = await self.changes.apply(ticket, change)
        except TicketChanged as conflict:
            current = conflict.current
            self.app.push_screen(
                ConflictDialog(
                    f"[#{current.mask}] changed on the server since you loaded it",
                    render.differences_table(conflict.differences, describe),
                ),
                lambda choice: self._resolve(choice, current, describe, change),
            )
            return
        except ServiceError as exc:
            self.post_message(self.Failed(exc, describe))
            return
        self.post_message(self.Changed(updated))
        # a mask or subject is server text, not markup ("[#FAB]" would be read as a colour)
        self.notify(f"[#{updated.mask}] {describe}.", timeout=3, markup=False)

    def _resolve(self, choice: str | None, current: Ticket, describe: str, change: Change) -> None:
        self.post_message(self.Changed(current))  # either way, show what is on the server now
        if choice == "apply":
            self._apply_one(current, describe, change)
        else:
            self.notify(f"Kept the server's version of [#{current.mask}].", timeout=3, markup=False)

    @work(group="cerb-triage")
    async def _apply_all(self, tickets: list[Ticket], describe: str, change: Change) -> None:
        if len(tickets) == 1:  # a confirmed single change (a deletion): the conflict dialog still applies
            self._apply_one(tickets[0], describe, change)
            return
        outcome = await apply_to_all(self.changes, tickets, change)
        for ticket in [*outcome.changed, *(t for t, _ in outcome.refused)]:
            self.post_message(self.Changed(ticket))
        self.notify(
            outcome.summary(describe),
            title="Bulk change",
            severity="warning" if outcome.refused else "information",
            timeout=10 if outcome.refused else 5,
            markup=False,
        )

    # -- asking first --------------------------------------------------------------------------------------------------

    @work(group="cerb-lookups")
    async def with_lookups(self, then: Callable[[], None]) -> None:
        """Run `then` once the groups, buckets and workers are loaded (the first time only, over the network)."""
        try:
            await self.lookups.load()
        except ServiceError as exc:
            self.post_message(self.Failed(exc, "load groups and workers"))
            return
        then()

    def pick_owner(self, tickets: list[Ticket]) -> None:
        def picked(owner_id: int | None) -> None:
            if owner_id is not None:
                owner = self.lookups.worker_name(owner_id)
                self.apply(tickets, f"owner → {owner}", lambda t: {"owner_id": owner_id})

        current = tickets[0].owner_id if len(tickets) == 1 else None
        options = self.lookups.owner_options()
        self.app.push_screen(PickDialog(f"Owner of {named(tickets)}", options, current=current), picked)

    def pick_bucket(self, tickets: list[Ticket]) -> None:
        options = self.lookups.move_options()

        def picked(where: tuple[int, int] | None) -> None:
            if where is not None:
                label = next(label for label, value in options if value == where)
                self.apply(tickets, f"moved to {label}", lambda t: {"group_id": where[0], "bucket_id": where[1]})

        current = (tickets[0].group_id, tickets[0].bucket_id) if len(tickets) == 1 else None
        self.app.push_screen(PickDialog(f"Move {named(tickets)} to", options, current=current), picked)

    def pick_status(self, tickets: list[Ticket]) -> None:
        def picked(status: str | None) -> None:
            if status is not None:
                self.apply(tickets, f"status → {status}", lambda t: {"status": status})

        self.app.push_screen(PickDialog(f"Status of {named(tickets)}", STATUS_CHOICES), picked)

    @work(group="cerb-lookups")
    async def assign_me(self, tickets: list[Ticket]) -> None:
        try:
            me = await self.lookups.signed_in()
        except ServiceError as exc:
            self.post_message(self.Failed(exc, "find out who you are"))
            return
        self.apply(tickets, f"assigned to {me.name}", lambda t: {"owner_id": me.id})

    def snooze(self, tickets: list[Ticket]) -> None:
        """Waiting until a moment (Cerb's reopen date): the ticket opens again by itself then."""

        def chosen(moment: int | None) -> None:
            if moment is not None:
                describe = f"snoozed until {render.when(moment)}"
                self.apply(tickets, describe, lambda t: {"status": "waiting", "reopen_at": moment})

        self.app.push_screen(SnoozeDialog(f"Snooze {named(tickets)} until"), chosen)

    def mark_spam(self, tickets: list[Ticket], spam: bool) -> None:
        """Cerb's spam training: the ticket is marked spam (S) or not spam (N), as its own buttons do."""
        training = "S" if spam else "N"
        self.apply(tickets, "marked as spam" if spam else "marked as not spam", lambda t: {"spam_training": training})

    def delete(self, tickets: list[Ticket]) -> None:
        """Status deleted, after a confirmation (Cerb keeps it in the deleted list until it purges it)."""
        self.apply(
            tickets,
            "deleted",
            lambda t: {"status": "deleted"},
            confirm=f"Delete {named(tickets)}? (status deleted; it can be reopened until Cerb purges it)",
        )

    def edit_subject(self, ticket: Ticket) -> None:
        def edited(values: dict[str, Any] | None) -> None:
            subject = str((values or {}).get("subject", "")).strip()
            if subject and subject != ticket.subject:
                self.apply([ticket], f"subject → {subject}", lambda t: {"subject": subject})

        dialog = FormDialog(
            f"Subject of [#{ticket.mask}]", [Field("subject", "Subject", ticket.subject)], submit="Save"
        )
        self.app.push_screen(dialog, edited)
        dialog.call_after_refresh(lambda: dialog.query_one("#field-subject").focus())  # type, then Enter
