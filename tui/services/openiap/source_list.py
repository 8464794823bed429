"""The pane's side list: what is followed, by kind, with a live mark and a message count, and the collections
browser entry."""

from __future__ import annotations

import contextlib

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
                    self.replace_option_prompt(source.key, prompt)

    def highlighted_key(self) -> str:
        option = self.highlighted_option
        return str(option.id) if option is not None else ""

    def highlight_key(self, key: str) -> None:
        with contextlib.suppress(Exception):
            self.highlighted = self.get_option_index(key)
