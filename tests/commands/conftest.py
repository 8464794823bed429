"""Headless commands run as a script runs them: `main([...])` in this process for the shapes, real subprocesses for
exit codes, pipes and signals; always against a running sandbox through the built-in `sandbox` profile."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tui.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def records(self) -> list[dict]:
        """stdout as JSON lines, each one checked to be one JSON object."""
        records = [json.loads(line) for line in self.out.splitlines()]
        assert all(isinstance(r, dict) for r in records), self.out
        return records

    @property
    def record(self) -> dict:
        records = self.records
        assert len(records) == 1, self.out
        return records[0]


@pytest.fixture
def deck(sandbox, monkeypatch, capsys):
    """`deck("tickets", "search", ...)`: the command line in this process, on the sandbox; stdin from `stdin=`."""
    monkeypatch.setenv("SERVICEDECK_SANDBOX_URL", sandbox.base_url)

    def run(*args: str, stdin: str | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main([*args, "--profile", "sandbox"])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def cli_env(base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["SERVICEDECK_SANDBOX_URL"] = base_url
    env.pop("COLUMNS", None)
    return env


def run_cli(base_url: str, *args: str, input: str | None = None, timeout: float = 60) -> Result:
    """The real command in a subprocess (stdout a pipe, so JSON lines by default)."""
    done = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=input,
        env=cli_env(base_url),
        timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr)
