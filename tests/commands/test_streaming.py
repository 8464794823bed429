"""`tickets search --all` over 100,000 tickets, as a script uses it: real processes, a real pipe, a real Ctrl-C.

The sandbox runs as `servicedeck sandbox --tickets 100000` in its own process, so the memory measured is the command's
alone; the command streams page by page, so its memory stays flat however many tickets go through it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.commands.conftest import cli_env
from tests.conftest import sandbox_process

TICKETS = 100_000
SEARCH_ALL = [sys.executable, "-m", "tui", "tickets", "search", "--all", "--profile", "sandbox"]


@pytest.fixture(scope="module")
def big_sandbox(tmp_path_factory):
    """A running `servicedeck sandbox` seeded with 100,000 tickets; its base URL."""
    with sandbox_process(tmp_path_factory.mktemp("big-sandbox"), "--tickets", str(TICKETS)) as base_url:
        yield base_url


def test_all_starts_at_once_and_holds_one_page_in_memory(big_sandbox):
    started = time.monotonic()
    proc = subprocess.Popen(
        SEARCH_ALL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(big_sandbox)
    )
    watched = psutil.Process(proc.pid)
    try:
        first = json.loads(proc.stdout.readline())
        to_first_line = time.monotonic() - started
        assert proc.poll() is None  # printing began long before the last page
        ids = {first["id"]}
        baseline = peak = 0
        for count, line in enumerate(proc.stdout, start=2):
            ids.add(json.loads(line)["id"])
            if count % 1000 == 0:
                rss = watched.memory_info().rss
                if count == 3000:  # after the first pages: imports done, buffers and pools warmed up
                    baseline = rss
                peak = max(peak, rss)
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
    total_time = time.monotonic() - started
    assert len(ids) == TICKETS, "every ticket once"
    assert err == ""
    assert to_first_line < min(10.0, total_time / 3), (to_first_line, total_time)
    growth = peak - baseline
    # holding every ticket would take hundreds of MB; one page of 250 is well under one
    assert growth < 25 * 2**20, f"memory grew by {growth / 2**20:.1f} MB while streaming"


def test_a_closed_pipe_ends_the_command_quietly_with_0(big_sandbox):
    search = subprocess.Popen(SEARCH_ALL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(big_sandbox))
    head = subprocess.Popen(["head", "-1"], stdin=search.stdout, stdout=subprocess.PIPE)
    search.stdout.close()  # only head holds the read end now: when it exits, the pipe is closed
    out, _ = head.communicate(timeout=60)
    assert search.wait(timeout=60) == 0
    assert search.stderr.read() == b""
    assert len(out.splitlines()) == 1 and json.loads(out)["mask"]


def test_ctrl_c_stops_cleanly(big_sandbox):
    proc = subprocess.Popen(
        SEARCH_ALL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(big_sandbox)
    )
    assert json.loads(proc.stdout.readline())["id"]
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip() == "servicedeck: interrupted."
    assert out.count("\n") < TICKETS - 1  # it stopped, it did not run to the end
