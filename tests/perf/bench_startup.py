"""Start-up: launch to the Documents tree's first level on screen, in a real (pseudo-)terminal of 120x40.

Figures, each a fresh process per launch, runs interleaved:
- the app on a sandbox that is already running (its own process), against a bare Textual hello-world;
- `servicedeck demo` (the app plus its embedded sandbox, seeded from nothing), against the same bare app;
- the app opening on the Tickets pane, to its first page of tickets, against the same bare app;
- for context, the same bare app with the app's tabs (Textual's `TabbedContent`) and empty panes: what stock Textual
  costs for that layout.

Run: `python -m tests.perf startup`.
"""

from __future__ import annotations

import os
import sys

from tests.perf.common import ROOT, SandboxProcess, interleaved, isolate_home, report
from tests.perf.terminal import time_to_text

ROUNDS = int(os.environ.get("STARTUP_ROUNDS", "7"))
FIRST_LEVEL = "Domain (3)"  # the root's first child, with its count, as the tree draws it
TICKET_COUNT = "tickets · open"  # the Tickets pane's count, shown once the first page is in

BARE = """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    def compose(self):
        yield Static("hello, world")
        yield Footer()

Bare().run()
"""

TABS = """
from textual.app import App
from textual.widgets import Footer, Static, TabbedContent, TabPane

class Tabs(App):
    def compose(self):
        yield Static("servicedeck  profile sandbox")
        with TabbedContent():
            for n, title in enumerate(["Documents", "Tickets", "Activity", "Queues", "Exchanges"], 1):
                with TabPane(f"{n} {title}"):
                    yield Static("empty pane" if n == 1 else "")
        yield Footer()

Tabs().run()
"""


def main() -> None:
    home = isolate_home("servicedeck-bench-startup-")
    python = sys.executable
    with SandboxProcess(home / "running-sandbox", ["nuxeo", "cerb"]) as sandbox:
        app_env = {"SERVICEDECK_SANDBOX_URL": sandbox.base_url}
        cwd = str(ROOT)
        runs = {
            "bare": lambda: time_to_text([python, "-c", BARE], "hello, world", cwd=cwd) * 1000,
            "tabs": lambda: time_to_text([python, "-c", TABS], "empty pane", cwd=cwd) * 1000,
            "app": lambda: (
                time_to_text(
                    [python, "-m", "tui", "--profile", "sandbox", "--pane", "nuxeo"], FIRST_LEVEL, env=app_env, cwd=cwd
                )
                * 1000
            ),
            "demo": lambda: time_to_text([python, "-m", "tui", "demo", "--pane", "nuxeo"], FIRST_LEVEL, cwd=cwd) * 1000,
            "tickets": lambda: (
                time_to_text(
                    [python, "-m", "tui", "--profile", "sandbox", "--pane", "cerb"], TICKET_COUNT, env=app_env, cwd=cwd
                )
                * 1000
            ),
        }
        samples = interleaved(runs, ROUNDS)
    bare = samples["bare"]
    report(
        "launch to the Documents tree's first level (sandbox already running)",
        samples["app"],
        "ms",
        reference=bare,
        reference_name="bare Textual hello-world",
        target="<= 1.5x",
        limit=1.5,
    )
    report(
        "`servicedeck demo` launch to the Documents tree's first level",
        samples["demo"],
        "ms",
        reference=bare,
        reference_name="bare Textual hello-world",
        target="<= 2.0x",
        limit=2.0,
    )
    report(
        "launch to the Tickets pane's first page (sandbox already running)",
        samples["tickets"],
        "ms",
        reference=bare,
        reference_name="bare Textual hello-world",
        target="(no target)",
    )
    report(
        "context: bare app with the same tabs (TabbedContent), empty panes",
        samples["tabs"],
        "ms",
        reference=bare,
        reference_name="bare Textual hello-world",
        target="(the layout's own cost)",
    )


if __name__ == "__main__":
    main()
