"""Headless commands: the same clients and profiles as the app, data on stdout, narration and errors on stderr.

Each module adds its subcommands to the command line (`register`) and names an async handler per action
(`set_defaults(handler=...)`); `tui.cli` runs the handler with `common.run_command`.
"""

from __future__ import annotations

import argparse


def register_all(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # imported here, not at the top: each loads its service's client, which opening the app does not need
    from tui.commands import activity, docs, queues, tickets

    for module in (docs, tickets, activity, queues):
        module.register(sub)
