"""The base of every service pane: what the app hands a pane, and how a pane reports back."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import events, on, work
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.contract import ServiceClient
from tui.drafts import DraftStore
from tui.http import AuthError, ExchangeLog, ServiceError, UnavailableError
from tui.widgets.export_source import ExportSource
from tui.widgets.read_only import READ_ONLY_SENTENCE, GuardsWrites, writes_forbidden

ClientT = TypeVar("ClientT", bound=ServiceClient)


@dataclass
class PaneContext:
    """What the app shares with every pane."""

    profile_name: str
    drafts: DraftStore
    exchange_log: ExchangeLog

    def draft_key(self, kind: str, *parts: object) -> str:
        """Drafts are per profile, so the same ticket id on two servers never shares a draft."""
        return "/".join([kind, self.profile_name, *map(str, parts)])


class ConnectionChanged(Message):
    """A pane says how its connection is doing: state is "connecting", "ok", "error" or "reconnecting"."""

    def __init__(self, kind: str, state: str, detail: str = ""):
        super().__init__()
        self.kind = kind
        self.state = state
        self.detail = detail


class ServicePane(GuardsWrites, Vertical, Generic[ClientT]):
    """Subclass per service, naming its client type (`ServicePane[NuxeoClient]`). `kind` must match the registry.

    The app calls `reload()` on ctrl+r and `on_first_show`
    the first time the pane becomes visible (load lazily: a pane nobody looks at costs nothing)."""

    kind: str = ""
    DEFAULT_CLASSES = "service-pane"
    # When the server cannot be reached, sign in again after these many seconds (then every last one) until it
    # answers; then the pane reloads. A pane whose client reconnects by itself (OpenIAP) turns this off.
    RECOVERY_DELAYS: ClassVar[tuple[float, ...]] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
    recovers_by_probing: ClassVar[bool] = True
    # (title, action) pairs the command palette offers for this pane, even before the pane is built
    COMMANDS: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, client: ClientT, context: PaneContext, **kwargs: Any):
        super().__init__(**kwargs)
        self.client = client
        self.context = context
        self._shown = False
        self._unreachable = False
        self._recovery_attempt = 0
        self._stop_listening: Callable[[], None] | None = None
        # The answers to the service's `first_screen` requests when the app sent them before building the pane (the
        # registry, `tui.services`); None when it did not, and the pane sends them itself.
        self.first_answers: asyncio.Future[Any] | None = None

    # -- recovery -----------------------------------------------------------------------------------------------------

    @on(events.Mount)
    def _listen_to_client(self) -> None:
        if self.recovers_by_probing:
            self._stop_listening = self.client.on_state(self._client_state)

    @on(events.Unmount)
    def _stop_listening_to_client(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    def _client_state(self, state: str, detail: str) -> None:
        if state == "error":
            self._server_unreachable(detail)
        elif state == "ok" and self._unreachable:
            self._unreachable = False
            self.set_state("ok")
            self.reload()  # what the pane shows may be stale, or missing after the failure

    def _server_unreachable(self, detail: str) -> None:
        """Probe the server until it answers, then reload. Heard from the client, or from a report of an error the
        client did not see itself (the first answers fetched by a helper process, `tui.first_answers`)."""
        if self.recovers_by_probing and not self._unreachable:
            self._unreachable = True
            self._recovery_attempt = 0
            self.set_state("error", detail)
            self._schedule_probe()

    def _schedule_probe(self) -> None:
        delays = self.RECOVERY_DELAYS
        self.set_timer(delays[min(self._recovery_attempt, len(delays) - 1)], self._probe)
        self._recovery_attempt += 1

    @work(exclusive=True, group="recovery")
    async def _probe(self) -> None:
        if not self._unreachable or not self.is_attached:
            return
        try:
            await self.client.check()  # success makes the client say "ok", which reloads the pane
        except ServiceError:
            pass
        if self._unreachable:
            self._schedule_probe()

    def export_source(self) -> ExportSource | None:  # override: what the pane shows, as rows to export
        return None

    def refuse_when_read_only(self, action: str) -> bool:
        """True (after saying so, in one sentence) when `action` writes and the app is read-only: for actions
        started another way than by their key (the command palette)."""
        # the palette names an action with its arguments (`set_status('closed')`); WRITE_ACTIONS holds names
        if action.partition("(")[0] in self.WRITE_ACTIONS and writes_forbidden(self.app):
            self.notify(READ_ONLY_SENTENCE, severity="warning")
            return True
        return False

    def first_show(self) -> None:
        if not self._shown:
            self._shown = True
            self.on_first_show()

    def focus_default(self) -> None:
        """Put the focus where the pane's keys work: keep it if it is already inside the pane, else the first
        focusable widget that is not a text field (a focused text field would swallow the single-key bindings)."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            return
        focusable = [w for w in self.query("*") if w.focusable]
        target = next((w for w in focusable if not is_text_field(w)), None) or next(iter(focusable), None)
        if target is not None:
            target.focus(scroll_visible=False)

    def on_first_show(self) -> None:  # override
        pass

    def reload(self) -> None:  # override
        pass

    def set_state(self, state: str, detail: str = "") -> None:
        self.post_message(ConnectionChanged(self.kind, state, detail))

    def report(self, error: BaseException, doing: str = "") -> None:
        """Show a failure as one readable notification; unexpected exceptions still never show a traceback."""
        if isinstance(error, ServiceError):
            text = error.readable
            if doing:
                text = f"Could not {doing}: {text}"
            if isinstance(error, (UnavailableError, AuthError)):
                self.set_state("error", error.message)
            if isinstance(error, UnavailableError):  # the hint is the client's, for any caller: the app adds its key
                text += " (ctrl+r reloads)"
                self._server_unreachable(error.message)
        else:
            text = (
                f"Could not {doing or 'finish that'}: something unexpected went wrong. Try again, or reload (ctrl+r)."
            )
            self.log.error("unexpected failure", repr(error))
        self.notify(text, severity="error", timeout=8, markup=False)  # server text may hold brackets


def is_text_field(widget: object) -> bool:
    """An `Input` or a `TextArea` (whose module, slow to import, is only looked at once something imported it)."""
    text_area = sys.modules.get("textual.widgets._text_area")
    return isinstance(widget, Input) or (text_area is not None and isinstance(widget, text_area.TextArea))
