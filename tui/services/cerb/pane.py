"""The Tickets pane: a server-paged ticket table with quick filters and Cerb search, a ticket view with the
conversation, triage keys in both, and a reply / comment / compose editor whose drafts survive anything.

The pane holds what is searched and which ticket is open, and runs the network work; the table and the ticket view
(`table_view.py`, `conversation_view.py`) show it, and `triage.py` applies changes without overwriting a colleague's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import ContentSwitcher, Input

from tui.http import BadRequestError, ConflictError, NotFoundError, ServiceError
from tui.services.cerb import keys, render
from tui.services.cerb.client import CerbClient
from tui.services.cerb.conversation_view import ConversationView
from tui.services.cerb.dialogs import PickDialog
from tui.services.cerb.first_screen import FILTER_QUERIES, FIRST_SEARCH
from tui.services.cerb.models import Attachment, Conversation, Ticket
from tui.services.cerb.table_view import (
    FILTER_NAMES,
    SORTABLE,
    SearchBar,
    TicketTableView,
    count_text,
    list_name,
)
from tui.services.cerb.triage import Lookups, TicketChanges
from tui.services.cerb.triage_control import TriageControl
from tui.services.cerb.writing import draft_notes, new_ticket_editor, ticket_editor
from tui.widgets.export_source import ExportSource
from tui.widgets.paged_table import PagedTable
from tui.widgets.pane import PaneContext, ServicePane

# Failures that say the request was wrong, not the server: the connection bar stays green for them.
REQUEST_FAULTS = (BadRequestError, NotFoundError, ConflictError)
DOWNLOADS = Path.home() / "Downloads"  # where a conversation's files are saved (made when missing)


class TicketsPane(ServicePane[CerbClient]):
    kind = "cerb"

    DEFAULT_CSS = "TicketsPane #cerb-views { height: 1fr; }"

    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS
    WRITE_ACTIONS = keys.WRITE_ACTIONS
    COMMANDS: ClassVar[list[tuple[str, str]]] = keys.COMMANDS

    def __init__(self, client: CerbClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.filter_name, self.sort_key, self.sort_ascending = FIRST_SEARCH
        self.search_text = ""
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
        yield TriageControl(self.changes, self.lookups)

    @property
    def control(self) -> TriageControl:
        return self.query_one(TriageControl)

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

    def export_source(self) -> ExportSource:
        """The ticket list: every ticket of the current search, not only the pages loaded."""
        return self.query_one(TicketTableView).export_source(list_name(self.filter_name))

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
        # the first search's first page, when the app asked for it as it started (and nothing has changed since)
        first, self.first_answers = self.first_answers, None
        if first is not None and (self.filter_name, self.sort_key, self.sort_ascending, self.search_text) != (
            *FIRST_SEARCH,
            "",
        ):
            first.cancel()
            first = None
        self.query_one(TicketTableView).run_query(self.sort_key, self.sort_ascending, first)

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
        text = count_text(self.table.total, self.filter_name, self.search_text, self.sort_key, self.sort_ascending)
        if selected := len(self.query_one(TicketTableView).selected):
            text = f"{selected} selected · {text}"
        self._set_count(text)

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

    # -- triage: one ticket, or the selected ones --------------------------------------------------------------------

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

    def targets(self) -> list[Ticket]:
        """What a triage key acts on: the selected tickets on the table, else the one `target`."""
        selected = self.query_one(TicketTableView).selected
        if selected and not self.in_ticket_view:
            return [self.changes.newest(t) for t in selected.values()]
        ticket = self.target()
        return [ticket] if ticket is not None else []

    def _remember(self, ticket: Ticket) -> None:
        self.changes.remember(ticket)
        self.query_one(TicketTableView).show_ticket(ticket)
        if self.open_ticket is not None and self.open_ticket.id == ticket.id:
            self.open_ticket = ticket
            self.ticket_view.show_ticket(ticket)

    @on(TriageControl.Changed)
    def _changed(self, event: TriageControl.Changed) -> None:
        event.stop()
        self._remember(event.ticket)

    @on(TriageControl.Failed)
    def _triage_failed(self, event: TriageControl.Failed) -> None:
        event.stop()
        self.report(event.error, event.doing)

    @on(TicketTableView.SelectionChanged)
    def _selection_changed(self, event: TicketTableView.SelectionChanged) -> None:
        event.stop()
        self._update_count()

    def action_clear_selection(self) -> None:
        self.query_one(TicketTableView).clear_selection()

    def action_set_status(self, status: str) -> None:
        self.control.apply(self.targets(), f"status → {status}", lambda t: {"status": status})

    def action_importance(self, step: int) -> None:
        self.control.apply(
            self.targets(),
            f"importance {'+' if step > 0 else ''}{step}",
            lambda t: {"importance": max(0, min(100, t.importance + step))},
        )

    def action_unassign(self) -> None:
        self.control.apply(self.targets(), "unassigned", lambda t: {"owner_id": 0})

    def action_edit_subject(self) -> None:
        if (ticket := self.target()) is not None:
            self.control.edit_subject(ticket)

    def action_assign_me(self) -> None:
        if tickets := self.targets():
            self.control.assign_me(tickets)

    def action_pick_owner(self) -> None:
        if tickets := self.targets():
            self.control.with_lookups(lambda: self.control.pick_owner(tickets))

    def action_move(self) -> None:
        if tickets := self.targets():
            self.control.with_lookups(lambda: self.control.pick_bucket(tickets))

    def action_snooze(self) -> None:
        if tickets := self.targets():
            self.control.snooze(tickets)

    def action_spam(self, spam: bool) -> None:
        if tickets := self.targets():
            self.control.mark_spam(tickets, spam)

    def action_delete(self) -> None:
        if tickets := self.targets():
            self.control.delete(tickets)

    # -- inside a ticket: the next one, its files ----------------------------------------------------------------------

    def action_step_ticket(self, step: int) -> None:
        """The next (or previous) ticket of the list, opened in place, as Cerb's explore mode does."""
        if not self.in_ticket_view:
            return
        table = self.table
        index = table.cursor + step
        if not 0 <= index < table.total:
            self.notify("That was the " + ("last" if step > 0 else "first") + " ticket of the list.", timeout=2)
            return
        table.cursor = index  # the table loads that page when it is not loaded yet
        self._open_when_loaded(index)

    @work(exclusive=True, group="cerb-step")
    async def _open_when_loaded(self, index: int) -> None:
        for _ in range(200):
            row = self.table.row(index)
            if row is not None:
                self.open_ticket_view(row.data)
                return
            await asyncio.sleep(0.05)
        self.notify("The next ticket did not load; try again.", severity="warning", timeout=3)

    def action_download(self) -> None:
        conversation = self.conversation
        files = [f for entry in (conversation.attachments.values() if conversation else []) for f in entry]
        if not self.in_ticket_view or not files:
            self.notify("No files in this conversation.", timeout=2)
            return
        options = [(f"{f.name}  ({render.size_text(f.size)})", f) for f in files]

        def chosen(attachment: Attachment | None) -> None:
            if isinstance(attachment, Attachment):
                self._download(attachment)

        self.app.push_screen(PickDialog("Download a file", options), chosen)

    @work(group="cerb-download")
    async def _download(self, attachment: Attachment) -> None:
        view = self.ticket_view

        def progress(done: int, total: int) -> None:
            share = f" {done * 100 // total}%" if total else ""
            view.show_progress(f"Downloading {attachment.name}…{share} ({render.size_text(done)})")

        try:
            saved = await self.client.download(attachment, DOWNLOADS, progress=progress)
        except ServiceError as exc:
            view.show_progress("")
            self.report(exc, f"download {attachment.name}")
            return
        view.show_progress(f"Saved {saved}")
        self.notify(f"Saved {saved}", timeout=5, markup=False)

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
        self.control.with_lookups(self._open_composer)

    def _open_composer(self) -> None:
        def done(ticket: Ticket | None) -> None:
            if isinstance(ticket, Ticket):
                self.notify(f"Created [#{ticket.mask}] {ticket.subject}.", timeout=4, markup=False)
                self.run_query()

        key = self.context.draft_key(self.kind, "compose")
        self.app.push_screen(new_ticket_editor(self.client, self.context.drafts, key, self.lookups.groups), done)
