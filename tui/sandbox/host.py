"""The embedded sandbox: every service's faithful server on one loopback port, backed by SQLite.

`Sandbox` runs uvicorn in a background thread with its own event loop, so the app (or a test, or an official client
library) talks to it over real sockets exactly as it would to a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from tui.profiles import Profile, sandbox_profile

# kind -> the module with `create(ctx: SandboxContext) -> ServiceSandbox`; the kinds match `tui.services.SERVICES`
SANDBOXES = {
    "nuxeo": "tui.sandbox.nuxeo.server",
    "cerb": "tui.sandbox.cerb.server",
    "max": "tui.sandbox.max.server",
    "openiap": "tui.sandbox.openiap.server",
}


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
        self.services: list[ServiceSandbox] = [
            import_module(SANDBOXES[kind]).create(self.context) for kind in (kinds or list(SANDBOXES))
        ]
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._live_tasks: list[asyncio.Task[None]] = []
        self.app = self._build_app()

    # -- the ASGI app -------------------------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        routes: list[BaseRoute] = [Route("/", self._index)]
        for service in self.services:
            routes.extend(service.routes)

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            if self.context.demo:
                self._live_tasks = [asyncio.create_task(s.live()) for s in self.services if s.live]
            yield
            for task in self._live_tasks:
                task.cancel()

        return Starlette(routes=routes, lifespan=lifespan)

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
            self.app,
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

    def serve_forever(self, on_listening: Callable[[Sandbox], None] | None = None) -> None:
        """Serve in the foreground until Ctrl-C (uvicorn handles the signal and shuts down cleanly).

        `on_listening` runs once the port is bound (so it knows the port), before requests are served."""
        sock = self._bind()
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
