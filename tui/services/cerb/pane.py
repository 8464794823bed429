"""The Tickets pane: a server-paged ticket table with quick filters and Cerb search, a ticket view with the
conversation, triage keys in both, and a reply / comment / compose editor whose drafts survive anything."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Input, Static

from tui.http import BadRequestError, ConflictError, ServiceError
from tui.services.cerb import render
from tui.services.cerb.client import Bucket, CerbClient, Conversation, Group, Ticket, TicketChanged, Worker
from tui.services.cerb.dialogs import ConflictDialog, PickDialog, TicketEditor
from tui.widgets.dialogs import Field, FormDialog
from tui.widgets.paged_table import Column, PagedTable, Row
from tui.widgets.pane import PaneContext, ServicePane

PAGE_SIZE = 50
TABLE_EXPAND = ("group_", "bucket_", "owner_")  # what the columns show; the ticket view fetches the rest

# name, label, query ("mine" is filled in with the signed-in worker's id)
FILTERS: list[tuple[str, str, str]] = [
    ("open", "Open", "status:o"),
    ("waiting", "Waiting", "status:w"),
    ("closed", "Closed", "status:c"),
    ("all", "All", ""),
    ("mine", "Mine", "owner.id:{me}"),
    ("unassigned", "Unassigned", "owner.id:0"),
]

COLUMNS = [
    Column("mask", "Mask", 15),
    Column("subject", "Subject"),
    Column("status", "Status", 8),
    Column("group", "Group / bucket", 24),
    Column("owner", "Owner", 14),
    Column("importance", "Imp", 4),
    Column("updated", "Updated", 10),
]
SORTABLE = ["updated", "mask", "subject", "status", "group", "owner", "importance"]


class TicketsPane(ServicePane):
    kind = "cerb"

    DEFAULT_CSS = """
    TicketsPane #cerb-bar { height: 1; }
    TicketsPane #cerb-search { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    TicketsPane #cerb-search:focus { background: $accent 30%; }
    TicketsPane #cerb-count { width: 64; padding: 0 1; color: $text-muted; text-align: right; }
    TicketsPane #cerb-filters { height: 1; padding: 0 1; }
    TicketsPane #cerb-views { height: 1fr; }
    TicketsPane #cerb-ticket { height: 1fr; }
    TicketsPane #cerb-props { height: auto; padding: 0 1; border-bottom: solid $panel-lighten-2; }
    TicketsPane #cerb-draft-note { height: auto; padding: 0 1; background: $warning 20%; display: none; }
    TicketsPane #cerb-draft-note.shown { display: block; }
    TicketsPane #cerb-conversation { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="cerb.search"),
        Binding("left_square_bracket", "cycle_filter(-1)", "Prev filter", show=False, id="cerb.filter-prev"),
        Binding("right_square_bracket", "cycle_filter(1)", "Filter", id="cerb.filter-next"),
        Binding("s", "cycle_sort", "Sort", show=False, id="cerb.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="cerb.sort-reverse"),
        Binding("o", "set_status('open')", "Open", show=False, id="cerb.status-open"),
        Binding("w", "set_status('waiting')", "Waiting", show=False, id="cerb.status-waiting"),
        Binding("x", "set_status('closed')", "Close", id="cerb.status-closed"),
        Binding("a", "assign_me", "Assign me", id="cerb.assign-me"),
        Binding("A", "pick_owner", "Owner…", show=False, id="cerb.pick-owner"),
        Binding("u", "unassign", "Unassign", show=False, id="cerb.unassign"),
        Binding("m", "move", "Move", id="cerb.move"),
        Binding("plus,equals_sign", "importance(10)", "Importance +", show=False, id="cerb.importance-up"),
        Binding("minus", "importance(-10)", "Importance -", show=False, id="cerb.importance-down"),
        Binding("e", "edit_subject", "Subject", show=False, id="cerb.edit-subject"),
        Binding("r", "reply", "Reply", id="cerb.reply"),
        Binding("c", "comment", "Comment", id="cerb.comment"),
        Binding("N", "compose", "New ticket", id="cerb.compose"),
        Binding("escape,backspace", "back", "Back", show=False, id="cerb.back"),
    ]

    COMMANDS: list[tuple[str, str]] = [
        ("Tickets: open tickets", "filter('open')"),
        ("Tickets: waiting tickets", "filter('waiting')"),
        ("Tickets: closed tickets", "filter('closed')"),
        ("Tickets: all tickets", "filter('all')"),
        ("Tickets: my tickets", "filter('mine')"),
        ("Tickets: unassigned tickets", "filter('unassigned')"),
        ("Tickets: search (Cerb query)", "focus_search"),
        ("Tickets: new ticket", "compose"),
        ("Tickets: reply to the ticket", "reply"),
        ("Tickets: comment on the ticket", "comment"),
        ("Tickets: assign to me", "assign_me"),
        ("Tickets: choose owner", "pick_owner"),
        ("Tickets: move to group / bucket", "move"),
        ("Tickets: close the ticket", "set_status('closed')"),
        ("Tickets: mark waiting", "set_status('waiting')"),
        ("Tickets: reopen", "set_status('open')"),
        ("Tickets: sort by next column", "cycle_sort"),
        ("Tickets: edit the subject", "edit_subject"),
        ("Tickets: raise importance", "importance(10)"),
        ("Tickets: lower importance", "importance(-10)"),
    ]

    def __init__(self, client: CerbClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.client: CerbClient = client
        self.filter_name = "open"
        self.search_text = ""
        self.sort_key = "updated"
        self.sort_ascending = False
        self.me: Worker | None = None
        self.groups: list[Group] = []
        self.buckets: list[Bucket] = []
        self.workers_list: list[Worker] = []
        self.known: dict[int, Ticket] = {}  # the newest copy seen of each ticket: the baseline for conflict checks
        self.open_ticket: Ticket | None = None
        self.conversation: Conversation | None = None
        self.query_error = ""
        self._triage_lock = asyncio.Lock()
        self._shown_state = ""
        self._count_text = ""

    # -- layout ---------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="cerb-bar"):
            yield Input(placeholder='/ search: status:o group.id:2 subject:"*refund*"', id="cerb-search")
            yield Static("", id="cerb-count")
        yield Static(self._filters_text(), id="cerb-filters")
        with ContentSwitcher(initial="cerb-table", id="cerb-views"):
            table = PagedTable(COLUMNS, page_size=PAGE_SIZE, id="cerb-table")
            table.sorted_key, table.sorted_ascending = self.sort_key, self.sort_ascending
            table.empty_text = "Loading…"
            yield table
            with Vertical(id="cerb-ticket"):
                yield Static("", id="cerb-props")
                yield Static("", id="cerb-draft-note")
                with VerticalScroll(id="cerb-conversation"):
                    yield Static("", id="cerb-conversation-body")

    @property
    def table(self) -> PagedTable:
        return self.query_one("#cerb-table", PagedTable)

    @property
    def in_ticket_view(self) -> bool:
        return self.query_one("#cerb-views", ContentSwitcher).current == "cerb-ticket"

    def focus(self, scroll_visible: bool = True):
        target = self.query_one("#cerb-conversation") if self.in_ticket_view else self.table
        target.focus(scroll_visible=scroll_visible)
        return self

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

    # -- the table: query, pages, filters, sort -------------------------------------------------------------------------

    def _filters_text(self) -> Text:
        text = Text()
        for name, label, _ in FILTERS:
            text.append(f" {label} ", style="reverse bold" if name == self.filter_name else "")
            text.append(" ")
        text.append("   [ ] filter · / search · s sort · enter open · ? keys", style="dim")
        return text

    async def ensure_me(self) -> Worker:
        if self.me is None:
            self.me = await self.client.current_worker()
        return self.me

    async def full_query(self) -> str:
        base = dict((n, q) for n, _, q in FILTERS)[self.filter_name]
        if "{me}" in base:
            base = base.format(me=(await self.ensure_me()).id)
        return " ".join(p for p in (base, self.search_text.strip()) if p)

    def run_query(self) -> None:
        """Start over: a new filter, search or sort. Pages of the old query still in flight are ignored."""
        self.workers.cancel_group(self, "cerb-pages")
        table = self.table
        table.sorted_key, table.sorted_ascending = self.sort_key, self.sort_ascending
        generation = table.reset(0)
        table.empty_text = "Loading…"
        self.query_one("#cerb-filters", Static).update(self._filters_text(), layout=False)
        search = self.query_one("#cerb-search", Input)
        if search.value != self.search_text:
            search.value = self.search_text
        self._set_count("…")
        self._state_once("connecting")
        self.run_worker(partial(self._load_page, generation, 0), group="cerb-pages")

    @on(PagedTable.PageNeeded)
    def _page_needed(self, event: PagedTable.PageNeeded) -> None:
        event.stop()
        if event.generation == self.table.generation:
            self.run_worker(partial(self._load_page, event.generation, event.page), group="cerb-pages")

    async def _load_page(self, generation: int, page: int) -> None:
        table = self.table
        try:
            query = await self.full_query()
            result = await self.client.search_tickets(
                query,
                page=page + 1,
                limit=PAGE_SIZE,
                sort=self.sort_key,
                ascending=self.sort_ascending,
                expand=TABLE_EXPAND,
            )
        except ServiceError as exc:
            table.page_failed(page)
            if generation == table.generation:
                if page == 0:
                    self.query_error = exc.readable
                    table.empty_text = exc.message
                    table.refresh()
                    self._set_count("error")
                self.report(exc, "load tickets")
            return
        rows = [Row(t.id, render.ticket_cells(t), t) for t in result.tickets]
        if table.set_page(page, rows, generation=generation, total=result.total):
            self.query_error = ""
            table.empty_text = "No tickets match." if not result.total else ""
            self._update_count()
            self._state_once("ok")

    def _update_count(self) -> None:
        label = dict((n, l) for n, l, _ in FILTERS)[self.filter_name]
        arrow = "▲" if self.sort_ascending else "▼"
        parts = [f"{self.table.total:,} tickets", label.lower()]
        if self.search_text.strip():
            parts.append(f"“{self.search_text.strip()}”")
        parts.append(f"by {self.sort_key} {arrow}")
        self._set_count(" · ".join(parts))

    def _set_count(self, text: str) -> None:
        # only on change: each update repaints the bar, and scrolling would otherwise update it once per page
        if text != self._count_text:
            self._count_text = text
            self.query_one("#cerb-count", Static).update(text, layout=False)

    def _state_once(self, state: str) -> None:
        if state != self._shown_state:
            self._shown_state = state
            self.set_state(state)

    def action_filter(self, name: str) -> None:
        self.filter_name = name
        self.show_table()
        self.run_query()

    def action_cycle_filter(self, step: int) -> None:
        names = [n for n, _, _ in FILTERS]
        self.action_filter(names[(names.index(self.filter_name) + step) % len(names)])

    def action_focus_search(self) -> None:
        self.show_table()
        self.query_one("#cerb-search", Input).focus()

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

    # -- the ticket view ------------------------------------------------------------------------------------------------

    @on(PagedTable.RowSelected)
    def _row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self.open_ticket_view(event.row.data)

    def open_ticket_view(self, ticket: Ticket) -> None:
        ticket = self._newest(ticket)
        self.open_ticket = ticket
        self.conversation = None
        self.query_one("#cerb-props", Static).update(render.properties(ticket))
        self.query_one("#cerb-conversation-body", Static).update(Text("Loading the conversation…", style="dim"))
        self._show_draft_note(ticket)
        self.query_one("#cerb-views", ContentSwitcher).current = "cerb-ticket"
        self.query_one("#cerb-conversation").focus()
        self.load_conversation(ticket.id)

    def _show_draft_note(self, ticket: Ticket) -> None:
        notes = []
        for what, key in (("reply", "r"), ("comment", "c")):
            draft = self.context.drafts.load(self.draft_key(ticket.id, what))
            if draft is not None:
                notes.append(
                    f"An unsent {what} from {render.relative_time(int(draft.saved_at))} is kept: "
                    f"press {key} to continue it."
                )
        note = self.query_one("#cerb-draft-note", Static)
        note.update("\n".join(notes))
        note.set_class(bool(notes), "shown")

    @work(exclusive=True, group="cerb-conversation")
    async def load_conversation(self, ticket_id: int) -> None:
        try:
            conversation = await self.client.conversation(ticket_id)
        except ServiceError as exc:
            self.query_one("#cerb-conversation-body", Static).update(Text(exc.readable, style="red"))
            self.report(exc, "load the conversation")
            return
        if self.open_ticket is None or self.open_ticket.id != ticket_id:
            return
        self.conversation = conversation
        self._remember(conversation.ticket)
        self.open_ticket = self._newest(conversation.ticket)
        self.query_one("#cerb-props", Static).update(render.properties(self.open_ticket))
        self.query_one("#cerb-conversation-body", Static).update(render.conversation(conversation))
        self._show_draft_note(self.open_ticket)

    def show_table(self) -> None:
        if self.in_ticket_view:
            self.query_one("#cerb-views", ContentSwitcher).current = "cerb-table"
            self.open_ticket = None
            self.table.focus()

    def action_back(self) -> None:
        if self.query_one("#cerb-search", Input).has_focus:
            self.table.focus()
        else:
            self.show_table()

    # -- triage ---------------------------------------------------------------------------------------------------------

    def target(self) -> Ticket | None:
        """The ticket a key acts on: the one open in the ticket view, else the one under the table's cursor."""
        if self.in_ticket_view and self.open_ticket is not None:
            return self._newest(self.open_ticket)
        row = self.table.current()
        if row is None:
            self.notify("No ticket selected (or it is still loading).", severity="warning")
            return None
        return self._newest(row.data)

    def _newest(self, ticket: Ticket) -> Ticket:
        known = self.known.get(ticket.id)
        return known if known is not None and known.updated >= ticket.updated else ticket

    def _remember(self, ticket: Ticket) -> None:
        self.known[ticket.id] = ticket
        self.table.replace_row(ticket.id, render.ticket_cells(ticket), ticket)
        if self.open_ticket is not None and self.open_ticket.id == ticket.id:
            self.open_ticket = ticket
            self.query_one("#cerb-props", Static).update(render.properties(ticket))

    def triage(self, ticket: Ticket, describe: str, changes: Callable[[Ticket], dict[str, Any]]) -> None:
        self.run_worker(partial(self._triage, ticket, describe, changes), group="cerb-triage")

    async def _triage(
        self, ticket: Ticket, describe: str, changes: Callable[[Ticket], dict[str, Any]], force: bool = False
    ) -> None:
        # one change at a time, each checked against the copy the previous one left
        async with self._triage_lock:
            baseline = self._newest(ticket)
            wanted = changes(baseline)
            try:
                updated = await self.client.update_ticket(baseline.id, loaded=baseline, **wanted)
            except TicketChanged as conflict:
                current = conflict.current
                self.known[baseline.id] = current
                self.app.push_screen(
                    ConflictDialog(
                        f"[#{current.mask}] changed on the server since you loaded it",
                        render.differences_table(conflict.differences, describe),
                    ),
                    lambda choice: self._resolve(choice, current, describe, changes),
                )
                return
            except ServiceError as exc:
                self.report(exc, describe)
                return
        self._remember(updated)
        self.notify(f"[#{updated.mask}] {describe}.", timeout=3)

    def _resolve(
        self, choice: str | None, current: Ticket, describe: str, changes: Callable[[Ticket], dict[str, Any]]
    ) -> None:
        self._remember(current)  # either way, show what is on the server now
        if choice == "apply":
            self.triage(current, describe, changes)
        else:
            self.notify(f"Kept the server's version of [#{current.mask}].", timeout=3)

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
            subject = (values or {}).get("subject", "").strip()
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
            me = await self.ensure_me()
        except ServiceError as exc:
            self.report(exc, "find out who you are")
            return
        self.triage(ticket, f"assigned to {me.name}", lambda t: {"owner_id": me.id})

    async def _ensure_lookups(self) -> bool:
        try:
            if not self.groups:
                self.groups, self.buckets, self.workers_list = await asyncio.gather(
                    self.client.groups(), self.client.buckets(), self.client.workers()
                )
        except ServiceError as exc:
            self.report(exc, "load groups and workers")
            return False
        return True

    def action_pick_owner(self) -> None:
        if (ticket := self.target()) is not None:
            self._pick_owner(ticket)

    @work(group="cerb-lookups")
    async def _pick_owner(self, ticket: Ticket) -> None:
        if not await self._ensure_lookups():
            return
        options = [("Nobody (unassigned)", 0)] + [
            (f"{w.name}  ({w.title})" if w.title else w.name, w.id) for w in self.workers_list
        ]
        names = {w.id: w.name for w in self.workers_list}

        def picked(owner_id: int | None) -> None:
            if owner_id is not None:
                self.triage(ticket, f"owner → {names.get(owner_id, 'nobody')}", lambda t: {"owner_id": owner_id})

        self.app.push_screen(PickDialog(f"Owner of [#{ticket.mask}]", options, current=ticket.owner_id), picked)

    def action_move(self) -> None:
        if (ticket := self.target()) is not None:
            self._move(ticket)

    @work(group="cerb-lookups")
    async def _move(self, ticket: Ticket) -> None:
        if not await self._ensure_lookups():
            return
        names = {g.id: g.name for g in self.groups}
        order = {g.id: i for i, g in enumerate(self.groups)}
        buckets = sorted(self.buckets, key=lambda b: (order.get(b.group_id, 99), not b.is_default, b.name))
        options = [(f"{names.get(b.group_id, b.group_id)} / {b.name}", (b.group_id, b.id)) for b in buckets]

        def picked(where: tuple[int, int] | None) -> None:
            if where is not None:
                label = next(label for label, value in options if value == where)
                self.triage(ticket, f"moved to {label}", lambda t: {"group_id": where[0], "bucket_id": where[1]})

        self.app.push_screen(
            PickDialog(f"Move [#{ticket.mask}] to", options, current=(ticket.group_id, ticket.bucket_id)), picked
        )

    # -- writing: reply, comment, compose --------------------------------------------------------------------------------

    def draft_key(self, ticket_id: int, what: str) -> str:
        return self.context.draft_key(self.kind, "ticket", ticket_id, what)

    def _context_for(self, ticket: Ticket) -> Any:
        """What the editor shows above the text: the ticket and the last message, when loaded."""
        parts = [Text.assemble((f"[#{ticket.mask}] ", "bold cyan"), (ticket.subject, "bold"))]
        if self.conversation is not None and self.conversation.ticket.id == ticket.id:
            last = next((e for e in reversed(self.conversation.entries) if hasattr(e, "content")), None)
            if last is not None:
                parts.append(Text(f"{last.sender} wrote:", style="dim"))
                parts.append(render.body_text("\n".join(last.content.splitlines()[:5])))
        text = Text("\n").join(parts)
        return text

    def action_reply(self) -> None:
        if (ticket := self.target()) is not None:
            self._write(ticket, "reply")

    def action_comment(self) -> None:
        if (ticket := self.target()) is not None:
            self._write(ticket, "comment")

    def _write(self, ticket: Ticket, what: str) -> None:
        key = self.draft_key(ticket.id, what)
        draft = self.context.drafts.load(key)
        body = str(draft.data.get("body", "")) if draft else ""
        if draft:
            self.notify(f"Continuing your unsent {what} from {render.relative_time(int(draft.saved_at))}.", timeout=3)

        seen = {"messages": self._newest(ticket).num_messages}

        async def send(values: dict[str, Any]) -> Any:
            if what == "reply":
                # a reply written without reading a message that arrived meanwhile is lost work of another kind:
                # stop once, show the new message, and send on the second ctrl+s
                current = await self.client.get_ticket(ticket.id)
                if current.num_messages > seen["messages"]:
                    seen["messages"] = current.num_messages
                    self._remember(current)
                    if self.open_ticket is not None and self.open_ticket.id == ticket.id:
                        self.load_conversation(ticket.id)
                    raise ConflictError(
                        f"A new message arrived on [#{current.mask}] since you opened it.",
                        hint="Read it in the conversation (it is reloaded), then press ctrl+s again to send anyway.",
                    )
                return await self.client.reply(current, values["body"])
            await self.client.comment(ticket.id, values["body"])
            return ticket

        def done(result: Any) -> None:
            if isinstance(result, Ticket):
                if what == "reply":
                    self._remember(result)
                self.notify(f"{what.capitalize()} sent on [#{result.mask}].", timeout=3)
                if self.open_ticket is not None and self.open_ticket.id == ticket.id:
                    self.load_conversation(ticket.id)
            elif self.context.drafts.load(key) is not None:
                self.notify(
                    f"Your {what} is kept as a draft; press {what[0]} on this ticket to continue it.", timeout=4
                )
            if self.open_ticket is not None and self.open_ticket.id == ticket.id:
                self._show_draft_note(ticket)

        title = f"Reply to [#{ticket.mask}]" if what == "reply" else f"Internal comment on [#{ticket.mask}]"
        self.app.push_screen(
            TicketEditor(
                title,
                drafts=self.context.drafts,
                draft_key=key,
                send=send,
                body=body,
                context=self._context_for(ticket),
                send_label="Send reply" if what == "reply" else "Add comment",
            ),
            done,
        )

    def action_compose(self) -> None:
        self._open_composer()

    @work(group="cerb-lookups")
    async def _open_composer(self) -> None:
        if not await self._ensure_lookups():
            return
        key = self.context.draft_key(self.kind, "compose")
        draft = self.context.drafts.load(key)
        data = draft.data if draft else {}
        fields = [
            Field("to", "To", str(data.get("to", "")), placeholder="customer@example.com"),
            Field("subject", "Subject", str(data.get("subject", ""))),
            Field(
                "group_id",
                "Group",
                data.get("group_id") or (self.groups[0].id if self.groups else ""),
                kind="select",
                choices=[(g.name, g.id) for g in self.groups],
            ),
        ]

        async def send(values: dict[str, Any]) -> Ticket:
            missing = [
                label
                for name, label in (("to", "To"), ("subject", "Subject"), ("group_id", "Group"))
                if not str(values.get(name) or "").strip()
            ]
            if missing:
                raise BadRequestError(f"{' and '.join(missing)} cannot be empty.")
            return await self.client.compose(
                group_id=int(values["group_id"]),
                to=values["to"].strip(),
                subject=values["subject"].strip(),
                content=values["body"],
            )

        def done(ticket: Ticket | None) -> None:
            if isinstance(ticket, Ticket):
                self.notify(f"Created [#{ticket.mask}] {ticket.subject}.", timeout=4)
                self.run_query()

        self.app.push_screen(
            TicketEditor(
                "New ticket",
                drafts=self.context.drafts,
                draft_key=key,
                send=send,
                fields=fields,
                body=str(data.get("body", "")),
                send_label="Create and send",
            ),
            done,
        )
