"""The contexts I follow: a list of my subscriptions (marked ✓) and the other contexts the server lists, where enter
shows a context's stream, space follows or stops following one, and `a` follows one by its address.

A server that does not let everyone list every context (MAX keeps that for managers) still shows my subscriptions,
and says why the others are missing. The screen dismisses with what the pane needs to know: a stream to show, and
whether my subscriptions changed (then my timeline did too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.http import ServiceError
from tui.services.max.client import MaxClient
from tui.services.max.dialogs import subscribe_form
from tui.services.max.models import Context, StreamView
from tui.widgets.key_footer import KeyFooter
from tui.widgets.read_only import GuardsWrites


@dataclass(frozen=True)
class ContextsOutcome:
    view: StreamView | None = None  # the stream to show, if one was chosen
    changed: bool = False  # my subscriptions changed


def context_row(context: Context, followed: bool) -> Text:
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append("✓ " if followed else "  ", Style(color="green", bold=True))
    row.append(context.name, Style(bold=followed))
    if context.url != context.name:
        row.append(f"  {context.url}", Style(dim=True))
    return row


class ContextsScreen(GuardsWrites, Screen[ContextsOutcome]):
    DEFAULT_CSS = """
    ContextsScreen { layout: vertical; }
    ContextsScreen #contexts-title { background: $primary-background; padding: 0 1; height: 1; text-style: bold; }
    ContextsScreen #contexts-note { color: $text-muted; padding: 0 1; height: auto; }
    ContextsScreen OptionList, ContextsScreen OptionList:focus { height: 1fr; border: none; }
    """
    WRITE_ACTIONS = frozenset({"follow_or_stop", "add"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="max.contexts-back"),
        Binding(
            "space,s", "follow_or_stop", "Follow/stop", id="max.contexts-toggle", tooltip="Follow or stop following"
        ),
        Binding("a", "add", "Follow by address", id="max.contexts-add"),
        Binding("r", "reload", "Refresh", id="max.contexts-refresh"),
    ]

    def __init__(self, client: MaxClient):
        super().__init__()
        self.client = client
        self.contexts: list[Context] = []
        self.followed: set[str] = set()  # hashes
        self.loaded = False
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Static("Contexts I follow", id="contexts-title")
        yield Static("Loading…", id="contexts-note")
        yield OptionList(id="contexts-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    @property
    def current(self) -> Context | None:
        index = self.query_one(OptionList).highlighted
        return self.contexts[index] if index is not None and 0 <= index < len(self.contexts) else None

    def _note(self, text: str) -> None:
        self.query_one("#contexts-note", Static).update(Text(text))

    def show(self, keep: str = "") -> None:
        """List the contexts, followed ones first; keep the highlight on `keep` (a hash) if given."""
        self.contexts.sort(key=lambda c: (c.hash not in self.followed, c.name.lower()))
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(context_row(c, c.hash in self.followed), id=c.hash) for c in self.contexts])
        if self.contexts:
            hashes = [c.hash for c in self.contexts]
            options.highlighted = hashes.index(keep) if keep in hashes else 0

    @work(exclusive=True, group="max-contexts-load")
    async def reload(self) -> None:
        try:
            mine = await self.client.subscriptions()
        except ServiceError as exc:
            self._note(f"Could not list your contexts: {exc.readable}")
            return
        note = "enter shows a context's stream · space follows or stops following · a follows one by its address"
        try:
            every = await self.client.contexts_list()
        except ServiceError:
            every = []  # MAX lists every context to managers only: mine are still worth showing
            note = "Only the contexts you follow (this server lists no others to you) · a follows one by its address"
        self.followed = {c.hash for c in mine}
        known = {c.hash: c for c in every}
        known.update({c.hash: c for c in mine})
        self.contexts = list(known.values())
        keep = self.current.hash if self.current else ""
        self.show(keep)
        self.loaded = True
        self._note(note if self.contexts else "No contexts here yet. Press a to follow one by its address.")

    def action_reload(self) -> None:
        self.reload()

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((c for c in self.contexts if c.hash == event.option.id), None)
        if chosen is not None:
            self.dismiss(ContextsOutcome(StreamView("context", chosen.hash, chosen.name), self.changed))

    def action_close(self) -> None:
        self.dismiss(ContextsOutcome(None, self.changed))

    def action_follow_or_stop(self) -> None:
        if self.current is not None:
            self.follow_or_stop(self.current)

    @work(group="max-contexts-follow")
    async def follow_or_stop(self, context: Context) -> None:
        following = context.hash in self.followed
        try:
            if following:
                await self.client.unsubscribe(context.hash)
            else:
                await self.client.subscribe(context.url)
        except ServiceError as exc:
            what = "stop following" if following else "follow"
            self.notify(f"Could not {what} {context.name}: {exc.readable}", severity="error", markup=False)
            return
        self.changed = True
        if following:
            self.followed.discard(context.hash)
        else:
            self.followed.add(context.hash)
        self.show(keep=context.hash)
        self.notify(f"No longer following {context.name}." if following else f"Following {context.name}.", markup=False)

    def action_add(self) -> None:
        def chosen(values: dict[str, Any] | None) -> None:
            url = str((values or {}).get("url") or "").strip()
            if url:
                self.follow_address(url)

        self.app.push_screen(subscribe_form(), chosen)

    @work(group="max-contexts-follow")
    async def follow_address(self, url: str) -> None:
        try:
            context = await self.client.subscribe(url)
        except ServiceError as exc:
            self.notify(f"Could not follow {url}: {exc.readable}", severity="error", markup=False)
            return
        self.changed = True
        self.followed.add(context.hash)
        if context.hash not in {c.hash for c in self.contexts}:
            self.contexts.append(context)
        self.show(keep=context.hash)
        self.notify(f"Following {context.name}.", markup=False)
