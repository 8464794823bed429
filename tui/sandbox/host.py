"""The embedded sandbox: every service's faithful server on one loopback port, backed by SQLite.

`Sandbox` runs uvicorn in a background thread with its own event loop, so the app (or a test, or an official client
library) talks to it over real sockets exactly as it would to a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import platformdirs
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from tui.profiles import APP_NAME, Profile, sandbox_profile

# kind -> the module with `create(ctx: SandboxContext) -> ServiceSandbox`; the kinds match `tui.services.SERVICES`
SANDBOXES = {
    "nuxeo": "tui.sandbox.nuxeo.server",
    "cerb": "tui.sandbox.cerb.server",
    "max": "tui.sandbox.max.server",
    "openiap": "tui.sandbox.openiap.server",
}
# Kinds whose demo content is the same every time (no date depends on "now"): seeded once into a template in the user
# cache dir, then copied at each start. Nuxeo's 10,000-document archive takes a third of a second to seed.
TEMPLATED = ("nuxeo",)
BUILD_AFTER_FIRST_ANSWER = 0.3  # seconds (see `Sandbox.create_later`)
BUILD_NICENESS = 10  # how much lower the thread that builds services in the background runs (see `create_later`)


@dataclass
class SandboxContext:
    """What a service's sandbox gets to build itself with."""

    data_dir: Path  # its SQLite file(s) go here
    demo: bool = False  # generate live activity (new posts, queue messages) for `servicedeck demo`
    scale: dict[str, int] = field(default_factory=dict)  # e.g. {"tickets": 100000} for benchmarks

    def db_path(self, kind: str) -> Path:
        return self.data_dir / f"{kind}.sqlite3"


@dataclass
class ServiceSandbox:
    """One service's part of the sandbox."""

    kind: str
    routes: list[BaseRoute]
    describe: Callable[[str], str]  # base URL -> "Nuxeo  http://…/nuxeo  (Administrator / Administrator)"
    live: Callable[[], Coroutine[Any, Any, None]] | None = None  # demo activity, run as a task while the server runs
    close: Callable[[], None] | None = None


class Sandbox:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        demo: bool = False,
        reset: bool = False,
        scale: dict[str, int] | None = None,
        kinds: list[str] | None = None,
    ):
        self.host = host
        self.requested_port = port
        self._tempdir = None
        if data_dir is None:
            self._tempdir = tempfile.mkdtemp(prefix="servicedeck-sandbox-")
            data_dir = Path(self._tempdir)
        elif reset and data_dir.exists():
            for db in data_dir.glob("*.sqlite3*"):
                db.unlink()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.context = SandboxContext(data_dir=data_dir, demo=demo, scale=dict(scale or {}))
        self.services: list[ServiceSandbox] = [self._create(kind) for kind in (kinds or list(SANDBOXES))]
        self._all_created = threading.Event()  # cleared while `create_later` builds more
        self._all_created.set()
        self._builder: threading.Thread | None = None  # the thread that will build them, until it starts
        self._builder_lock = threading.Lock()
        self._build_soon = False
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._live_tasks: list[asyncio.Task[None]] = []
        self._live_started: set[str] = set()  # kinds
        self.app = self._build_app()

    def _create(self, kind: str) -> ServiceSandbox:
        ctx = self.context
        template = _template_path(kind) if ctx.demo and kind in TEMPLATED and not ctx.scale else None
        fresh = not ctx.db_path(kind).exists()
        if template is not None and fresh and template.exists():
            shutil.copyfile(template, ctx.db_path(kind))
        service: ServiceSandbox = import_module(SANDBOXES[kind]).create(ctx)
        if template is not None and fresh and not template.exists():
            _save_template(ctx.db_path(kind), template)
        return service

    # -- the ASGI app -------------------------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        routes: list[BaseRoute] = [Route("/", self._index)]
        for service in self.services:
            routes.extend(service.routes)

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self._start_live()
            adopt = asyncio.create_task(self._adopt_later())
            yield
            adopt.cancel()
            for task in self._live_tasks:
                task.cancel()

        return Starlette(routes=routes, lifespan=lifespan)

    def _start_live(self) -> None:
        """The demo's live activity of every service built so far (once each)."""
        for service in self.services:
            if self.context.demo and service.live and service.kind not in self._live_started:
                self._live_started.add(service.kind)
                self._live_tasks.append(asyncio.create_task(service.live()))

    async def _adopt_later(self) -> None:
        """The live activity of services `create_later` builds, once they are built."""
        while not self._all_created.is_set():
            await asyncio.sleep(0.02)
        self._start_live()

    def create_later(self, kinds: list[str], at_the_latest: float = 1.0) -> None:
        """Build these services in a background thread, at a lower priority, shortly after the services already built
        have answered a first request (or after `at_the_latest` seconds): `servicedeck demo` serves its first pane's
        service first, and the app draws it, with the CPU to themselves. A request for a service not built yet waits
        for it (and starts the building) rather than meet a 404."""
        if not kinds:
            return
        self._all_created.clear()

        def build() -> None:
            lower_this_threads_priority()
            try:
                services = [self._create(kind) for kind in kinds]
                self.app.router.routes.extend(route for service in services for route in service.routes)
                self.services.extend(services)
            finally:
                self._all_created.set()

        self._builder = threading.Thread(target=build, name="sandbox-create", daemon=True)
        timer = threading.Timer(at_the_latest, self._start_building)
        timer.daemon = True
        timer.start()

    def _start_building(self) -> None:
        with self._builder_lock:
            builder, self._builder = self._builder, None
        if builder is not None:
            builder.start()

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app uvicorn serves: Starlette's, behind a wait for the services still being built."""
        if scope["type"] != "lifespan" and not self._all_created.is_set():
            if not any(route.matches(scope)[0] != Match.NONE for route in self.app.router.routes):
                self._start_building()
                while not self._all_created.is_set():
                    await asyncio.sleep(0.01)
        await self.app(scope, receive, send)
        if self._builder is not None and scope["type"] == "http" and not self._build_soon:
            # a first answer went out: build the others a moment later, once the app has drawn it
            self._build_soon = True
            asyncio.get_running_loop().call_later(BUILD_AFTER_FIRST_ANSWER, self._start_building)

    async def _index(self, request: Request) -> JSONResponse:
        return JSONResponse({"servicedeck-sandbox": [s.kind for s in self.services]})

    # -- running -------------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the sandbox is not running")
        return f"http://{self.host}:{self.port}"

    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self._asgi,
            interface="asgi3",  # a bound method, which uvicorn would otherwise take for ASGI2
            host=self.host,
            port=self.port or 0,  # informative only: uvicorn serves the socket bound in _bind
            ws="wsproto",
            log_level="warning",
            lifespan="on",
            access_log=False,
            ws_ping_interval=None,
            timeout_graceful_shutdown=1,
        )

    def _bind(self) -> socket.socket:
        # Created with the TCP protocol number so that asyncio sets TCP_NODELAY on every accepted connection (it checks
        # `sock.proto`); without it, back-to-back requests on one keep-alive connection stall ~40 ms on Nagle's
        # algorithm and delayed ACKs. Set on the listening socket too, which accepted sockets inherit.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            sock.close()
            raise OSError(f"Cannot listen on {self.host}:{self.requested_port}: {exc.strerror}.") from None
        sock.listen(2048)  # connections made before uvicorn takes over wait in the backlog instead of being refused
        self.port = sock.getsockname()[1]
        return sock

    def start(self, timeout: float = 30.0) -> Sandbox:
        """Start serving in a background thread; returns once the port accepts connections."""
        sock = self._bind()
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
        )
        self._thread.start()
        end = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server stopped while starting")
            if time.monotonic() > end:
                raise TimeoutError("the sandbox did not start in time")
            time.sleep(0.01)
        return self

    def serve_forever(
        self, on_listening: Callable[[Sandbox], None] | None = None, sock: socket.socket | None = None
    ) -> None:
        """Serve in the foreground until Ctrl-C or SIGTERM (uvicorn handles them and shuts down cleanly).

        `on_listening` runs once the port is bound (so it knows the port), before requests are served. `sock`: a
        listening socket to serve on instead of binding one."""
        if sock is None:
            sock = self._bind()
        else:
            self.port = sock.getsockname()[1]
        if on_listening is not None:
            on_listening(self)
        self._server = uvicorn.Server(self._config())
        self._server.run(sockets=[sock])
        self._cleanup()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._cleanup()

    def _cleanup(self) -> None:
        for service in self.services:
            if service.close:
                service.close()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------------------------------------------------

    def profile(self) -> Profile:
        """The built-in `sandbox` profile: a connection to every service, secrets in memory only."""
        return sandbox_profile(self.base_url, [s.kind for s in self.services])

    def describe(self) -> list[str]:
        return [s.describe(self.base_url) for s in self.services]


