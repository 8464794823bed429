"""The Textual app: one tab per service pane plus the exchange log, a connection bar, the command palette."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Iterable
from functools import partial
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Static
from textual.worker import WorkerFailed

from tui import __version__
from tui.contract import ServiceClient
from tui.drafts import DraftStore
from tui.first_answers import FirstAnswers
from tui.http import ExchangeLog, warm_up_tls
from tui.palette import ServiceDeckCommands
from tui.profiles import Profile, ProfileError, ProfileStore
from tui.services import SERVICES, ServiceKind
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.key_footer import KeyFooter
from tui.widgets.pane import ConnectionChanged, PaneContext, ServicePane
from tui.widgets.tab_row import TabRow

EXCHANGES_TAB = "tab-exchanges"
STARTUP_SECONDS = 3.0  # the garbage collector, paused for start-up, runs again after this at the latest
NO_PROFILE = "(none)"
FIRST_RUN_INTRO = (
    "No profile yet. Fill in the services you use and save; or press Escape, quit (ctrl+q) and run "
    "`servicedeck demo` to try everything on the embedded sandbox."
)


def tab_id(kind: str) -> str:
    return f"tab-{kind}"


class Placeholder(Vertical):
    """What a tab shows when its pane cannot run: no connection in the profile, or the client could not be built."""

    DEFAULT_CSS = """
    Placeholder { align: center middle; }
    Placeholder > Static { width: auto; max-width: 90; text-align: center; margin-bottom: 1; }
    Placeholder > Button { margin-top: 1; }
    """

    def __init__(self, message: str, *, kind: str, offer_add: bool):
        super().__init__(classes="placeholder")
        self.message = message
        self.kind = kind
        self.offer_add = offer_add

    def compose(self) -> ComposeResult:
        yield Static(self.message)
        if self.offer_add:
            yield Button("Add a connection (ctrl+e)", id=f"add-{self.kind}", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        app = self.app
        if isinstance(app, ServiceDeckApp):
            app.action_edit_profile(self.kind)


class PendingPane(Vertical):
    """Holds a pane's place in its tab until the tab is first shown; start-up builds only the pane on screen.
    `service` is None in the Exchanges tab (the exchange log, which records from the start, is shown when asked)."""

    def __init__(self, service: ServiceKind | None):
        super().__init__()
        self.service = service


class ServiceDeckApp(App[None]):
    """Built on one profile; `switch_profile` rebuilds the panes on another one."""

    TITLE = "servicedeck"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ServiceDeckCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(s.key, f"show_pane('{s.kind}')", s.title, show=False, id=f"app.show-{s.kind}")
            for s in SERVICES.values()
        ),
        Binding("5", "show_pane('exchanges')", "Exchanges", show=False, id="app.show-exchanges"),
        Binding("ctrl+r", "reload", "Reload", id="app.reload"),
        Binding("ctrl+e", "edit_profile", "Profile", id="app.edit-profile"),
        Binding("ctrl+x", "export", "Export", id="app.export", show=False),
        Binding("question_mark", "toggle_help", "Keys", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        profile: Profile | None,
        *,
        store: ProfileStore | None = None,
        drafts: DraftStore | None = None,
        exchange_log: ExchangeLog | None = None,
        initial_pane: str | None = None,
        notice: str = "",
        read_only: bool = False,
        first_answers: FirstAnswers | None = None,
    ):
        super().__init__()
        self.store = store or ProfileStore()
        self.profile = profile or Profile(name=NO_PROFILE)
        # an https connection's CA certificates load in a thread meanwhile; http:// alone needs none
        warm_up_tls(connection.url for connection in self.profile.connections.values())
        self.drafts = drafts or DraftStore()
        self.exchange_log = exchange_log if exchange_log is not None else ExchangeLog()
        self.initial_pane = initial_pane
        self.notice = notice
        self._read_only_asked = read_only  # --read-only, or the palette: stays on whatever profile is shown
        self.clients: dict[str, ServiceClient] = {}
        self.sub_title = self.profile.name
        # Tests set this so that a bug in a background task fails the test instead of becoming a notification.
        self.strict_workers = False
        self._gc_paused_for_startup = not gc.isenabled()  # by the command line, until the first data is on screen
        # The first pane's first requests, started before Textual builds the screen (see `_start_first_requests`), by
        # the helper process the command line started (`first_answers`) or from here.
        self._first_answers: dict[str, asyncio.Future[Any]] | None = None
        self._helper = first_answers or FirstAnswers()

    @property
    def read_only(self) -> bool:
        """Look, never change: asked for on the command line or the palette, or set in the profile."""
        return self._read_only_asked or self.profile.read_only

    def action_export(self) -> None:
        """What the current pane shows, to a JSON lines or CSV file."""
        pane = self.current_pane()
        source = pane.export_source() if pane is not None else None
        if source is None:
            self.notify("Nothing to export here: the Tickets, Documents search, Activity and Queues tail can be.")
            return
        from tui.widgets.export import ExportScreen  # the form's widgets are imported when first asked for

        self.push_screen(ExportScreen(source))

    def action_read_only(self) -> None:
        """Turn read-only on (it cannot be turned off while the app runs: a switch that only makes things safer)."""
        if self.read_only:
            return
        self._read_only_asked = True
        for client in self.clients.values():
            client.forbid_writes()
        for bar in self.query(ConnectionBar):
            bar.read_only = True
            bar.refresh()
        self.screen.refresh_bindings()
        self.notify("Read-only: nothing will be changed on the servers until servicedeck restarts.")

    # -- layout --------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConnectionBar(
            self.profile.name,
            [(s.kind, s.title) for s in SERVICES.values()],
            version=__version__,
            read_only=self.read_only,
        )
        initial_kind = self._initial_kind()
        tabs = [(tab_id(s.kind), f"{s.key} {s.title}") for s in SERVICES.values()]
        yield TabRow([*tabs, (EXCHANGES_TAB, "5 Exchanges")], active=tab_id(initial_kind))
        with ContentSwitcher(initial=tab_id(initial_kind), id="tab-contents"):
            for service in SERVICES.values():
                with Vertical(id=tab_id(service.kind), classes="tab-content"):
                    # Only the pane on screen is built at start-up; the others wait in their tab until first shown.
                    yield self._pane_for(service) if service.kind == initial_kind else PendingPane(service)
            with Vertical(id=EXCHANGES_TAB, classes="tab-content"):
                yield PendingPane(None)
        yield KeyFooter()

    def _initial_kind(self) -> str:
        return self.initial_pane or next(iter(SERVICES))

    def _client_for(self, service: ServiceKind) -> ServiceClient | None:
        """`service`'s client, made once; None without a connection. Raises when it cannot be made (a bad URL)."""
        if (client := self.clients.get(service.kind)) is not None:
            return client
        connection = self.profile.connection(service.kind)
        if connection is None:
            return None
        client = service.client_class().from_connection(
            connection, connection.resolve_secret(self.profile.name), exchange_log=self.exchange_log
        )
        self.clients[service.kind] = client
        if self.read_only:
            client.forbid_writes()
        return client

    def _start_first_requests(self) -> None:
        """Send the first pane's first requests now, before Textual reads the styles and builds the screen: the answers
        come back meanwhile, and the pane shows them in the first frame rather than in a second one."""
        if self._first_answers is not None:
            return
        self._first_answers = {}
        service = SERVICES.get(self._initial_kind())
        fetch = service.first_screen() if service is not None else None
        try:
            client = self._client_for(service) if service is not None else None
        except Exception:  # the pane says why when it is built
            client = None
        if service is None or client is None or fetch is None:
            return
        helped = self._helper.kind == service.kind
        answers: Awaitable[Any] = self._helper.answers(client, self.exchange_log, fetch) if helped else fetch(client)
        self._first_answers[service.kind] = asyncio.ensure_future(answers)

    async def launch(self) -> None:
        """`run()` for the command line: the first requests go out before Textual reads the styles."""
        self._start_first_requests()
        for _ in range(20):  # the event loop's turns they need to connect and be written
            await asyncio.sleep(0)
        await self.run_async()

    def on_load(self) -> None:
        self._start_first_requests()  # when started another way (`run_test`)

    def _pane_for(self, service: ServiceKind) -> Placeholder | ServicePane[Any]:
        try:
            client = self._client_for(service)
        except Exception as exc:  # a bad URL or missing secret must not take the whole app down
            return Placeholder(
                f"Cannot set up the {service.product} connection: {exc}", kind=service.kind, offer_add=True
            )
        if client is None:
            message = f"Profile {self.profile.name!r} has no {service.product} connection."
            return Placeholder(message, kind=service.kind, offer_add=not self.profile.builtin)
        context = PaneContext(profile_name=self.profile.name, drafts=self.drafts, exchange_log=self.exchange_log)
        pane = service.pane_class()(client, context, id=f"pane-{service.kind}")
        pane.first_answers = (self._first_answers or {}).pop(service.kind, None)
        return pane

    async def build_pane(self, kind: str) -> ServicePane[Any] | None:
        """The pane of `kind` (or the exchange log for "exchanges"), built and mounted now if it was still waiting in
        its tab."""
        tab = self.query_one(f"#{EXCHANGES_TAB if kind == 'exchanges' else tab_id(kind)}")
        for pending in tab.query(PendingPane):
            widget = self._pane_for(pending.service) if pending.service is not None else self._exchanges_view()
            await pending.remove()
            await tab.mount(widget)
        return next(iter(tab.query(ServicePane)), None)

    def _exchanges_view(self) -> Widget:
        from tui.widgets.exchange_log import ExchangeLogView  # imported when the tab is first shown

        return ExchangeLogView(self.exchange_log)

    def on_mount(self) -> None:
        try:
            self.set_keymap(self.store.keymap())
        except ProfileError as exc:
            self.notify(str(exc), severity="error")
        if self.profile.secrets_in_file:
            self.notify(
                "This profile keeps passwords in its file (readable by you only). Prefer password_env or the keyring.",
                severity="warning",
                timeout=6,
            )
        if self.notice:
            self.notify(self.notice, timeout=10)
        if not self.profile.connections and not self.profile.builtin and self.profile.name == NO_PROFILE:
            self.action_edit_profile(intro=FIRST_RUN_INTRO)
        self._show_current()
        if self._gc_paused_for_startup:
            self.set_timer(STARTUP_SECONDS, self._end_startup)

    def _end_startup(self) -> None:
        if self._gc_paused_for_startup:
            self._gc_paused_for_startup = False
            gc.freeze()  # what start-up made lives as long as the app: later full collections skip it (shorter pauses)
            gc.enable()

    @property
    def active_tab(self) -> str:
        """The id of the tab on show ("tab-nuxeo", "tab-exchanges")."""
        return self.query_one("#tab-contents", ContentSwitcher).current or ""

    def show_tab(self, tab: str) -> None:
        """Show the tab `tab` now; its pane is built (if it was waiting) and shown right after."""
        if tab == self.active_tab:
            return
        self.query_one("#tab-contents", ContentSwitcher).current = tab
        self.query_one(TabRow).active = tab
        self.call_next(self._tab_shown, tab)

    @on(TabRow.Chosen)
    def _tab_chosen(self, event: TabRow.Chosen) -> None:
        self.show_tab(event.tab)

    async def _tab_shown(self, tab: str) -> None:
        if tab == self.active_tab:  # not already left for another one
            await self.build_pane(tab.removeprefix("tab-"))
            self._show_current()

    def _show_current(self) -> None:
        pane = self.current_pane()
        if pane is not None:
            pane.first_show()
            pane.focus_default()
        elif self.active_tab == EXCHANGES_TAB:
            from tui.widgets.exchange_log import ExchangeLogView

            for view in self.query(ExchangeLogView):
                view.focus_table()

    # -- panes ---------------------------------------------------------------------------------------------------------

    def current_pane(self) -> ServicePane[Any] | None:
        tab = self.active_tab
        if not tab or tab == EXCHANGES_TAB:
            return None
        return next(iter(self.query_one(f"#{tab}").query(ServicePane)), None)

    def show_pane(self, kind: str) -> None:
        self.show_tab(EXCHANGES_TAB if kind == "exchanges" else tab_id(kind))

    def action_show_pane(self, kind: str) -> None:
        self.show_pane(kind)

    def action_reload(self) -> None:
        pane = self.current_pane()
        if pane is not None:
            pane.reload()

    def run_pane_action(self, pane: ServicePane[Any], action: str) -> None:
        self.show_pane(pane.kind)
        self.call_later(pane.run_action, action)

    async def open_pane_action(self, kind: str, action: str) -> None:
        """A palette command of a pane that may not be built yet: build it, show it, then run the action."""
        pane = await self.build_pane(kind)
        if pane is not None and not pane.refuse_when_read_only(action):
            self.run_pane_action(pane, action)

    def action_toggle_help(self) -> None:
        """Every key of where the focus is and of the app, searchable (`?` again or esc closes it)."""
        from tui.widgets.keys_screen import KeysScreen, key_rows  # imported when first asked for

        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(KeysScreen(key_rows(self.screen, self._place_of)))

    def _place_of(self, node: object) -> str:
        """Where a binding lives, as the keys list names it: the app, a pane (or a widget inside one), a dialog."""
        if isinstance(node, (App, Screen)):  # the app's keys and the screen's own (focus next, copy)
            return "everywhere"
        if isinstance(node, ServicePane):
            return SERVICES[node.kind].title
        if isinstance(node, Widget):
            from tui.widgets.exchange_log import ExchangeLogView

            pane = next((a for a in node.ancestors if isinstance(a, ServicePane)), None)
            if pane is not None:
                return SERVICES[pane.kind].title
            if isinstance(node, ExchangeLogView) or any(isinstance(a, ExchangeLogView) for a in node.ancestors):
                return "Exchanges"
        return type(node).__name__

    @on(ConnectionChanged)
    def _connection_changed(self, event: ConnectionChanged) -> None:
        for bar in self.query(ConnectionBar):  # none while the app is shutting down
            bar.set_state(event.kind, event.state, event.detail)
        if event.state in ("ok", "error"):  # the first pane has its answer: start-up is over once it is drawn
            self.call_after_refresh(self._end_startup)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Show exchanges", "Every request and response, secrets redacted", partial(self.show_pane, "exchanges")
        )

    # -- profiles ------------------------------------------------------------------------------------------------------

    def profile_names(self) -> list[str]:
        try:
            return self.store.names()
        except ProfileError:
            return []

    def action_edit_profile(self, kind: str | None = None, intro: str = "") -> None:
        from tui.profile_editor import ProfileEditor

        if self.profile.builtin:
            self.notify("The built-in sandbox profile is not editable; create your own with ctrl+e from `servicedeck`.")
            return
        name = None if self.profile.name == NO_PROFILE else self.profile.name

        def saved(profile: Profile | None) -> None:
            if profile is not None:
                self.switch_profile(profile.name, profile)

        self.push_screen(ProfileEditor(self.store, name, focus_kind=kind, intro=intro), saved)

    @work(exclusive=True, group="profile")
    async def switch_profile(self, name: str, profile: Profile | None = None) -> None:
        try:
            new_profile = profile or self.store.get(name)
        except ProfileError as exc:
            self.notify(str(exc), severity="error")
            return
        await self.close_clients()
        self.profile = new_profile
        self.sub_title = new_profile.name
        await self.recompose()
        self._show_current()
        self.notify(f"Profile {new_profile.name!r}.")

    async def close_clients(self) -> None:
        self._helper.close()
        first_answers, self._first_answers = self._first_answers or {}, {}
        for answers in first_answers.values():  # never handed to a pane
            if answers.done() and not answers.cancelled():
                answers.exception()  # looked at, so that asyncio does not report it on the way out
            answers.cancel()
        clients, self.clients = self.clients, {}
        for client in clients.values():
            try:
                await client.aclose()
            except Exception:  # closing a broken connection must not stop the others from closing
                pass

    def _handle_exception(self, error: Exception) -> None:
        """A background task that failed unexpectedly is reported in one sentence; the app and what was typed stay."""
        if isinstance(error, WorkerFailed) and not self.strict_workers:
            cause = error.error
            self.log.error("background task failed", repr(cause))
            self.notify(
                "Something unexpected went wrong in the background. What you typed is kept; "
                "try again, or reload with ctrl+r.",
                severity="error",
                timeout=10,
            )
            return
        super()._handle_exception(error)

    async def on_unmount(self) -> None:
        await self.close_clients()

    async def action_quit(self) -> None:
        await self.close_clients()
        self.exit()
