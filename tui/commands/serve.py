"""`servicedeck serve`: the app in a web browser, through textual-serve.

Every browser tab that opens the page starts its own `servicedeck` process on the server, signed in with the
profile's credentials; so the page is served on loopback only unless `--public` says otherwise, and then the person
is told that whoever reaches the port can use those credentials.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from tui.commands.common import SANDBOX_URL_VARIABLE, CommandError, add_profile_option, load_profile
from tui.profiles import SANDBOX_PROFILE
from tui.services import SERVICES

DEFAULT_PORT = 8000

# `--demo` starts the embedded sandbox in this process; the CLI hands in how (the sandbox is the CLI's to import)
SandboxStarter = Callable[[], AbstractContextManager[str]]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def app_command(profile: str | None, pane: str | None) -> str:
    """The command textual-serve runs for each browser tab: this Python, this package, the chosen profile."""
    parts = [sys.executable, "-m", "tui"]
    if profile:
        parts += ["--profile", profile]
    if pane:
        parts += ["--pane", pane]
    return shlex.join(parts)


def warning_for(host: str, port: int) -> str:
    return (
        f"WARNING: serving on {host}:{port}, not only on this computer: anyone who can reach that port gets the app "
        "signed in with this profile's credentials, and can read and change what they can."
    )


def run_serve(args: argparse.Namespace, start_sandbox: SandboxStarter | None = None) -> int:
    if not is_loopback(args.host) and not args.public:
        raise CommandError(
            f"{args.host} is not a loopback address: anyone who can reach it could use this profile's credentials. "
            "Add --public if that is what you want."
        )
    try:
        from textual_serve.server import Server
    except ImportError:
        raise CommandError("servicedeck serve needs textual-serve: pip install textual-serve.") from None

    profile = getattr(args, "profile", None)
    sandbox: AbstractContextManager[str] = nullcontext("")
    if args.demo:
        if start_sandbox is None:
            raise CommandError("--demo needs the embedded sandbox, which this installation does not have.")
        sandbox, profile = start_sandbox(), SANDBOX_PROFILE
    else:
        load_profile(profile)  # a missing or broken profile is said here, once, not in every browser tab

    with sandbox as sandbox_url:
        if sandbox_url:
            os.environ[SANDBOX_URL_VARIABLE] = sandbox_url  # the app processes inherit it
            print(f"Demo: every service runs in the embedded sandbox at {sandbox_url}.", file=sys.stderr)
        if not is_loopback(args.host):
            print(warning_for(args.host, args.port), file=sys.stderr, flush=True)
        server = Server(app_command(profile, args.pane), host=args.host, port=args.port, title="servicedeck")
        server.serve()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="serve the app to a web browser (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument(
        "--public", action="store_true", help="allow a host other than loopback (anyone reaching it is signed in)"
    )
    serve.add_argument("--pane", choices=list(SERVICES), help="pane to open first")
    which = serve.add_mutually_exclusive_group()
    which.add_argument("--demo", action="store_true", help="serve the app on the embedded sandbox")
    add_profile_option(which)
