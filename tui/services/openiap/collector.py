"""The cyclic garbage collector during a flood of queue messages.

A tail keeps its last 10,000 messages, so a flood makes long-lived objects fast, and Python answers with a full
collection every few hundred thousand messages; each one walks every object of the app (~100,000 before the first
message, ~60-90 ms each here), and together they cost the app a third of its speed while it tails a flood. Nothing
in a tail makes reference cycles: its garbage is freed by reference counting as it goes. So while a tail takes a
flood, the collector is paused, as Textual pauses it while a scroll animates; it runs once every PAUSE_SECONDS if a
flood goes on that long, and as usual again once the flood is over. A collector that someone else turned off (the
app does during start-up) is left as it is.
"""

from __future__ import annotations

import gc
import time

PAUSE_SECONDS = 10.0  # a flood that lasts longer gets one full collection per this many seconds


class FloodPause:
    """Pause the collector while any holder says a flood is on (`hold`), resume when the last one lets go."""

    def __init__(self) -> None:
        self._holders: set[int] = set()
        self._paused_since: float | None = None  # set while the pause is ours

    @property
    def paused(self) -> bool:
        return self._paused_since is not None

    def hold(self, holder: object) -> None:
        self._holders.add(id(holder))
        if self._paused_since is None:
            if gc.isenabled():
                gc.disable()
                self._paused_since = time.monotonic()
        elif time.monotonic() - self._paused_since > PAUSE_SECONDS:
            gc.collect()  # a long flood: what cycles there are, once in a while
            self._paused_since = time.monotonic()

    def release(self, holder: object) -> None:
        self._holders.discard(id(holder))
        if not self._holders and self._paused_since is not None:
            self._paused_since = None
            gc.enable()


FLOOD_PAUSE = FloodPause()  # one for the process: the collector is one
