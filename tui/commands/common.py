"""What every headless command shares: the profile it runs with, a client for one service, text from a file or stdin,
and the way a command ends (exit codes, Ctrl-C, a closed pipe).

Exit codes: 0 ok, 1 runtime error (one line on stderr), 2 usage (argparse), 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from tui.contract import ServiceClient
from tui.http import ServiceError
from tui.profiles import SANDBOX_DEFAULT_URL, SANDBOX_PROFILE, Profile, ProfileStore, sandbox_profile
from tui.services import SERVICES

SANDBOX_URL_VARIABLE = "SERVICEDECK_SANDBOX_URL"
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130

Client = TypeVar("Client", bound=ServiceClient)
Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


class CommandError(Exception):
    """A runtime failure with a message for the person at the terminal (exit 1)."""


def sandbox_url() -> str:
    """Where the built-in `sandbox` profile looks for a running `servicedeck sandbox`."""
    return os.environ.get(SANDBOX_URL_VARIABLE, "").strip() or SANDBOX_DEFAULT_URL


def load_profile(name: str | None, store: ProfileStore | None = None) -> Profile:
    """The named profile, the default one, or the built-in `sandbox` profile (a running sandbox, never saved)."""
    store = store or ProfileStore()
    if name == SANDBOX_PROFILE:
        return sandbox_profile(sandbox_url())
    name = name or store.default_name()
    if not name:
        raise CommandError(
            f"No profile yet: add one with `servicedeck profiles add`, or use --profile {SANDBOX_PROFILE} "
            "with `servicedeck sandbox` running."
        )
    return store.get(name)


def add_profile_option(parser: argparse._ActionsContainer) -> None:
    # SUPPRESS: a subcommand without --profile keeps the one given before it (`servicedeck --profile work docs ls /`)
    parser.add_argument(
        "--profile",
        "-p",
        default=argparse.SUPPRESS,
        help=f"profile to use (default: the default profile; {SANDBOX_PROFILE!r}: a running servicedeck sandbox)",
    )


@asynccontextmanager
async def open_client(kind: str, args: argparse.Namespace, client_class: type[Client]) -> AsyncIterator[Client]:
    """A client for the `kind` connection of the profile named on the command line, closed on the way out."""
    profile = load_profile(getattr(args, "profile", None))
    conn = profile.connection(kind)
    if conn is None:
        product = SERVICES[kind].product
        raise CommandError(f"Profile {profile.name!r} has no {kind} connection ({product}).")
    client = client_class.from_connection(conn, conn.resolve_secret(profile.name))
    if profile.read_only:  # a read-only profile is read-only for scripts too: writing commands fail, nothing is sent
        client.forbid_writes()
    try:
        yield client
    finally:
        await asyncio.shield(client.aclose())


def read_text(value: str, what: str) -> str:
    """`-` reads standard input to its end; anything else is the text itself."""
    if value != "-":
        return value
    if sys.stdin is None or sys.stdin.isatty():
        print(f"Type the {what}, then Ctrl-D:", file=sys.stderr)
    return sys.stdin.read() if sys.stdin is not None else ""


def read_file_or_stdin(path: str, what: str) -> str:
    """The text of a file, or of standard input for `-`."""
    if path == "-":
        return read_text("-", what)
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None


def silence_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so Python's last flush at exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def run_command(handler: Handler, args: argparse.Namespace) -> int:
    """Run one async command to its exit code: a service failure is one line on stderr (1), Ctrl-C stops cleanly
    (130, the clients closed), and a reader that went away (`| head -1`) ends the command quietly with 0."""
    try:
        return asyncio.run(handler(args))
    except ServiceError as exc:
        raise CommandError(exc.readable) from None
    except KeyboardInterrupt:
        print("servicedeck: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
