"""What a pane offers to export: kept apart from the export screen so a pane can name it without importing the
screen's widgets (imported when the export is first asked for)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class ExportSource:
    what: str  # "tickets", "search results": names the default file and the messages
    rows: Callable[[], AsyncIterator[dict[str, Any]]]
    total: int | None = None  # when known, the progress bar shows a fraction