def lower_this_threads_priority() -> None:
    """Background work yields the CPU: the calling thread only (on Linux a thread has a nice value of its own), so the
    services already built answer at full speed meanwhile, and the app starting beside the sandbox is not slowed by
    its seeding. Elsewhere the priority is left as it is (it would lower the whole process)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BUILD_NICENESS)


# -- the demo's content templates --------------------------------------------------------------------------------------


def _template_path(kind: str) -> Path:
    """Where `kind`'s template lives, named after the sources that make its content (a change to them makes another)."""
    folder = Path(__file__).parent / kind
    digest = hashlib.sha256()
    for source in sorted(folder.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return platformdirs.user_cache_path(APP_NAME) / "sandbox-templates" / f"{kind}-{digest.hexdigest()[:16]}.sqlite3"


def _save_template(db_path: Path, template: Path) -> None:
    """A consistent copy of a freshly seeded database (SQLite's backup, so the write-ahead log is in it), written
    under a temporary name and renamed: two demos starting at once never read half a template."""
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
        source, copy = sqlite3.connect(db_path), sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        partial.replace(template)
        kind = template.name.partition("-")[0]
        for older in template.parent.glob(f"{kind}-*.sqlite3"):  # made by sources since changed
            if older != template:
                older.unlink(missing_ok=True)
    except (OSError, sqlite3.Error):
        pass  # no template: the next demo seeds again


# -- a sandbox in a child process --------------------------------------------------------------------------------------


def serve_inherited(sock: socket.socket, options: dict[str, Any]) -> None:
    """A sandbox in a child process (`servicedeck demo`, see `tui.cli.DemoSandbox`) on a listening socket it was
    handed, with `Sandbox`'s options. Serves until SIGTERM, or until stdin closes (the parent went)."""
    first, *later = options["kinds"]
    box = Sandbox(data_dir=Path(options["data_dir"]), demo=options["demo"], kinds=[first])
    gc.enable()  # the parent paused it for its own start-up; this process lives as long as the demo

    def stop_when_the_parent_goes() -> None:
        while os.read(0, 4096):  # empty at end of file: the parent closed the pipe, or ended
            pass
        if box._server is not None:
            box._server.should_exit = True

    threading.Thread(target=stop_when_the_parent_goes, name="parent-watch", daemon=True).start()
    box.serve_forever(lambda running: running.create_later(later), sock=sock)
