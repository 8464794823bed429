"""The pane's side list: what is followed, by kind, with a live mark and a message count, and the collections
browser entry."""

from __future__ import annotations

import contextlib
from typing import cast

from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.services.openiap.sources import SOURCE_KINDS, SOURCE_TITLES, Source

BROWSE_KEY = "browse:collections"
STATUS_MARKS = {"live": "●", "starting": "◌", "error": "✕", "ended": "○"}


def source_prompt(source: Source, count: int | None = None) -> str:
    mark = STATUS_MARKS.get(source.status, " ")
    if source.kind == "wiq":
        return f" {mark} {source.name}"
    return f" {mark} {source.name}  [dim]{source.count if count is None else count:,}[/dim]"


class SourceList(OptionList):
    """Option ids are source keys (`queue:orders`), `title:<kind>` headings, and `browse:collections`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._prompts: dict[str, str] = {}
        self._shown: dict[str, tuple[str, int]] = {}  # source key -> (status, count) as drawn

    def rebuild(self, sources: list[Source]) -> None:
        keep = self.highlighted_key()
        items: list[Option | None] = []
        for kind in SOURCE_KINDS:
            items.append(Option(f"[b]{SOURCE_TITLES[kind]}[/b]", id=f"title:{kind}", disabled=True))
            for source in (s for s in sources if s.kind == kind):
                items.append(Option(source_prompt(source), id=source.key))
        items.append(Option("[b]Browse[/b]", id="title:browse", disabled=True))
        items.append(Option("   collections (b)", id=BROWSE_KEY))
        self.set_options(items)
        self._prompts = {s.key: source_prompt(s) for s in sources}
        self._shown = {s.key: (s.status, s.count) for s in sources}
        if keep:
            self.highlight_key(keep)

    def update_counts(self, sources: list[Source], *, counts: bool = True) -> None:
        """Redraw the entries whose mark changed, and with `counts` those whose count changed. Every redraw costs
        a screen update: the pane asks for counts when a tail was drawn anyway (one update for both), and only
        for marks on its own timer."""
        for source in sources:
            status, count = self._shown.get(source.key, ("", -1))
            if source.status == status and (source.count == count or not counts):
                continue
            shown_count = source.count if counts else count
            prompt = source_prompt(source, max(shown_count, 0))
            self._shown[source.key] = (source.status, shown_count)
            if self._prompts.get(source.key) != prompt:
                self._prompts[source.key] = prompt
                with contextlib.suppress(Exception):
                    self._redraw_entry(source.key, prompt)

    def _redraw_entry(self, key: str, prompt: str) -> None:
        """A new prompt for one entry, redrawing that entry's line only. OptionList's own `replace_option_prompt`
        forgets every entry's rendering and redraws the whole list: with counts moving while a tail is drawn, that
        was most of the cost of each screen update. An entry whose height changes goes the long way."""
        index = self.get_option_index(key)
        option = self.get_option_at_index(index)
        line = self._index_to_line.get(index)
        height = self._heights.get(index)
        option._set_prompt(prompt)
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width() - padding.width
        if (
            line is None
            or height != self._get_visual(option).get_height(cast(RulesMap, self.styles), width) + option._divider
        ):
            self.replace_option_prompt(key, prompt)
            return
        cache = self._option_render_cache
        for cached in [k for k in cache.keys() if k[0] is option]:
            cache.discard(cached)
        self.refresh(Region(0, line - self.scroll_offset.y, self.size.width, height))

    def highlighted_key(self) -> str:
        option = self.highlighted_option
        return str(option.id) if option is not None else ""

    def highlight_key(self, key: str) -> None:
        with contextlib.suppress(Exception):
            self.highlighted = self.get_option_index(key)
