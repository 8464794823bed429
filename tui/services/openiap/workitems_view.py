"""A work item queue's items by state: push, pop, mark successful / failed / retry, edit and delete one."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.drafts import DraftStore
from tui.services.openiap.client import OpenIAPClient, Workitem
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog
from tui.widgets.json_view import JsonView
from tui.widgets.read_only import GuardsWrites, writes_forbidden

STATES = ("new", "processing", "retry", "successful", "failed")
STATE_STYLES = {
    "new": "bold cyan",
    "processing": "bold yellow",
    "retry": "bold magenta",
    "successful": "bold green",
    "failed": "bold red",
}


COLUMNS = ("State", "Name", "Prio", "Retries", "Next run", "Last run", "Id", "Error")
NAME, ERROR = COLUMNS.index("Name"), COLUMNS.index("Error")
NAME_MIN, ERROR_MIN = 12, 8  # what the two free-text columns keep when the table is narrow


def when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone().strftime("%m-%d %H:%M:%S")


def fit_free_text(rows: list[list[str]], width: int, padding: int) -> None:
    """Shorten the names and errors (with "…") so that the whole row fits in `width`: every other column is short and
    fixed, and the full name and error show below the table. `width` 0 (not laid out yet) leaves them as they are."""
    if not rows or width <= 0:
        return
    needs = [max(cell_len(label), *(cell_len(row[i]) for row in rows)) + 2 * padding for i, label in enumerate(COLUMNS)]
    room = width - sum(need for i, need in enumerate(needs) if i not in (NAME, ERROR)) - 4 * padding
    name_need, error_need = needs[NAME] - 2 * padding, needs[ERROR] - 2 * padding
    if name_need + error_need <= room:
        return
    name_width = min(name_need, max(NAME_MIN, room - min(error_need, ERROR_MIN)))
    error_width = max(ERROR_MIN, room - name_width)
    for row in rows:
        row[NAME], row[ERROR] = clip(row[NAME], name_width), clip(row[ERROR], error_width)


def read_item_form(values: dict[str, Any]) -> tuple[Any, int]:
    """The payload and the priority typed into the push / edit form, or a ValueError saying what to fix."""
    try:
        payload = json.loads(str(values.get("payload") or "").strip() or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"The payload is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    priority = str(values.get("priority") or "").strip() or "2"
    if not re.fullmatch(r"-?[0-9]{1,9}", priority):
        raise ValueError(f"The priority must be a whole number such as 2 (lower runs first), not {priority!r}.")
    return payload, int(priority)


def add_columns(table: DataTable[Any]) -> None:
    for label in COLUMNS:
        table.add_column(label, key=label)


def clip(text: str, width: int) -> str:
    return text if cell_len(text) <= width else set_cell_size(text, max(0, width - 1)) + "…"


class WorkitemsView(GuardsWrites, Vertical):
    """Shows one work item queue (`show(wiq)`); the table is sorted by state, then priority."""

    DEFAULT_CSS = """
    WorkitemsView { height: 1fr; }
    WorkitemsView > #wi-header { height: 1; background: $panel; padding: 0 1; }
    WorkitemsView > DataTable { height: 2fr; }
    WorkitemsView > JsonView { height: 1fr; border-top: solid $panel; }
    """
    WRITE_ACTIONS = frozenset({"push", "pop", "mark", "edit_item", "delete_item"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "push", "Push item"),
        Binding("o", "pop", "Pop next"),
        Binding("s", "mark('successful')", "Successful"),
        Binding("f", "mark('failed')", "Failed"),
        Binding("t", "mark('retry')", "Retry"),
        Binding("v", "cycle_state", "By state"),
        Binding("e", "edit_item", "Edit item"),
        Binding("x", "delete_item", "Delete item"),
    ]
    RELOAD_SECONDS: ClassVar[float] = 3.0  # work items move on the server (other workers, retries): look again

    def __init__(
        self,
        client: OpenIAPClient,
        report: Callable[[BaseException, str], None],
        *,
        drafts: DraftStore | None = None,
        draft_key: Callable[[str], str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.client = client
        self.report = report
        self.drafts = drafts  # what was typed into "push" stays on disk until the push succeeds
        self.draft_key = draft_key
        self.wiq = ""
        self.items: list[Workitem] = []
        self.state_filter: str | None = None
        self.loads = 0
        self._loading = False
        self._again = ""
        self._filled_width = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="wi-header")
        table: DataTable[Any] = DataTable(id="wi-table", cursor_type="row", zebra_stripes=True)
        add_columns(table)
        yield table
        yield JsonView(id="wi-payload")

    def on_mount(self) -> None:
        # not `_auto_refresh`: Textual's DOMNode sets an attribute of that name on every widget, which would
        # replace the method and leave the timer calling None
        self.set_interval(self.RELOAD_SECONDS, self._reload_while_shown)

    def on_resize(self) -> None:
        # names and errors are shortened to the table's width: a new width shortens them again
        if self.items and self.table.size.width != self._filled_width:
            self._fill()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#wi-table", DataTable)

    def show(self, wiq: str) -> None:
        if wiq != self.wiq:
            self.wiq = wiq
            self.items = []
            self.table.clear()
        self.load()

    def _reload_while_shown(self) -> None:
        # `is_on_screen` is Textual's: the view was drawn in the last screen update (not hidden behind another tab)
        if (
            self.wiq
            and not self._loading
            and self.display
            and self.parent is not None
            and self.parent.display
            and self.is_on_screen
        ):
            self.load()

    # -- loading ------------------------------------------------------------------------------------------------------

    def load(self, select_id: str = "") -> None:
        """Load the items again; while a load runs, one more is queued instead of cancelling it (a request cut
        half-way would leave the websocket stream out of step)."""
        if self._loading:
            self._again = select_id or self._again or "-"
            return
        self._loading = True
        self._load(select_id)

    @work(group="workitems-load")
    async def _load(self, select_id: str) -> None:
        wiq = self.wiq
        try:
            items = await self.client.workitems(wiq, top=200)
        except Exception as exc:
            self.report(exc, f"list the work items of {wiq}")
            items = None
        finally:
            self._loading = False
        if self._again:
            again, self._again = self._again, ""
            self.load("" if again == "-" else again)
        if items is None or wiq != self.wiq:
            return
        self.items = items
        self.loads += 1
        self._fill(select_id)

    def visible_items(self) -> list[Workitem]:
        order = {s: i for i, s in enumerate(STATES)}
        items = [i for i in self.items if self.state_filter in (None, i.state)]
        return sorted(items, key=lambda i: (order.get(i.state, len(STATES)), i.priority, i.name))

    def _fill(self, select_id: str = "") -> None:
        table = self.table
        keep = select_id or self.selected_id()
        table.clear(columns=True)  # columns too: a column keeps the width of its widest cell ever, even once gone
        add_columns(table)
        rows = self.visible_items()
        cells = [
            [i.state, i.name, str(i.priority), str(i.retries), when(i.nextrun), when(i.lastrun), i.id, i.errormessage]
            for i in rows
        ]
        width = table.size.width
        if len(rows) + 1 > table.size.height:  # the header and the rows: a scroll bar will take its share
            width -= table.styles.scrollbar_size_vertical
        fit_free_text(cells, width, table.cell_padding)
        self._filled_width = table.size.width
        for item, row in zip(rows, cells, strict=True):
            table.add_row(Text(item.state, style=STATE_STYLES.get(item.state, "")), *row[1:], key=item.id)
        if keep:
            for index, item in enumerate(rows):
                if item.id == keep:
                    table.move_cursor(row=index)
                    break
        self._update_header()
        self._show_selected()

    def _update_header(self) -> None:
        counts = Counter(i.state for i in self.items)
        text = Text()
        text.append(f"{self.wiq or 'no work item queue'}", style="bold")
        for state in STATES:
            style = STATE_STYLES[state] if counts.get(state) else "dim"
            text.append(f"  {state} {counts.get(state, 0)}", style=style)
        text.append(f"   showing: {self.state_filter or 'all states'} (v)", style="dim")
        if not writes_forbidden(self.app):
            text.append("   n push · o pop · s successful · f failed · t retry · e edit · x delete", style="dim italic")
        self.query_one("#wi-header", Static).update(text)

    def selected_id(self) -> str:
        table = self.table
        if table.row_count == 0:
            return ""
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:
            return ""

    def selected(self) -> Workitem | None:
        wanted = self.selected_id()
        return next((i for i in self.items if i.id == wanted), None)

    def _show_selected(self) -> None:
        item = self.selected()
        view = self.query_one("#wi-payload", JsonView)
        if item is None:
            view.show({"hint": "no work item selected"})
        else:
            view.show(
                {
                    "name": item.name,
                    "state": item.state,
                    "payload": item.payload,
                    "errormessage": item.errormessage,
                    "retries": item.retries,
                    "username": item.username,
                    "_id": item.id,
                }
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    # -- actions ------------------------------------------------------------------------------------------------------

    def action_cycle_state(self) -> None:
        order = [None, *STATES]
        self.state_filter = order[(order.index(self.state_filter) + 1) % len(order)]
        self._fill()

    def action_push(self, values: dict[str, Any] | None = None, error: str = "") -> None:
        if not self.wiq:
            self.app.notify("Add a work item queue first (i).", severity="warning")
            return
        drafts = self.drafts
        key = self.draft_key(self.wiq) if drafts is not None and self.draft_key else ""
        restored = False
        if values is None and drafts is not None and key and (draft := drafts.load(key)) is not None:
            values, restored = {"name": "", "payload": "{}", "priority": "2", **draft.data}, True
        values = values or {"name": "", "payload": "{}", "priority": "2"}
        fields = [
            Field("name", "Name", values["name"], placeholder="what this item is"),
            Field("payload", "Payload (JSON)", values["payload"], kind="multiline"),
            Field("priority", "Priority (lower runs first)", values["priority"]),
        ]

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            if drafts is not None and key:
                drafts.save(key, {k: str(v) for k, v in result.items()})
            try:
                payload, priority = read_item_form(result)
            except ValueError as exc:
                self.action_push(result, f"Not pushed: {exc} Fix it and send again.")
                return
            self._push(result["name"] or "item", payload, priority, key)

        note = error or ("Your unsent work item is back." if restored else f"A new item in {self.wiq}.")
        self.app.push_screen(FormDialog(f"Push a work item to {self.wiq}", fields, submit="Push", note=note), done)

    @work(group="workitems-change")
    async def _push(self, name: str, payload: Any, priority: int, draft_key: str = "") -> None:
        try:
            item = await self.client.push_workitem(self.wiq, name, payload, priority=priority)
        except Exception as exc:
            self.report(exc, "push the work item (what you typed is kept: n opens it again)")
            return
        if draft_key and self.drafts is not None:
            self.drafts.discard(draft_key)
        self.app.notify(f"Pushed {item.name!r} to {self.wiq}.")
        self.load(item.id)

    def action_pop(self) -> None:
        if self.wiq:
            self._pop()

    @work(group="workitems-change")
    async def _pop(self) -> None:
        try:
            item = await self.client.pop_workitem(self.wiq)
        except Exception as exc:
            self.report(exc, f"pop from {self.wiq}")
            return
        if item is None:
            self.app.notify(f"No work item is waiting in {self.wiq}.")
            return
        self.app.notify(f"Popped {item.name!r}: now processing.")
        self.load(item.id)

    def action_mark(self, state: str) -> None:
        item = self.selected()
        if item is None:
            self.app.notify("Select a work item first.", severity="warning")
            return
        self._mark(item, state)

    @work(group="workitems-change")
    async def _mark(self, item: Workitem, state: str) -> None:
        message = "Marked failed from servicedeck." if state == "failed" else ""
        try:
            updated = await self.client.update_workitem(item, state=state, errormessage=message)
        except Exception as exc:
            self.report(exc, f"mark {item.name!r} {state}")
            return
        self.app.notify(f"{updated.name!r} is now {updated.state}.")
        self.load(updated.id)

    def action_edit_item(self, values: dict[str, Any] | None = None, error: str = "") -> None:
        item = self.selected()
        if item is None:
            self.app.notify("Select a work item first.", severity="warning")
            return
        values = values or {
            "name": item.name,
            "payload": json.dumps(item.payload, indent=2, ensure_ascii=False),
            "priority": str(item.priority),
        }
        fields = [
            Field("name", "Name", values["name"]),
            Field("payload", "Payload (JSON)", values["payload"], kind="multiline"),
            Field("priority", "Priority (lower runs first)", values["priority"]),
        ]

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                payload, priority = read_item_form(result)
            except ValueError as exc:
                self.action_edit_item(result, f"Not saved: {exc} Fix it and save again.")
                return
            item.name, item.payload, item.priority = result["name"] or item.name, payload, priority
            self._save_item(item)

        note = error or f"The item stays {item.state}."
        self.app.push_screen(FormDialog(f"Edit the work item {item.name}", fields, submit="Save", note=note), done)

    @work(group="workitems-change")
    async def _save_item(self, item: Workitem) -> None:
        try:
            updated = await self.client.update_workitem(item)
        except Exception as exc:
            self.report(exc, f"save the work item {item.name!r}")
            self.load(item.id)
            return
        self.app.notify(f"Saved {updated.name!r}.")
        self.load(updated.id)

    def action_delete_item(self) -> None:
        item = self.selected()
        if item is None:
            self.app.notify("Select a work item first.", severity="warning")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._delete_item(item)

        question = f"Delete the work item {item.name!r} ({item.state})? This cannot be undone."
        self.app.push_screen(ConfirmDialog(question, confirm="Delete", danger=True), done)

    @work(group="workitems-change")
    async def _delete_item(self, item: Workitem) -> None:
        try:
            await self.client.delete_workitem(item.id)
        except Exception as exc:
            self.report(exc, f"delete the work item {item.name!r}")
            return
        self.app.notify(f"Deleted {item.name!r}.")
        self.load()
