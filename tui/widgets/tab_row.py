"""The row of tabs under the connection bar: one widget draws every tab and the line under them.

Textual's `TabbedContent` builds ten widgets for five tabs (a scrolling container, a widget per tab, an animated
underline); measured, they cost a twentieth of the app's start-up. The app switches tabs with its digit keys and by
mouse, which one widget serves as well. What each tab holds is the app's `ContentSwitcher`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

TAB_PADDING = 1  # blank cells either side of a tab's label


class TabRow(Widget):
    """Tabs given as (id, label) pairs; `active` is the id of the one shown. A click on a tab posts `Chosen`."""

    DEFAULT_CSS = """
    TabRow { height: 2; width: 1fr; }
    TabRow > .tab-row--tab { color: $foreground 50%; }
    TabRow > .tab-row--active { color: $foreground; text-style: bold; }
    TabRow > .tab-row--hover { color: $foreground; }
    TabRow > .tab-row--track { color: $foreground 10%; }
    TabRow > .tab-row--bar { color: $block-cursor-background; }
    TabRow:ansi > .tab-row--tab { text-style: dim; }
    TabRow:ansi > .tab-row--active { text-style: not dim bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tab-row--tab",
        "tab-row--active",
        "tab-row--hover",
        "tab-row--track",
        "tab-row--bar",
    }

    active: reactive[str] = reactive("")
    hovered: reactive[str] = reactive("")

    class Chosen(Message):
        """A tab was clicked."""

        def __init__(self, tab: str):
            super().__init__()
            self.tab = tab

    def __init__(self, tabs: list[tuple[str, str]], *, active: str = ""):
        super().__init__()
        self.tabs = tabs
        self.set_reactive(TabRow.active, active or (tabs[0][0] if tabs else ""))

    def spans(self) -> list[tuple[str, int, int]]:
        """Each tab's id and the columns it covers, [start, end)."""
        spans = []
        x = 0
        for tab, label in self.tabs:
            width = len(label) + 2 * TAB_PADDING
            spans.append((tab, x, x + width))
            x += width
        return spans

    def tab_at(self, x: int) -> str | None:
        return next((tab for tab, start, end in self.spans() if start <= x < end), None)

    def render(self) -> Text:
        labels = Text(no_wrap=True, overflow="crop")
        pad = " " * TAB_PADDING
        for tab, label in self.tabs:
            if tab == self.active:
                style = self.get_component_rich_style("tab-row--active")
            elif tab == self.hovered:
                style = self.get_component_rich_style("tab-row--hover")
            else:
                style = self.get_component_rich_style("tab-row--tab")
            labels.append(f"{pad}{label}{pad}", style=style)
        return Text("\n").join([labels, self.underline()])

    def underline(self) -> Text:
        """The line under the tabs: a bar under the active one, the track elsewhere ending in half-cells at the bar."""
        width = max(self.size.width, sum(end - start for _, start, end in self.spans()))
        start, end = next(((s, e) for tab, s, e in self.spans() if tab == self.active), (0, 0))
        track = self.get_component_rich_style("tab-row--track")
        line = Text(no_wrap=True, overflow="crop")
        if start:
            line.append("━" * (start - 1) + "╸", style=track)
        line.append("━" * (end - start), style=self.get_component_rich_style("tab-row--bar"))
        if width > end:
            line.append("╺" + "━" * (width - end - 1), style=track)
        return line

    def on_click(self, event: events.Click) -> None:
        tab = self.tab_at(event.x)
        if tab is not None:
            event.stop()
            self.post_message(self.Chosen(tab))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self.tab_at(event.x) or ""

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = ""
