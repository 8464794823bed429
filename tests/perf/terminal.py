"""Launch a program in a pseudo-terminal, as a person would, and time it until some text is on the screen.

"On screen" is the moment the program wrote that text to the terminal (escape sequences removed), seen from outside:
interpreter start, imports, start-up, first requests and the first frames are all inside the figure, as they are for
the person waiting.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence

COLUMNS, LINES = 120, 40
# CSI sequences, OSC strings, DCS/APC strings, and the short two-byte escapes
ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P_^X].*?\x1b\\|\x1b[=>()78]"
)


class NotShown(Exception):
    pass


def time_to_text(
    argv: Sequence[str],
    marker: str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 60.0,
) -> float:
    """Seconds from starting `argv` in a 120x40 terminal to `marker` appearing on it; the program is then ended with
    SIGTERM (SIGKILL if it does not go within 10 s)."""
    wanted = marker.encode()
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        try:
            if cwd:
                os.chdir(cwd)
            # An installed program runs from compiled bytecode; with PYTHONDONTWRITEBYTECODE set (as some shells and
            # CI set it) every launch would compile the modules changed since the last write, the app's more than the
            # reference's. Without it, the uncounted first round writes the caches for both.
            os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
            os.environ.update(env or {})
            os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES)})
            os.execvp(argv[0], list(argv))
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    raw = b""
    shown: float | None = None
    try:
        while shown is None:
            left = start + timeout - time.perf_counter()
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break  # the program ended
            if not chunk:
                break
            raw += chunk
            if wanted in ESCAPES.sub(b"", raw[-(1 << 16) :]):
                shown = time.perf_counter()
    finally:
        _end(pid, fd)
    if shown is None:
        text = ESCAPES.sub(b"", raw).decode(errors="replace")
        raise NotShown(f"{marker!r} not shown by {' '.join(argv)!r}; the terminal ended with: {text[-600:]!r}")
    return shown - start


def _end(pid: int, fd: int) -> None:
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:  # keep reading, so a program writing its last frame on the way out never blocks on a full terminal
            if select.select([fd], [], [], 0.05)[0]:
                os.read(fd, 1 << 16)
        except OSError:
            pass
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
