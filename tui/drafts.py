"""Drafts: unsaved edits, replies and posts kept on disk until they are saved, sent or discarded.

Every pane that lets a person type something worth keeping writes it here on every change, so a failed save, a
failed send or a killed process loses nothing. One JSON file per draft, written atomically (without a disk flush, so
writing on every key press stays cheap), readable by the owner only.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.profiles import state_dir, write_private


@dataclass
class Draft:
    key: str
    data: dict[str, Any]
    saved_at: float


class DraftStore:
    def __init__(self, root: Path | None = None):
        self.root = root or state_dir() / "drafts"

    def _path(self, key: str) -> Path:
        digest = hashlib.sha1(key.encode()).hexdigest()[:20]
        return self.root / f"{digest}.json"

    def save(self, key: str, data: dict[str, Any]) -> None:
        record = json.dumps({"key": key, "saved_at": time.time(), "data": data}, ensure_ascii=False)
        write_private(self._path(key), record, durable=False)

    def load(self, key: str) -> Draft | None:
        path = self._path(key)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if raw.get("key") != key:
            return None
        return Draft(key=key, data=raw.get("data", {}), saved_at=float(raw.get("saved_at", 0)))

    def discard(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def all(self, prefix: str = "") -> list[Draft]:
        drafts: list[Draft] = []
        if not self.root.exists():
            return drafts
        for path in sorted(self.root.glob("*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if str(raw.get("key", "")).startswith(prefix):
                drafts.append(Draft(key=raw["key"], data=raw.get("data", {}), saved_at=float(raw.get("saved_at", 0))))
        return drafts
