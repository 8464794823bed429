"""The Tickets pane's dialogs: the reply/comment/compose editor (drafts kept on disk), the conflict dialog, pickers,
and when a snoozed ticket opens again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.console import RenderableType
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from tui.drafts import DraftStore
from tui.http import ServiceError
from tui.services.cerb.when import PRESETS, NotADate, parse_when
from tui.widgets.dialogs import DIALOG_CSS, Field
from tui.widgets.read_only import READ_ONLY_SENTENCE, GuardsWrites, writes_forbidden


class TicketEditor(GuardsWrites, ModalScreen[Any]):
    """Write a reply, a comment or a new ticket. Everything typed is kept as a draft on disk until it is sent;
    a failed send keeps the editor open with the reason, and Escape closes it keeping the draft. In read-only mode
    (turned on while it was open) it only keeps the draft."""

    DEFAULT_CSS = (
        """
    TicketEditor { align: center middle; }
    TicketEditor .dialog { width: 90%; max-width: 120; height: 90%; }
    TicketEditor #editor-body { height: 1fr; min-height: 6; }
    TicketEditor .context { color: $text-muted; max-height: 8; overflow-y: auto; }
    TicketEditor .field-row { height: 1; margin-bottom: 1; }
    TicketEditor .field-row .field-label { width: 20; margin: 0; color: $text-muted; }
    TicketEditor .field-row Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    TicketEditor .field-row Input:focus { background: $accent 30%; }
    TicketEditor .field-row Select { width: 1fr; height: 1; }
    TicketEditor .field-row SelectCurrent { height: 1; border: none; padding: 0 1; background: $boost; }
    TicketEditor .field-row Select:focus SelectCurrent { background: $accent 30%; }
    TicketEditor .field-row SelectOverlay { border: none; }
    """
        + DIALOG_CSS
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close, keep draft"),
        Binding("ctrl+s", "send", "Send", priority=True),
    ]
    WRITE_ACTIONS = frozenset({"send"})

    def __init__(
        self,
        title: str,
        *,
        drafts: DraftStore,
        draft_key: str,
        send: Callable[[dict[str, Any]], Awaitable[Any]],
        fields: list[Field] | None = None,
        body: str = "",
        context: RenderableType | None = None,
        send_label: str = "Send",
        focus_body: bool = False,
    ):
        super().__init__()
        self.title_text = title
        self.drafts = drafts
        self.draft_key = draft_key
        self.send_fn = send
        self.fields = fields or []
        self.initial_body = body
        self.context_renderable = context
        self.send_label = send_label
        self.focus_body = focus_body  # the fields are options (a reply's): writing starts in the body
        self.sending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="title")  # server text (a mask), not markup
            if self.context_renderable is not None:
                yield Static(self.context_renderable, classes="context")
            for f in self.fields:  # one line each: the label, then the field
                with Horizontal(classes="field-row"):
                    yield Label(f.label, classes="field-label")
                    if f.kind == "select":
                        yield Select(
                            f.choices,
                            value=f.value if f.value not in ("", None) else Select.NULL,
                            id=f"field-{f.name}",
                            allow_blank=f.value in ("", None),
                        )
                    else:
                        yield Input(str(f.value), placeholder=f.placeholder, id=f"field-{f.name}")
            yield TextArea(self.initial_body, id="editor-body", soft_wrap=True, show_line_numbers=False)
            yield Static("", classes="error", id="editor-error")
            with Horizontal(classes="buttons"):
                yield Button("Close, keep draft (esc)", id="close")
                yield Button(f"{self.send_label} (ctrl+s)", id="send", variant="primary")

    def on_mount(self) -> None:
        body = self.query_one("#editor-body", TextArea)
        if self.fields and not self.focus_body and not all(self.values().get(f.name) for f in self.fields):
            self.query(f"#field-{self.fields[0].name}").first().focus()
        else:
            body.focus()
            body.move_cursor(body.document.end)

    # -- the draft -----------------------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Input):
                out[f.name] = widget.value
        out["body"] = self.query_one("#editor-body", TextArea).text
        return out

    def has_content(self) -> bool:
        return any(str(v or "").strip() for k, v in self.values().items() if k in ("body", "subject"))

    def save_draft(self) -> None:
        """On disk now: written on every change (under a millisecond), so a crash a moment later loses nothing."""
        if self.has_content():
            self.drafts.save(self.draft_key, self.values())

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.save_draft()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.save_draft()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.save_draft()

    # -- actions -------------------------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            self.action_send()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.save_draft()
        self.dismiss(None)

    def action_send(self) -> None:
        if self.sending:
            return
        if writes_forbidden(self.app):  # the Send button: its key is already refused
            self.save_draft()
            self.query_one("#editor-error", Static).update(f"{READ_ONLY_SENTENCE} Your text is kept as a draft.")
            return
        values = self.values()
        if not values["body"].strip():
            self.query_one("#editor-error", Static).update("Write something first.")
            return
        self.save_draft()  # on disk before the network is involved: a crash mid-send loses nothing
        self._send(values)

    @work(exclusive=True, group="cerb-editor-send")
    async def _send(self, values: dict[str, Any]) -> None:
        self.sending = True
        error = self.query_one("#editor-error", Static)
        button = self.query_one("#send", Button)
        button.disabled = True
        error.update("Sending…")
        try:
            result = await self.send_fn(values)
        except ServiceError as exc:
            error.update(f"Not sent: {exc.readable} Your text is kept as a draft.")
            return
        except Exception:  # a bug of ours: never a traceback nor a class name; the draft is on disk either way
            error.update("Not sent because of an unexpected problem. Your text is kept as a draft.")
            return
        finally:
            self.sending = False
            button.disabled = False
        self.drafts.discard(self.draft_key)
        self.dismiss(result)


class ConflictDialog(GuardsWrites, ModalScreen[str]):
    """The ticket changed on the server since it was loaded: show how, then apply mine anyway or keep theirs."""

    DEFAULT_CSS = "ConflictDialog { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "apply_mine", "Apply mine anyway"),
        Binding("escape,k", "keep_theirs", "Keep theirs"),
    ]
    WRITE_ACTIONS = frozenset({"apply_mine"})

    def __init__(self, title: str, body: RenderableType):
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conflict"):
            yield Static(Content(self.title_text), classes="title")  # server text (a mask), not markup
            yield Static(self.body)
            with Horizontal(classes="buttons"):
                yield Button("Keep theirs (k)", id="keep")
                yield Button("Apply mine anyway (a)", id="apply", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply_mine()
        else:
            self.action_keep_theirs()

    def action_apply_mine(self) -> None:
        if writes_forbidden(self.app):  # the button: its key is already refused
            self.notify(READ_ONLY_SENTENCE, severity="warning")
            return
        self.dismiss("apply")

    def action_keep_theirs(self) -> None:
        self.dismiss("keep")


class PickDialog(ModalScreen[Any]):
    """Choose one of a few options (an owner, a group / bucket, a status); Enter picks, Escape cancels."""

    DEFAULT_CSS = (
        """
    PickDialog { align: center middle; }
    PickDialog .dialog { width: 60; }
    PickDialog OptionList { height: auto; max-height: 20; }
    """
        + DIALOG_CSS
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, Any]], *, current: Any = None):
        super().__init__()
        self.title_text = title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="title")  # server text (a mask), not markup
            yield OptionList(*[Option(label, id=str(i)) for i, (label, _) in enumerate(self.options)], id="pick")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        for i, (_, value) in enumerate(self.options):
            if value == self.current:
                option_list.highlighted = i

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.options[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SnoozeDialog(ModalScreen[int | None]):
    """Until when a ticket waits: a preset (Enter on it) or a moment typed in the field; the result is Unix seconds."""

    DEFAULT_CSS = (
        """
    SnoozeDialog { align: center middle; }
    SnoozeDialog .dialog { width: 64; }
    SnoozeDialog OptionList { height: auto; max-height: 8; }
    """
        + DIALOG_CSS
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str):
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="title")  # server text (a mask), not markup
            yield OptionList(*[Option(label, id=said) for label, said in PRESETS], id="snooze-presets")
            yield Label("or type when: in 2 days, friday 14:00, 2024-06-01 10:30", classes="field-label")
            yield Input(placeholder="when…", id="snooze-when")
            yield Static("", classes="error", id="snooze-error")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _choose(self, said: str) -> None:
        try:
            moment = parse_when(said)
        except NotADate as exc:
            self.query_one("#snooze-error", Static).update(Content(str(exc)))
            return
        self.dismiss(int(moment.timestamp()))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
