"""Command line: servicedeck [--profile NAME] | demo | sandbox | serve | profiles ... | the headless commands
(docs, tickets, activity, queues, tail: `tui.commands`).

Exit codes: 0 ok, 1 runtime error (one line on stderr), 2 usage, 130 a headless command stopped by Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tui import __version__
from tui.commands.common import CommandError, load_profile, run_command
from tui.first_answers import FirstAnswers
from tui.http import redact_url, warm_up_tls
from tui.profiles import (
    Connection,
    Profile,
    ProfileError,
    ProfileStore,
    SecretUnavailable,
    check_url,
    keyring_available,
    sandbox_profile,
)
from tui.services import SERVICES

if TYPE_CHECKING:
    from textual.app import App

# httpx imports its own command-line tool (click, rich's progress bars, pygments) on `import httpx` when click is
# installed; servicedeck never runs it, and it costs a tenth of the start-up. With this entry httpx skips it. Nothing
# above imports httpx (a start-up test checks): it comes with the first request.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

DEFAULT_SANDBOX_PORT = 8470


APP_OPTIONS_WITH_VALUE = ("--profile", "-p", "--pane")
APP_FLAGS = ("--read-only",)
DEMO_OPTIONS_WITH_VALUE = ("--data", "--pane")
DEMO_FLAGS = ("--read-only",)


def app_parser() -> argparse.ArgumentParser:
    """The options of the app itself, without the commands."""
    parser = argparse.ArgumentParser(
        prog="servicedeck",
        description="One keyboard-driven terminal home for Nuxeo, Cerb, MAX and OpenIAP.",
        epilog="Try it with no servers at all: servicedeck demo",
    )
    parser.add_argument("--version", action="version", version=f"servicedeck {__version__}")
    parser.add_argument("--profile", "-p", help="profile to open (default: the default profile)")
    parser.add_argument("--pane", choices=list(SERVICES), help="pane to open first")
    parser.add_argument(
        "--read-only", action="store_true", help="look, never change: every action that writes is refused"
    )
    parser.set_defaults(command=None)
    return parser


def opens_the_app(argv: list[str]) -> bool:
    """True when `argv` holds only the app's own options (no command, no --help): then the app's parser is enough,
    and start-up skips building the parsers of every command (tens of milliseconds)."""
    return _only_options(argv, APP_OPTIONS_WITH_VALUE, APP_FLAGS, short="-p")


def opens_the_demo(argv: list[str]) -> bool:
    """True for `demo` followed only by its own options (no --help): the demo's parser alone is enough (see
    `opens_the_app`)."""
    return argv[:1] == ["demo"] and _only_options(argv[1:], DEMO_OPTIONS_WITH_VALUE, DEMO_FLAGS)


def _only_options(argv: list[str], with_value: tuple[str, ...], flags: tuple[str, ...], short: str = "") -> bool:
    words = iter(argv)
    for word in words:
        if word in with_value:
            next(words, None)
        elif word in flags:
            continue
        elif not word.startswith(tuple(f"{option}=" for option in with_value)) and not (
            short and word.startswith(short) and not word.startswith("--")
        ):
            return False  # a command, --help, --version, or something the full parser must explain
    return True


def add_demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="run the app on the embedded sandbox (no servers needed)")
    demo.add_argument("--data", type=Path, help="keep the sandbox data in DIR (default: a temporary directory)")
    demo.add_argument("--pane", choices=list(SERVICES), help="pane to open first")
    demo.add_argument("--read-only", action="store_true", help="look, never change")


def demo_parser() -> argparse.ArgumentParser:
    """The app's options and the `demo` command alone, for `opens_the_demo`."""
    parser = app_parser()
    add_demo_parser(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def build_parser() -> argparse.ArgumentParser:
    from tui.commands import register_all, serve

    parser = app_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_demo_parser(sub)

    sandbox = sub.add_parser("sandbox", help="run only the sandbox servers, in the foreground")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sandbox.add_argument(
        "--port",
        type=int,
        default=DEFAULT_SANDBOX_PORT,
        help=f"port (default {DEFAULT_SANDBOX_PORT}; 0 picks a free one)",
    )
    sandbox.add_argument("--data", type=Path, help="keep the data in DIR (default: the platformdirs data dir)")
    sandbox.add_argument("--reset", action="store_true", help="start from freshly seeded data")
    sandbox.add_argument("--live", action="store_true", help="generate live activity, as `demo` does")
    sandbox.add_argument("--tickets", type=int, help="seed this many Cerb tickets (benchmarks)")
    sandbox.add_argument("--activities", type=int, help="seed this many MAX activities (benchmarks)")
    sandbox.add_argument(
        "--scale", action="append", default=[], metavar="KEY=N", help="other seed sizes, e.g. nuxeo_docs=10000"
    )

    profiles = sub.add_parser("profiles", help="list, add, remove or test connection profiles")
    psub = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)
    psub.add_parser("list", help="list the profiles and their connections")
    add = psub.add_parser("add", help="add or change one connection of a profile")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=list(SERVICES), help="which service")
    add.add_argument("--url", required=True)
    add.add_argument("--username", default="", help="user name (Cerb: the access key)")
    where = add.add_mutually_exclusive_group()
    where.add_argument("--password-env", metavar="VAR", help="read the secret from this environment variable")
    where.add_argument("--keyring", action="store_true", help="keep the secret in the OS keyring")
    where.add_argument("--no-secret", action="store_true", help="this connection needs no secret")
    add.add_argument("--default", action="store_true", help="make it the default profile")
    remove = psub.add_parser("remove", help="remove a profile")
    remove.add_argument("name")
    test = psub.add_parser("test", help="try every connection of a profile")
    test.add_argument("name")
    psub.add_parser("path", help="print where profiles are kept")

    serve.register(sub)
    register_all(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if opens_the_app(argv):
        parser = app_parser()
    else:
        parser = demo_parser() if opens_the_demo(argv) else build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return run_demo(args)
        if args.command == "sandbox":
            return run_sandbox(args, parser)
        if args.command == "profiles":
            return run_profiles(args)
        if args.command == "serve":
            from tui.commands import serve

            return serve.run_serve(args, embedded_sandbox)
        if getattr(args, "handler", None) is not None:
            return run_command(args.handler, args)
        return run_app(args)
    except (CommandError, ProfileError, OSError) as exc:
        print(f"servicedeck: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


# -- the app ---------------------------------------------------------------------------------------------------------


def run_app(args: argparse.Namespace) -> int:
    # Start-up allocates hundreds of thousands of objects and frees almost none: collecting garbage meanwhile costs a
    # tenth of the time to the first screen and finds nothing. The app turns the collector back on once its first data
    # is on screen.
    gc.disable()
    store = ProfileStore()
    name = args.profile or store.default_name()
    # the built-in sandbox profile reaches a running `servicedeck sandbox` (or SERVICEDECK_SANDBOX_URL)
    profile = load_profile(name, store) if name else None
    # forked first, while this process has no thread: the first pane's first requests, on the other core
    with FirstAnswers.start(profile, first_pane(args)) as first_answers:
        if profile is not None:  # an https connection's CA certificates load in a thread while Textual is imported
            warm_up_tls(connection.url for connection in profile.connections.values())
        from tui.app import ServiceDeckApp

        app = ServiceDeckApp(
            profile, store=store, initial_pane=args.pane, read_only=args.read_only, first_answers=first_answers
        )
        asyncio.run(app.launch())
    return 0


def first_pane(args: argparse.Namespace) -> str:
    return str(args.pane or next(iter(SERVICES)))


@contextmanager
def embedded_sandbox() -> Iterator[str]:
    """The embedded sandbox with live activity, for `serve --demo`: its base URL while it runs."""
    from tui.sandbox import Sandbox

    print("Starting the sandbox…", file=sys.stderr)
    with Sandbox(port=0, demo=True) as box:
        yield box.base_url


def run_demo(args: argparse.Namespace) -> int:
    gc.disable()  # during start-up, as for the app alone (see run_app)
    print("Starting the sandbox…", file=sys.stderr)
    # A closed terminal (SIGHUP) or a polite kill (SIGTERM) would end the process where it stands and leave the
    # sandbox's process and temporary data behind: end the app instead (or, before it runs, leave at once), so that
    # leaving `with` ends and removes them.
    running: list[App[None]] = []

    def end(*_: object) -> None:
        if not running:
            raise SystemExit(0)
        running[0].exit()

    for number in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, end)
    # The sandbox seeds and starts in a process of its own, on the other core, while this one starts the app.
    with (
        DemoSandbox(data_dir=args.data, first=args.pane) as box,  # http:// alone: no CA certificates to load
        FirstAnswers.start(box.profile(), first_pane(args)) as first_answers,  # its requests wait for the sandbox
    ):
        from tui.app import ServiceDeckApp

        app = ServiceDeckApp(
            box.profile(),
            initial_pane=args.pane,
            notice=f"Demo: every service runs in the embedded sandbox at {box.base_url}.",
            read_only=args.read_only,
            first_answers=first_answers,
        )
        running.append(app)
        asyncio.run(app.launch())
    return 0


class DemoSandbox:
    """The sandbox in a child process, for `servicedeck demo`: it seeds and serves on the other core while the app
    starts. The child is forked, not started afresh: it has the interpreter and the modules already loaded. The port
    is bound here and handed to it, so the app's first requests wait in the socket's backlog rather than being refused.
    `stop()` ends the child and removes a temporary data dir; the child also ends by itself when this process goes
    (the pipe on its stdin closes)."""

    def __init__(self, *, data_dir: Path | None = None, first: str | None = None):
        # the child serves the first pane's service first, and builds the others while it does
        self.kinds = sorted(SERVICES, key=lambda kind: kind != first)
        self._tempdir = tempfile.mkdtemp(prefix="servicedeck-sandbox-") if data_dir is None else None
        self.data_dir = Path(self._tempdir) if self._tempdir else (data_dir or Path())
        self.pid = 0
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        watch, self._alive = os.pipe()  # the child reads `watch` until this process closes `_alive`, or ends
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as `Sandbox._bind` does, for the same reason
            sock.bind(("127.0.0.1", 0))
            sock.listen(2048)
            self.port: int = sock.getsockname()[1]
            self.pid = os.fork()
            if self.pid == 0:
                self._child(sock, watch)  # never returns
        except BaseException:
            os.close(self._alive)
            self._remove_data()
            raise
        finally:
            os.close(watch)
            sock.close()  # the child has its own

    def _child(self, sock: socket.socket, watch: int) -> None:
        status = 1
        try:
            os.close(self._alive)
            quiet = os.open(os.devnull, os.O_RDWR)
            os.dup2(watch, 0)
            os.dup2(quiet, 1)  # the app owns the terminal
            os.dup2(quiet, 2)
            from tui.sandbox.host import serve_inherited

            serve_inherited(sock, {"data_dir": str(self.data_dir), "demo": True, "kinds": self.kinds})
            status = 0
        finally:
            os._exit(status)  # never the parent's code on the way out (its `finally`, its exit handlers)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def profile(self) -> Profile:
        return sandbox_profile(self.base_url, self.kinds)

    def stop(self) -> None:
        if self.pid:
            pid, self.pid = self.pid, 0
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            end = time.monotonic() + 10
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > end:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
            os.close(self._alive)
        self._remove_data()

    def _remove_data(self) -> None:
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> DemoSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_scale(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, int]:
    scale: dict[str, int] = {}
    for item in args.scale:
        key, _, value = item.partition("=")
        if not key or not value.isdigit():
            parser.error(f"--scale takes KEY=N, not {item!r}")
        scale[key] = int(value)
    if args.tickets is not None:
        scale["tickets"] = args.tickets
    if args.activities is not None:
        scale["activities"] = args.activities
    return scale


def run_sandbox(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from tui.profiles import data_dir
    from tui.sandbox import Sandbox

    box = Sandbox(
        host=args.host,
        port=args.port,
        data_dir=args.data or data_dir() / "sandbox",
        demo=args.live,
        reset=args.reset,
        scale=parse_scale(args, parser),
    )
    print(f"servicedeck sandbox: data in {box.context.data_dir}", file=sys.stderr)

    def announce(running: Sandbox) -> None:
        for line in running.describe():
            print(line, flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)

    box.serve_forever(on_listening=announce)
    print("servicedeck sandbox: stopped.", file=sys.stderr)
    return 0


# -- profiles ----------------------------------------------------------------------------------------------------------


def describe_secret(conn: Connection) -> str:
    if conn.secret_source == "env":
        state = "set" if os.environ.get(conn.secret_env) else "NOT SET"
        return f"secret from ${conn.secret_env} ({state})"
    if conn.secret_source == "keyring":
        return "secret in the OS keyring"
    return "secret in the profile file" if conn.secret else "no secret"


def run_profiles(args: argparse.Namespace) -> int:
    store = ProfileStore()
    if args.action == "path":
        print(store.path)
        return 0
    if args.action == "list":
        default, profiles = store.load()
        if not profiles:
            print(
                f"No profiles yet in {store.path}. Add one with `servicedeck profiles add`, or try `servicedeck demo`."
            )
            return 0
        for name, profile in profiles.items():
            print(f"{name}{'  (default)' if name == default else ''}")
            for kind, conn in profile.connections.items():
                print(f"  {kind:<8} {redact_url(conn.url)}  user {conn.username or '-'}  {describe_secret(conn)}")
        return 0
    if args.action == "add":
        # Everything that can refuse the command is checked before the secret is asked for.
        url = check_url(args.url)
        known = store.names()  # a profiles file that cannot be read is reported now, and never overwritten
        if args.keyring and not keyring_available():
            raise CommandError(
                "no OS keyring is available: install keyring support (pip install 'servicedeck[keyring]') "
                "or use --password-env."
            )
        profile = store.get(args.name) if args.name in known else Profile(name=args.name)
        conn = Connection(kind=args.kind, url=url, username=args.username)
        if args.password_env:
            conn.secret_source, conn.secret_env = "env", args.password_env
        elif not args.no_secret:
            conn.secret = read_secret(f"{SERVICES[args.kind].secret_label} for {args.kind} ({args.url}): ")
            if args.keyring:
                conn.secret_source = "keyring"
        profile.connections[args.kind] = conn
        store.save(profile, make_default=args.default)
        print(f"Saved {args.kind} connection of profile {args.name!r} to {store.path}.")
        if conn.secret_source == "file" and conn.secret:
            print(
                "Note: the secret is stored in that file (mode 0600). Prefer --password-env or --keyring.",
                file=sys.stderr,
            )
        return 0
    if args.action == "remove":
        store.remove(args.name)
        print(f"Removed profile {args.name!r}.")
        return 0
    if args.action == "test":
        return asyncio.run(test_profile(load_profile(args.name, store)))
    raise CommandError(f"unknown action {args.action}")


def read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


async def test_profile(profile: Profile) -> int:
    """Try every connection; print one line each; exit 1 when any fails."""
    from tui.http import ServiceError

    failed = 0
    for kind, conn in profile.connections.items():
        service = SERVICES.get(kind)
        if service is None:
            print(f"{kind:<8} skipped   unknown service kind")
            continue
        client = None
        try:
            client = service.client_class().from_connection(conn, conn.resolve_secret(profile.name))
            print(f"{kind:<8} ok        {await client.check()}")
        except ServiceError as exc:
            failed += 1
            print(f"{kind:<8} failed    {exc.readable}")
        except SecretUnavailable as exc:
            failed += 1
            print(f"{kind:<8} failed    {exc}")
        finally:
            if client is not None:
                await client.aclose()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
