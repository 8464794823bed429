"""When data is on screen, measured the same way for a pane and for its minimal reference app.

Each app says when its rows went into its widget (`mark`); "on screen" is the end of the first screen update that
starts after that moment. Every app is run headless at the same size, with the same client, in the same process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

SIZE = (120, 40)


class Frames:
    def __init__(self) -> None:
        from textual.screen import Screen

        self.data_at: float | None = None
        self.updates: list[tuple[float, float]] = []
        refresh = Screen._compositor_refresh
        frames = self

        def timed_refresh(screen: Any) -> None:
            start = time.perf_counter()
            refresh(screen)
            frames.updates.append((start, time.perf_counter()))

        Screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]

    def reset(self) -> None:
        self.data_at = None
        self.updates = []

    def mark(self) -> None:
        """The rows went into the widget now (the first call after `reset` counts)."""
        if self.data_at is None:
            self.data_at = time.perf_counter()

    def on_screen(self) -> float | None:
        if self.data_at is None:
            return None
        return next((end for start, end in self.updates if start >= self.data_at), None)

    def after(self, cls: type, name: str) -> None:
        """Mark when `cls.name` returns (the method that hands the rows to the widget)."""
        original = getattr(cls, name)
        frames = self

        def marked(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            frames.mark()
            return result

        setattr(cls, name, marked)

    async def timed(self, pilot: Any, trigger: Callable[[], Any], timeout: float = 30.0) -> float:
        """Milliseconds from `trigger()` to its data on screen."""
        self.reset()
        start = time.perf_counter()
        result = trigger()
        if asyncio.iscoroutine(result):
            await result
        end = start + timeout
        while self.on_screen() is None:
            if time.perf_counter() > end:
                raise TimeoutError("the data did not reach the screen")
            await asyncio.sleep(0.001)
        shown = self.on_screen()
        assert shown is not None
        return (shown - start) * 1000


async def until(predicate: Callable[[], object], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("benchmark condition not met")
        await asyncio.sleep(0.005)
