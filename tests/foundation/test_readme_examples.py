"""Every example README gives works on the demo data: the search examples of the keys tables find something, and
each line of the Scripting block runs and prints (the commands themselves, without the shell around them)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tui.sandbox import Sandbox

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def scripting_commands() -> list[list[str]]:
    block = re.search(r"```sh\n(.*?)```", section("Scripting"), re.S)
    assert block, "README's Scripting section has no sh block"
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if "servicedeck" in words:
            start = words.index("servicedeck")
            end = next((i for i, w in enumerate(words[start:], start) if w in ("|", ">")), len(words))
            commands.append(words[start + 1 : end])
    return commands


def key_table_example(pane: str, marker: str) -> str:
    """The first code span in the row of `pane`'s keys table that holds `marker`."""
    table = README[README.index(f"**{pane}**") :]
    row = next(line for line in table.splitlines() if marker in line and line.startswith("| `/`"))
    return next(span for span in re.findall(r"`([^`]+)`", row) if marker in span)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    box = Sandbox(data_dir=tmp_path_factory.mktemp("readme-sandbox")).start()
    yield box
    box.stop()


def servicedeck(box: Sandbox, args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SERVICEDECK_SANDBOX_URL": box.base_url}
    command = [sys.executable, "-m", "tui", *args]
    if "--profile" not in args:
        command += ["--profile", "sandbox"]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_each_scripting_example_runs_and_prints(running):
    commands = scripting_commands()
    assert len(commands) >= 3
    for args in commands:
        result = servicedeck(running, args, stdin='{"order": 42}')
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip() or args[:2] == ["queues", "publish"], args


def test_the_search_examples_of_the_keys_tables_find_something(running):
    nxql = key_table_example("Documents", "SELECT")
    found = servicedeck(running, ["docs", "query", nxql, "--json"])
    assert found.returncode == 0 and found.stdout.strip(), (nxql, found.stderr)
    query = key_table_example("Tickets", "status:")
    tickets = servicedeck(running, ["tickets", "search", query, "--json"])
    assert tickets.returncode == 0 and tickets.stdout.strip(), (query, tickets.stderr)
