"""`servicedeck demo` removes its temporary sandbox data and ends its sandbox's process however it ends: quit, a closed
terminal, a kill."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest


def demo_in_a_terminal(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = pty.openpty()
    env = {**os.environ, "TMPDIR": str(tmp), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp / var.lower())
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo"], stdin=follower, stdout=follower, stderr=follower, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    return process, leader


def sandbox_dirs(tmp: Path) -> list[Path]:
    return list(tmp.glob("servicedeck-sandbox-*"))


@pytest.mark.parametrize("ending", [signal.SIGHUP, signal.SIGTERM])
@pytest.mark.parametrize("after", [2.0, 0.0], ids=["drawing", "starting"])
def test_the_demo_leaves_no_temporary_data_behind(tmp_path, ending, after):
    process, leader = demo_in_a_terminal(tmp_path)
    try:
        end = time.monotonic() + 60
        while not any(d.glob("*.sqlite3") for d in sandbox_dirs(tmp_path)) and time.monotonic() < end:
            try:
                os.read(leader, 65536)  # keep the terminal drained, as a real one would be
            except OSError:
                pass
            time.sleep(0.02)
        assert sandbox_dirs(tmp_path), "the demo never started its sandbox"
        time.sleep(after)  # the app is up and drawing, or still starting
        children = psutil.Process(process.pid).children(recursive=True)  # the sandbox runs in one
        assert children, "the sandbox's process is not there"
        process.send_signal(ending)
        end = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < end:
            try:
                os.read(leader, 65536)
            except OSError:
                time.sleep(0.1)
        assert process.poll() is not None, "the demo did not end"
        assert sandbox_dirs(tmp_path) == []
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], "the sandbox's process outlived the demo"
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
