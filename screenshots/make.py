"""Regenerate every screenshot: `.venv/bin/python screenshots/make.py [name-prefix ...]`.

Starts the sandbox, opens the real app on the built-in sandbox profile, lets each service's scenes
(`screenshots/scenes/<kind>.py`: `SCENES = [(name, async drive(pilot))]`, or `(name, drive, (columns, lines))` for a
scene shot at a terminal size of its own) drive it, and saves `screenshots/<name>.svg`.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# Screenshots never touch the real profile, drafts or data of whoever runs this.
_home = tempfile.mkdtemp(prefix="servicedeck-shots-")
for _var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
    os.environ[_var] = os.path.join(_home, _var.lower())

from tui.app import ServiceDeckApp  # noqa: E402
from tui.drafts import DraftStore  # noqa: E402
from tui.sandbox import Sandbox  # noqa: E402
from tui.services import SERVICES  # noqa: E402

SIZE = (140, 42)  # a scene that names no size of its own

Size = tuple[int, int]


async def exchanges_scene(pilot) -> None:
    """The exchange log after the Documents pane loaded: secrets show as •••."""
    from tests.conftest import wait_for
    from tui.widgets.exchange_log import ExchangeLogView

    app = pilot.app
    await wait_for(pilot, lambda: len(app.exchange_log) >= 2, timeout=20)
    await pilot.press("5")
    view = app.query_one(ExchangeLogView)
    await wait_for(pilot, lambda: view.selected() is not None, timeout=10)
    await pilot.press("down")
    await pilot.pause(0.3)


def scenes() -> list[tuple[str, str, object, Size]]:
    found: list[tuple[str, str, object, Size]] = []
    for kind in SERVICES:
        module = importlib.import_module(f"screenshots.scenes.{kind}")
        for name, drive, *size in module.SCENES:
            found.append((kind, name, drive, size[0] if size else SIZE))
    found.append((next(iter(SERVICES)), "exchanges", exchanges_scene, SIZE))
    return found


async def shoot(box: Sandbox, kind: str, name: str, drive, size: Size = SIZE) -> None:
    app = ServiceDeckApp(box.profile(), drafts=DraftStore(Path(_home) / "drafts" / name), initial_pane=kind)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await drive(pilot)
        await pilot.pause(0.2)
        svg = app.export_screenshot(title=f"servicedeck · {name}")
    (HERE / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"wrote screenshots/{name}.svg", flush=True)


async def main(prefixes: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    failed = 0
    with Sandbox(data_dir=Path(_home) / "sandbox") as box:
        for kind, name, drive, size in scenes():
            if prefixes and not any(name.startswith(p) for p in prefixes):
                continue
            try:
                await shoot(box, kind, name, drive, size)
            except Exception as exc:  # keep going: one broken scene should not cost the others
                failed += 1
                print(f"failed {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
