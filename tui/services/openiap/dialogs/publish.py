"""Publish a message to a queue (and see the reply)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from tui.drafts import DraftStore
from tui.http import ServiceError
from tui.services.openiap.client import NoReplyError, QueueMessage
from tui.widgets.dialogs import DIALOG_CSS
from tui.widgets.json_view import JsonView
from tui.widgets.read_only import GuardsWrites

# send(queue, data, correlation_id, replyto, wait_for_reply) -> the reply when waiting for one, else None
SendFn = Callable[[str, Any, str, str, bool], Awaitable[QueueMessage | None]]


def parse_payload(text: str) -> Any:
    """The payload as JSON, or a ValueError saying where it is wrong in words a person can act on."""
    if not text.strip():
        raise ValueError('The payload is empty: type a JSON value, for example {"hello": "world"}.')
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"The payload is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None


class PublishDialog(GuardsWrites, ModalScreen[str | None]):
    """Pick a queue, edit a JSON payload (checked before sending), optional correlationId/replyto, optionally wait
    for the reply. What is typed is kept as a draft until it is sent; a failed send keeps the dialog open."""

    DEFAULT_CSS = (
        "PublishDialog { align: center middle; }\n"
        + DIALOG_CSS
        + """
    PublishDialog #publish-payload { height: 10; }
    PublishDialog .row { height: auto; }
    PublishDialog .row > Vertical { height: auto; width: 1fr; margin-right: 1; }
    PublishDialog #publish-reply { height: auto; max-height: 12; display: none; border: round $success; }
    PublishDialog.has-reply #publish-reply { display: block; }
    PublishDialog #publish-status { color: $text-muted; }
    """
    )
    WRITE_ACTIONS = frozenset({"send"})  # the key; the button reaches the client, which refuses in read-only mode
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "send", "Send", priority=True),
    ]

    def __init__(
        self,
        send: SendFn,
        *,
        queues: list[str],
        drafts: DraftStore,
        draft_key: str,
        queue: str = "",
        payload: str = "",
        correlation_id: str = "",
        replyto: str = "",
    ):
        super().__init__()
        self.send = send
        self.queues = queues
        self.drafts = drafts
        self.draft_key = draft_key
        self.restored = False
        draft = drafts.load(draft_key) if not payload else None
        if draft is not None:
            self.restored = True
            queue = draft.data.get("queue", queue)
            payload = draft.data.get("payload", "")
            correlation_id = draft.data.get("correlation_id", "")
            replyto = draft.data.get("replyto", "")
        self.initial = {
            "queue": queue or (queues[0] if queues else ""),
            "payload": payload or '{\n  "hello": "world"\n}',
            "correlation_id": correlation_id,
            "replyto": replyto,
        }
        self.reply: QueueMessage | None = None
        self.no_reply: NoReplyError | None = None  # the last wait for a reply ended without one
        self.sent = 0
        self.sending = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static("Publish a message", classes="title")
            if self.restored:
                yield Static("Your unsent draft is back.", id="publish-restored")
            yield Label("Queue", classes="field-label")
            yield Input(
                self.initial["queue"],
                placeholder="queue name",
                id="publish-queue",
                suggester=SuggestFromList(self.queues, case_sensitive=True),
            )
            yield Label("Payload (JSON)", classes="field-label")
            yield TextArea(self.initial["payload"], id="publish-payload", soft_wrap=True, show_line_numbers=True)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label("Correlation id (optional)", classes="field-label")
                    yield Input(self.initial["correlation_id"], id="publish-correlation")
                with Vertical():
                    yield Label("Reply to (optional queue)", classes="field-label")
                    yield Input(self.initial["replyto"], id="publish-replyto")
            yield Checkbox("Wait for the reply (request/reply)", id="publish-wait")
            yield Static("", classes="error", id="form-error")
            yield Static("", id="publish-status")
            yield JsonView(id="publish-reply")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="cancel")
                yield Button("Send (ctrl+s)", id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#publish-payload" if self.initial["queue"] else "#publish-queue").focus()

    # -- the draft ----------------------------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {
            "queue": self.query_one("#publish-queue", Input).value.strip(),
            "payload": self.query_one("#publish-payload", TextArea).text,
            "correlation_id": self.query_one("#publish-correlation", Input).value.strip(),
            "replyto": self.query_one("#publish-replyto", Input).value.strip(),
        }

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _save_draft(self) -> None:
        if self.is_mounted:
            self.drafts.save(self.draft_key, self.values())

    # -- sending ------------------------------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    def action_send(self) -> None:
        values = self.values()
        if not values["queue"]:
            self.show_error("Pick a queue to send to.")
            self.query_one("#publish-queue").focus()
            return
        try:
            data = parse_payload(values["payload"])
        except ValueError as exc:
            self.show_error(str(exc))
            self.query_one("#publish-payload").focus()
            return
        if self.sending:
            return
        self.show_error("")
        self.sending = True
        wait = self.query_one("#publish-wait", Checkbox).value
        self.query_one("#publish-status", Static).update("Waiting for the reply…" if wait else "Sending…")
        self._send(values, data, wait)

    @work(group="publish")
    async def _send(self, values: dict[str, str], data: Any, wait: bool) -> None:
        status = self.query_one("#publish-status", Static)
        try:
            reply = await self.send(values["queue"], data, values["correlation_id"], values["replyto"], wait)
        except NoReplyError as exc:
            # the message was delivered: sending it again would send it twice, so it counts as sent
            self.sending = False
            self.sent += 1
            self.no_reply, self.reply = exc, None
            self.remove_class("has-reply")
            self.drafts.discard(self.draft_key)
            status.update(
                f"Sent; no reply within {exc.timeout:.0f} s (is anything consuming {exc.queuename}?). "
                "A reply that comes later is not shown."
            )
            return
        except ServiceError as exc:
            self.sending = False
            status.update("")
            self.show_error(f"Not sent: {exc.readable} Your payload is kept; try again or press Escape.")
            return
        except Exception as exc:  # never a traceback on screen
            self.sending = False
            status.update("")
            self.show_error(f"Not sent: {type(exc).__name__}: {exc}. Your payload is kept.")
            return
        self.sending = False
        self.sent += 1
        self.no_reply = None
        self.drafts.discard(self.draft_key)
        if wait and reply is not None:
            self.reply = reply
            status.update(
                f"Reply from {reply.queuename or values['queue']} (correlationId {reply.correlation_id or '-'}):"
            )
            self.query_one("#publish-reply", JsonView).show(reply.data)
            self.add_class("has-reply")
        else:
            self.dismiss(f"Sent to {values['queue']}.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if self.sent and self.reply is not None:
            self.dismiss(f"Sent to {self.values()['queue']}; the reply is shown in the dialog only.")
        elif self.sent and self.no_reply is not None:
            self.dismiss(f"Sent to {self.no_reply.queuename}; no reply came within {self.no_reply.timeout:.0f} s.")
        else:
            self.dismiss(None)
