"""Snapshot fixtures: every test opens the real app on a fresh sandbox in a frozen world (see scenes.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.snapshots.scenes import SIZE, SnapshotDeckApp, frozen_world

Scene = Callable[[Pilot[object]], Awaitable[None]]


@pytest.fixture
def shoot(tmp_path: Path, snap_compare) -> Iterator[Callable[[str, Scene], bool]]:
    """`shoot(pane, scene)`: open the app on `pane`, let `scene` drive it, compare the screen with the snapshot."""
    with frozen_world(tmp_path) as box:

        def compare(pane: str, scene: Scene) -> bool:
            app = SnapshotDeckApp(box, pane, tmp_path / "drafts")
            return bool(snap_compare(app, run_before=scene, terminal_size=SIZE))

        yield compare
