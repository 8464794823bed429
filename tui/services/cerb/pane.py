"""The Tickets pane: a server-paged ticket table with quick filters and Cerb search, a ticket view with the
conversation, triage keys in both, and a reply / comment / compose editor whose drafts survive anything.

The pane holds what is searched and which ticket is open, and runs the network work; the table and the ticket view
(`table_view.py`, `conversation_view.py`) show it, and `triage.py` applies changes without overwriting a colleague's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import ContentSwitcher, Input

from tui.http import BadRequestError, ConflictError, NotFoundError, ServiceError
from tui.services.cerb import keys, render
from tui.services.cerb.client import CerbClient
from tui.services.cerb.conversation_view import ConversationView
from tui.services.cerb.dialogs import ConflictDialog, PickDialog
from tui.services.cerb.errors import TicketChanged
from tui.services.cerb.models import Conversation, Ticket
from tui.services.cerb.table_view import (
    FILTER_NAMES,
    FILTER_QUERIES,
    SORTABLE,
    SearchBar,
    TicketTableView,
    count_text,
)
from tui.services.cerb.triage import Change, Lookups, TicketChanges
from tui.services.cerb.writing import draft_notes, new_ticket_editor, ticket_editor
from tui.widgets.dialogs import Field, FormDialog
from tui.widgets.paged_table import PagedTable
from tui.widgets.pane import PaneContext, ServicePane

# Failures that say the request was wrong, not the server: the connection bar stays green for them.
REQUEST_FAULTS = (BadRequestError, NotFoundError, ConflictError)


class TicketsPane(ServicePane[CerbClient]):
    kind = "cerb"

    DEFAULT_CSS = "TicketsPane #cerb-views { height: 1fr; }"

    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS
    COMMANDS: ClassVar[list[tuple[str, str]]] = keys.COMMANDS

    def __init__(self, client: CerbClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.filter_name = "open"
        self.search_text = ""
        self.sort_key = "updated"
        self.sort_ascending = False
        self.query_error = ""  # why the current search shows nothing, when it failed
        self.open_ticket: Ticket | None = None
        self.conversation: Conversation | None = None
        self.changes = TicketChanges(client)
        self.lookups = Lookups(client)
        self._shown_state = ""

    # -- layout --------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SearchBar(self.filter_name)
        with ContentSwitcher(initial="cerb-list", id="cerb-views"):
            yield TicketTableView(self.client, self.full_query, id="cerb-list")
            yield ConversationView(id="cerb-ticket")

    @property
    def table(self) -> PagedTable:
        return self.query_one("#cerb-table", PagedTable)

    @property
    def ticket_view(self) -> ConversationView:
        return self.query_one("#cerb-ticket", ConversationView)

    @property
    def in_ticket_view(self) -> bool:
        return self.query_one("#cerb-views", ContentSwitcher).current == "cerb-ticket"

    def report(self, error: BaseException, doing: str = "") -> None:
        self._shown_state = ""  # the base may have said "error": the next success must say "ok" again
        super().report(error, doing)

    def on_first_show(self) -> None:
        self.run_query()

    def reload(self) -> None:
        if self.in_ticket_view and self.open_ticket is not None:
            self.load_conversation(self.open_ticket.id)
        else:
            self.run_query()

    # -- the table: query, filters, sort, count ------------------------------------------------------------------------

    async def full_query(self) -> str:
        base = FILTER_QUERIES[self.filter_name]
        if "{me}" in base:
            base = base.format(me=(await self.lookups.signed_in()).id)
        return " ".join(p for p in (base, self.search_text.strip()) if p)

    def run_query(self) -> None:
        """Start over: a new filter, search or sort."""
        self.query_one(SearchBar).show_query(self.filter_name, self.search_text)
        self._set_count("…")
        self._state_once("connecting")
        self.query_one(TicketTableView).run_query(self.sort_key, self.sort_ascending)

    @on(TicketTableView.Loaded)
    def _page_loaded(self, event: TicketTableView.Loaded) -> None:
        event.stop()
        self.query_error = ""
        self._update_count()
        self._state_once("ok")

    @on(TicketTableView.LoadFailed)
    def _page_failed(self, event: TicketTableView.LoadFailed) -> None:
        event.stop()
        if event.first_page:
            self.query_error = event.error.readable
            self._set_count("error")
        self._failed(event.error, "load tickets")

    def _failed(self, error: ServiceError, doing: str) -> None:
        """Say why loading failed, and leave the bar saying whether the server can serve (never "connecting")."""
        self.report(error, doing)
        self._state_once("ok" if isinstance(error, REQUEST_FAULTS) else "error", error.message)

    def _update_count(self) -> None:
        self._set_count(
            count_text(self.table.total, self.filter_name, self.search_text, self.sort_key, self.sort_ascending)
        )

    def _set_count(self, text: str) -> None:
        self.query_one(SearchBar).show_count(text)

    def _state_once(self, state: str, detail: str = "") -> None:
        if state != self._shown_state:
            self._shown_state = state
            self.set_state(state, detail)

    def action_filter(self, name: str) -> None:
        self.filter_name = name
        self.show_table()
        self.run_query()

    def action_cycle_filter(self, step: int) -> None:
        names = FILTER_NAMES
        self.action_filter(names[(names.index(self.filter_name) + step) % len(names)])

    def action_focus_search(self) -> None:
        self.show_table()
        self.query_one(SearchBar).search_field.focus()

    @on(Input.Submitted, "#cerb-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search_text = event.value
        self.run_query()
        self.table.focus()

    def sort_by(self, key: str, ascending: bool | None = None) -> None:
        if ascending is None:  # a new column starts in its natural order; the same column flips
            ascending = (not self.sort_ascending) if key == self.sort_key else key not in ("updated", "importance")
        self.sort_key, self.sort_ascending = key, ascending
        self.run_query()

    def action_cycle_sort(self) -> None:
        self.sort_by(
            SORTABLE[(SORTABLE.index(self.sort_key) + 1) % len(SORTABLE)] if self.sort_key in SORTABLE else "updated"
        )

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_key, not self.sort_ascending)

    @on(PagedTable.HeaderClicked)
    def _header_clicked(self, event: PagedTable.HeaderClicked) -> None:
        event.stop()
        if event.column.key in SORTABLE:
            self.sort_by(event.column.key)

    # -- the ticket view -----------------------------------------------------------------------------------------------

    @on(PagedTable.RowSelected)
    def _row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self.open_ticket_view(event.row.data)

    def open_ticket_view(self, ticket: Ticket) -> None:
        ticket = self.changes.newest(ticket)
        self.open_ticket = ticket
        self.conversation = None
        view = self.ticket_view
        view.show_ticket(ticket)
        view.show_loading()
        self._show_draft_note(ticket)
        self.query_one("#cerb-views", ContentSwitcher).current = "cerb-ticket"
        view.focus_conversation()
        self.load_conversation(ticket.id)

    def _show_draft_note(self, ticket: Ticket) -> None:
        self.ticket_view.show_draft_notes(
            draft_notes(self.context.drafts, lambda what: self.draft_key(ticket.id, what))
        )

    @work(exclusive=True, group="cerb-conversation")
    async def load_conversation(self, ticket_id: int) -> None:
        try:
            conversation = await self.client.conversation(ticket_id)
        except ServiceError as exc:
            self.ticket_view.show_failure(exc.readable)
            self._failed(exc, "load the conversation")
            return
        self._state_once("ok")
        if self.open_ticket is None or self.open_ticket.id != ticket_id:
            return
        self.conversation = conversation
        self._remember(conversation.ticket)
        self.open_ticket = self.changes.newest(conversation.ticket)
        self.ticket_view.show_ticket(self.open_ticket)
        self.ticket_view.show_conversation(conversation)
        self._show_draft_note(self.open_ticket)

    def show_table(self) -> None:
        if self.in_ticket_view:
            self.query_one("#cerb-views", ContentSwitcher).current = "cerb-list"
            self.open_ticket = None
            self.table.focus()

    def action_back(self) -> None:
        if self.query_one(SearchBar).search_field.has_focus:
            self.table.focus()
        else:
            self.show_table()

    # -- triage --------------------------------------------------------------------------------------------------------

    def target(self) -> Ticket | None:
        """The ticket a key acts on: the one open in the ticket view, else the one under the table's cursor."""
        if self.in_ticket_view and self.open_ticket is not None:
            return self.changes.newest(self.open_ticket)
        row = self.table.current()
        if row is None:
            self.notify("No ticket selected (or it is still loading).", severity="warning")
            return None
        ticket: Ticket = row.data
        return self.changes.newest(ticket)

    def _remember(self, ticket: Ticket) -> None:
        self.changes.remember(ticket)
        self.table.replace_row(ticket.id, render.ticket_cells(ticket), ticket)
        if self.open_ticket is not None and self.open_ticket.id == ticket.id:
            self.open_ticket = ticket
            self.ticket_view.show_ticket(ticket)

    @work(group="cerb-triage")
    async def triage(self, ticket: Ticket, describe: str, change: Change) -> None:
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
            self.report(exc, describe)
            return
        self._remember(updated)
        # a mask or subject is server text, not markup ("[#FAB]" would be read as a colour)
        self.notify(f"[#{updated.mask}] {describe}.", timeout=3, markup=False)

    def _resolve(self, choice: str | None, current: Ticket, describe: str, change: Change) -> None:
        self._remember(current)  # either way, show what is on the server now
        if choice == "apply":
            self.triage(current, describe, change)
        else:
            self.notify(f"Kept the server's version of [#{current.mask}].", timeout=3, markup=False)

    def action_set_status(self, status: str) -> None:
        if (ticket := self.target()) is not None:
            self.triage(ticket, f"status → {status}", lambda t: {"status": status})

    def action_importance(self, step: int) -> None:
        if (ticket := self.target()) is not None:
            self.triage(
                ticket,
                f"importance {'+' if step > 0 else ''}{step}",
                lambda t: {"importance": max(0, min(100, t.importance + step))},
            )

    def action_unassign(self) -> None:
        if (ticket := self.target()) is not None:
            self.triage(ticket, "unassigned", lambda t: {"owner_id": 0})

    def action_edit_subject(self) -> None:
        if (ticket := self.target()) is None:
            return

        def edited(values: dict[str, Any] | None) -> None:
            subject = str((values or {}).get("subject", "")).strip()
            if subject and subject != ticket.subject:
                self.triage(ticket, f"subject → {subject}", lambda t: {"subject": subject})

        dialog = FormDialog(
            f"Subject of [#{ticket.mask}]", [Field("subject", "Subject", ticket.subject)], submit="Save"
        )
        self.app.push_screen(dialog, edited)
        dialog.call_after_refresh(lambda: dialog.query_one("#field-subject").focus())  # type, then Enter

    def action_assign_me(self) -> None:
        if (ticket := self.target()) is not None:
            self._assign_me(ticket)

    @work(group="cerb-lookups")
    async def _assign_me(self, ticket: Ticket) -> None:
        try:
            me = await self.lookups.signed_in()
        except ServiceError as exc:
            self.report(exc, "find out who you are")
            return
        self.triage(ticket, f"assigned to {me.name}", lambda t: {"owner_id": me.id})

    @work(group="cerb-lookups")
    async def _with_lookups(self, then: Callable[[], None]) -> None:
        """Run `then` once the groups, buckets and workers are loaded (the first time only, over the network)."""
        try:
            await self.lookups.load()
        except ServiceError as exc:
            self.report(exc, "load groups and workers")
            return
        then()

    def action_pick_owner(self) -> None:
        if (ticket := self.target()) is not None:
            self._with_lookups(lambda: self._pick_owner(ticket))

    def _pick_owner(self, ticket: Ticket) -> None:
        def picked(owner_id: int | None) -> None:
            if owner_id is not None:
                owner = self.lookups.worker_name(owner_id)
                self.triage(ticket, f"owner → {owner}", lambda t: {"owner_id": owner_id})

        options = self.lookups.owner_options()
        self.app.push_screen(PickDialog(f"Owner of [#{ticket.mask}]", options, current=ticket.owner_id), picked)

    def action_move(self) -> None:
        if (ticket := self.target()) is not None:
            self._with_lookups(lambda: self._move(ticket))

    def _move(self, ticket: Ticket) -> None:
        options = self.lookups.move_options()

        def picked(where: tuple[int, int] | None) -> None:
            if where is not None:
                label = next(label for label, value in options if value == where)
                self.triage(ticket, f"moved to {label}", lambda t: {"group_id": where[0], "bucket_id": where[1]})

        self.app.push_screen(
            PickDialog(f"Move [#{ticket.mask}] to", options, current=(ticket.group_id, ticket.bucket_id)), picked
        )

    # -- writing: reply, comment, compose ------------------------------------------------------------------------------

    def draft_key(self, ticket_id: int, what: str) -> str:
        return self.context.draft_key(self.kind, "ticket", ticket_id, what)

    def action_reply(self) -> None:
        if (ticket := self.target()) is not None:
            self._write(ticket, "reply")

    def action_comment(self) -> None:
        if (ticket := self.target()) is not None:
            self._write(ticket, "comment")

    def _is_open(self, ticket: Ticket) -> bool:
        return self.open_ticket is not None and self.open_ticket.id == ticket.id

    def _new_message_arrived(self, current: Ticket) -> None:
        self._remember(current)
        if self._is_open(current):
            self.load_conversation(current.id)

    def _write(self, ticket: Ticket, what: str) -> None:
        key = self.draft_key(ticket.id, what)
        if draft := self.context.drafts.load(key):
            self.notify(f"Continuing your unsent {what} from {render.relative_time(int(draft.saved_at))}.", timeout=3)

        def done(result: Ticket | None) -> None:
            if isinstance(result, Ticket):
                if what == "reply":
                    self._remember(result)
                self.notify(f"{what.capitalize()} sent on [#{result.mask}].", timeout=3, markup=False)
                if self._is_open(ticket):
                    self.load_conversation(ticket.id)
            elif self.context.drafts.load(key) is not None:
                self.notify(
                    f"Your {what} is kept as a draft; press {what[0]} on this ticket to continue it.", timeout=4
                )
            if self._is_open(ticket):
                self._show_draft_note(ticket)

        editor = ticket_editor(
            what,
            self.changes.newest(ticket),
            client=self.client,
            drafts=self.context.drafts,
            draft_key=key,
            conversation=self.conversation,
            arrived=self._new_message_arrived,
        )
        self.app.push_screen(editor, done)

    def action_compose(self) -> None:
        self._with_lookups(self._open_composer)

    def _open_composer(self) -> None:
        def done(ticket: Ticket | None) -> None:
            if isinstance(ticket, Ticket):
                self.notify(f"Created [#{ticket.mask}] {ticket.subject}.", timeout=4, markup=False)
                self.run_query()

        key = self.context.draft_key(self.kind, "compose")
        self.app.push_screen(new_ticket_editor(self.client, self.context.drafts, key, self.lookups.groups), done)
