"""Shared fixtures: an isolated home for config/state/data, and sandboxes on free loopback ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Every test run gets its own config, state and data dirs, so no test reads or writes a real profile or draft.
_HOME = Path(tempfile.mkdtemp(prefix="servicedeck-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_HOME / _var.lower())

from tui.drafts import DraftStore  # noqa: E402
from tui.http import ExchangeLog  # noqa: E402
from tui.sandbox import Sandbox  # noqa: E402


def start_sandbox(tmp_path_factory, *kinds: str, **kwargs) -> Sandbox:
    return Sandbox(
        data_dir=tmp_path_factory.mktemp("sandbox-" + "-".join(kinds or ("all",))), kinds=list(kinds) or None, **kwargs
    ).start()


@contextmanager
def sandbox_process(data: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`servicedeck sandbox` in a process of its own (a server whose threads are not the test's), on a free port:
    its base URL while it runs; stopped with Ctrl-C."""
    command = [sys.executable, "-m", "tui", "sandbox", "--port", "0", "--data", str(data), *options]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        assert "http://127.0.0.1:" in first, first + proc.stderr.read()
        yield "http://" + first.split("http://", 1)[1].split("/", 1)[0]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """Every service's sandbox on one port, seeded once per test session."""
    box = start_sandbox(tmp_path_factory)
    yield box
    box.stop()


@pytest.fixture
def drafts(tmp_path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")


@pytest.fixture
def exchange_log() -> ExchangeLog:
    return ExchangeLog()


def make_app(
    profile,
    tmp_path: Path,
    *,
    pane: str | None = None,
    drafts: DraftStore | None = None,
    exchange_log=None,
    first_answers=None,
):
    """The real app on a profile, with drafts kept under tmp_path (pass the same `drafts` to "restart" the app)."""
    from tui.app import ServiceDeckApp

    app = ServiceDeckApp(
        profile,
        drafts=drafts or DraftStore(tmp_path / "drafts"),
        exchange_log=exchange_log if exchange_log is not None else ExchangeLog(),
        initial_pane=pane,
        first_answers=first_answers,
    )
    app.strict_workers = True  # a bug in a background task fails the test
    return app


async def wait_for(pilot, predicate, timeout: float = 10.0, step: float = 0.05) -> None:
    """Let the app run until `predicate()` is true (workers finish, messages land); fail with a clear message if not."""
    import asyncio
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        await pilot.pause()
        if predicate():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s: {getattr(predicate, '__doc__', None) or predicate}")
