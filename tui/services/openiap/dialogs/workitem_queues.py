"""Work item queues: pick the one to follow from the server's list, with its items counted by state; create, edit,
purge and delete them (purge and delete ask first)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.http import ServiceError
from tui.services.openiap.client import OpenIAPClient, WorkitemQueue
from tui.services.openiap.dialogs.prompt import PromptDialog
from tui.services.openiap.models import WORKITEM_STATES
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog
from tui.widgets.read_only import GuardsWrites, writes_forbidden

COUNT_STYLES = {
    "new": "cyan",
    "processing": "yellow",
    "retry": "magenta",
    "successful": "green",
    "failed": "red",
}
NONE = "-"  # the "(none)" choice of the follow-up queue selects (a blank Select does not survive the shared form)
HINT = "Enter follows it · c create · e edit · p purge · x delete · type to filter"
READ_ONLY_HINT = "Enter follows it · type to filter"


class WorkitemQueueForm:
    """The create / edit form of a work item queue, and reading it back (ValueError says what to fix)."""

    def __init__(self, queue: WorkitemQueue, others: list[str]):
        self.queue = queue
        self.others = [name for name in others if name != queue.name]

    def dialog(self, error: str = "", values: dict[str, Any] | None = None) -> FormDialog:
        queue = self.queue
        values = values or {
            "name": queue.name,
            "maxretries": str(queue.maxretries),
            "retrydelay": str(queue.retrydelay),
            "initialdelay": str(queue.initialdelay),
            "success_wiq": queue.success_wiq or NONE,
            "failed_wiq": queue.failed_wiq or NONE,
        }
        choices = [("(none)", NONE), *((name, name) for name in self.others)]
        fields = [
            Field("name", "Name", values["name"], placeholder="a unique name"),
            Field("maxretries", "Max retries (a retried item fails after this many)", values["maxretries"]),
            Field("retrydelay", "Retry delay (seconds before a retried item runs again)", values["retrydelay"]),
            Field("initialdelay", "Initial delay (seconds before a new item runs)", values["initialdelay"]),
            Field("success_wiq", "Success queue (successful items are copied there)", values["success_wiq"] or NONE,
                  kind="select", choices=choices),
            Field("failed_wiq", "Failure queue (failed items are copied there)", values["failed_wiq"] or NONE,
                  kind="select", choices=choices),
        ]  # fmt: skip
        title = f"Edit the work item queue {queue.name}" if queue.id else "Create a work item queue"
        note = error or "Items of this queue run in priority order, then oldest first."
        return FormDialog(title, fields, submit="Save" if queue.id else "Create", note=note)

    def read(self, values: dict[str, Any]) -> WorkitemQueue:
        name = str(values.get("name") or "").strip()
        if not name:
            raise ValueError("The name is empty.")
        numbers = {}
        for key, label in (("maxretries", "Max retries"), ("retrydelay", "Retry delay"), ("initialdelay", "Delay")):
            text = str(values.get(key) or "0").strip()
            if not text.isdigit():
                raise ValueError(f"{label} must be a whole number of 0 or more, not {text!r}.")
            numbers[key] = int(text)
        return WorkitemQueue(
            name=name,
            success_wiq=_follow_up(values.get("success_wiq")),
            failed_wiq=_follow_up(values.get("failed_wiq")),
            id=self.queue.id,
            **numbers,
        )


def _follow_up(value: Any) -> str:
    return value if isinstance(value, str) and value != NONE else ""


def counts_text(counts: dict[str, int]) -> Text:
    text = Text()
    total = sum(counts.values())
    text.append(f"{total} item{'s' if total != 1 else ''}", style="bold" if total else "dim")
    for state in WORKITEM_STATES:
        if counts.get(state):
            text.append(f"  {state} {counts[state]}", style=COUNT_STYLES.get(state, ""))
    return text


class WorkitemQueuesDialog(GuardsWrites, PromptDialog):
    """The server's work item queues with their items by state. Typing filters the list; Enter follows the
    highlighted queue (or, from the input, the name typed). On the list: c, e, p, x manage the highlighted one."""

    DEFAULT_CSS = """
    WorkitemQueuesDialog .dialog { max-width: 96; height: auto; max-height: 90%; }
    WorkitemQueuesDialog #wiq-list { height: auto; max-height: 16; margin-top: 1; }
    WorkitemQueuesDialog #wiq-status { color: $text-muted; }
    """
    WRITE_ACTIONS = frozenset({"create", "edit", "purge", "delete_queue"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("c", "create", "Create"),
        Binding("e", "edit", "Edit"),
        Binding("p", "purge", "Purge"),
        Binding("x", "delete_queue", "Delete"),
    ]

    def __init__(self, client: OpenIAPClient):
        super().__init__(
            "Follow a work item queue",
            hint="Its items by state; push, pop and mark them.",
            placeholder="work item queue name (filters the list)",
        )
        self.client = client
        self.queues: list[WorkitemQueue] = []
        self.counts: dict[str, dict[str, int]] = {}
        self.loads = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title")
            yield Static(self.hint)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield OptionList(id="wiq-list")
            yield Static("Loading the work item queues…", id="wiq-status", markup=False)
            yield Static(READ_ONLY_HINT if writes_forbidden(self.app) else HINT, classes="hint")
            yield Static("", classes="error", id="form-error")

    def on_mount(self) -> None:
        # PromptDialog's on_mount (Textual calls it too) focuses the input
        self.reload()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#wiq-list", OptionList)

    def _status(self, text: str) -> None:
        self.query_one("#wiq-status", Static).update(text)

    # -- the list ------------------------------------------------------------------------------------------------------

    def reload(self, highlight: str = "", done: str = "") -> None:
        """List the queues again; `done` is what the status line says after (what was just done), if anything."""
        self._load(highlight, done)

    @work(group="wiq-load", exclusive=True)
    async def _load(self, highlight: str, done: str) -> None:
        try:
            queues = await self.client.workitem_queues()
            counts = [await self.client.workitem_counts(q) for q in queues]
        except ServiceError as exc:
            self._status(f"Could not list the work item queues: {exc.readable}")
            return
        self.queues = queues
        self.counts = {q.name: c for q, c in zip(queues, counts, strict=True)}
        self.loads += 1
        self._fill(highlight or self.highlighted_name())
        self._status(done or f"{len(queues)} work item queue{'s' if len(queues) != 1 else ''} on the server.")

    def _fill(self, highlight: str = "") -> None:
        wanted = self.query_one("#prompt-input", Input).value.strip().lower()
        options = []
        for queue in self.queues:
            if wanted and wanted not in queue.name.lower():
                continue
            line = Text(queue.name.ljust(28), style="bold")
            line.append_text(counts_text(self.counts.get(queue.name, {})))
            options.append(Option(line, id=queue.name))
        listing = self.option_list
        listing.clear_options()
        listing.add_options(options)
        names = [str(o.id) for o in options]
        if names:
            listing.highlighted = names.index(highlight) if highlight in names else 0

    def highlighted_name(self) -> str:
        listing = self.option_list
        if listing.highlighted is None or listing.option_count == 0:
            return ""
        return str(listing.get_option_at_index(listing.highlighted).id)

    def highlighted_queue(self) -> WorkitemQueue | None:
        name = self.highlighted_name()
        return next((q for q in self.queues if q.name == name), None)

    @on(Input.Changed, "#prompt-input")
    def _filter(self) -> None:
        self._fill(self.highlighted_name())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()  # not PromptDialog's handler: the highlighted queue may be the answer
        typed = event.value.strip()
        names = [q.name for q in self.queues]
        if typed in names or (typed and not self.highlighted_name()):
            self.dismiss(typed)  # a name the list does not have is followed as typed (it may come later)
        elif self.highlighted_name():
            self.dismiss(self.highlighted_name())
        else:
            self.query_one("#form-error", Static).update("Pick a work item queue, type a name, or press Escape.")

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.query_one("#prompt-input", Input).has_focus:
            self.option_list.focus()

    @on(OptionList.OptionSelected, "#wiq-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    # -- managing ------------------------------------------------------------------------------------------------------

    def action_create(self) -> None:
        self._open_form(WorkitemQueueForm(WorkitemQueue(""), [q.name for q in self.queues]))

    def action_edit(self) -> None:
        queue = self.highlighted_queue()
        if queue is None:
            self._status("Highlight a work item queue to edit.")
            return
        self._open_form(WorkitemQueueForm(queue, [q.name for q in self.queues]))

    def _open_form(self, form: WorkitemQueueForm, error: str = "", values: dict[str, Any] | None = None) -> None:
        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                queue = form.read(result)
            except ValueError as exc:
                self._open_form(form, f"Not saved: {exc}", result)
                return
            self._save(form, queue, result)

        self.app.push_screen(form.dialog(error, values), done)

    @work(group="wiq-change")
    async def _save(self, form: WorkitemQueueForm, queue: WorkitemQueue, values: dict[str, Any]) -> None:
        try:
            if queue.id:
                saved = await self.client.update_workitem_queue(queue)
            else:
                saved = await self.client.add_workitem_queue(queue)
        except ServiceError as exc:
            self._open_form(form, f"Not saved: {exc.readable}", values)
            return
        self.reload(saved.name, f"Saved the work item queue {saved.name}.")

    def action_purge(self) -> None:
        queue = self.highlighted_queue()
        if queue is None:
            self._status("Highlight a work item queue to purge.")
            return
        total = sum(self.counts.get(queue.name, {}).values())
        question = f"Delete all {total} work items of {queue.name}? This cannot be undone."

        def done(yes: bool | None) -> None:
            if yes:
                self._change(queue, "purge")

        self.app.push_screen(ConfirmDialog(question, confirm="Purge", danger=True), done)

    def action_delete_queue(self) -> None:
        queue = self.highlighted_queue()
        if queue is None:
            self._status("Highlight a work item queue to delete.")
            return
        total = sum(self.counts.get(queue.name, {}).values())
        items = f" and its {total} work item{'s' if total != 1 else ''}" if total else ""
        question = f"Delete the work item queue {queue.name}{items}? This cannot be undone."

        def done(yes: bool | None) -> None:
            if yes:
                self._change(queue, "delete")

        self.app.push_screen(ConfirmDialog(question, confirm="Delete", danger=True), done)

    @work(group="wiq-change")
    async def _change(self, queue: WorkitemQueue, what: str) -> None:
        try:
            if what == "purge":
                await self.client.purge_workitem_queue(queue)
            else:
                await self.client.delete_workitem_queue(queue, purge=True)
        except ServiceError as exc:
            self._status(f"Could not {what} {queue.name}: {exc.readable}")
            return
        self.reload(done=f"{'Purged' if what == 'purge' else 'Deleted'} the work item queue {queue.name}.")
