"""The first pane's first answers, fetched by a helper process while the app starts.

Start-up is CPU work from the first instruction to the first frame, on one core. The helper is forked before Textual is
imported and runs on the other core: it imports the HTTP stack and the service's client, sends the requests of the
pane's first screen (the registry's `first_screen`) with the real client, and hands back the answers, or the
`ServiceError`, with the exchanges it recorded (redacted there, as every exchange is). Meanwhile this process imports
Textual and builds the screen; it imports httpx only when the pane makes its next request.

Whatever goes wrong with the helper itself (no `fork` on this system, the helper killed, an answer that cannot be read
back) only means the pane asks itself, as it does without a helper. What goes wrong with the server is the client's
`ServiceError`, raised here as the client would have raised it: the pane reports it (and, when the server cannot be
reached, probes until it answers) without asking a slow server a second time.

Nothing here imports Textual or httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from tui.http.errors import ServiceError
from tui.services import SERVICES, ServiceKind

if TYPE_CHECKING:
    from tui.http.exchanges import Exchange, ExchangeLog
    from tui.profiles import Connection, Profile

FirstScreen = Callable[[Any], Awaitable[Any]]
# Seconds the app waits for the helper before asking itself: longer than the client ever takes to answer or fail (its
# deadline per exchange, its retries), so only a helper that is stuck for good is given up on.
PATIENCE = 120.0


class HelperLost(Exception):
    """The helper ended without an answer this process can use."""


@dataclass
class Outcome:
    """What the helper sends back: the answers or the error, and the exchanges behind them."""

    answers: Any = None
    error: ServiceError | None = None
    exchanges: list[Exchange] = field(default_factory=list)


class FirstAnswers:
    """A helper process fetching the first screen of the `kind` pane; `answers()` awaits what it found.

    Use it as a context manager (or call `close()`): a helper still running when the app ends is stopped."""

    def __init__(self, kind: str = "", pid: int = 0, fd: int = -1):
        self.kind = kind  # "" when no helper was started
        self.pid = pid
        self._fd = fd
        self._received: asyncio.Future[bytes] | None = None
        self.patience = PATIENCE

    @classmethod
    def start(cls, profile: Profile | None, kind: str) -> FirstAnswers:
        """Fork a helper for the first screen of `kind` with the profile's connection, when that can help: the pane
        has first requests, the system can fork, and the secret is at hand without asking anyone (an OS keyring may
        prompt, and should do so once, in the app's process)."""
        service = SERVICES.get(kind)
        connection = profile.connection(kind) if profile is not None else None
        fetch = service.first_screen() if service is not None else None
        if (
            profile is None
            or service is None
            or connection is None
            or fetch is None
            or connection.secret_source == "keyring"
            or not hasattr(os, "fork")
        ):
            return cls()
        try:
            secret = connection.resolve_secret(profile.name)
        except Exception:  # the pane says why, when it builds its client
            return cls()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _helper(write_end, service, fetch, connection, secret)  # never returns
        os.close(write_end)
        return cls(kind, pid, read_end)

    @property
    def started(self) -> bool:
        """A helper was forked (it may have answered and ended since)."""
        return bool(self.kind)

    async def answers(self, client: Any, exchange_log: ExchangeLog | None, fetch: FirstScreen) -> Any:
        """The helper's answers for the pane (its exchanges added to `exchange_log`); the helper's `ServiceError` is
        raised here. When the helper is lost, `fetch(client)` asks from here."""
        try:
            outcome = await self._outcome()
        except HelperLost:
            return await fetch(client)
        if exchange_log is not None:
            exchange_log.adopt(outcome.exchanges)
        if outcome.error is not None:
            raise outcome.error
        return outcome.answers

    async def _outcome(self) -> Outcome:
        if self._received is None and self._fd < 0:
            raise HelperLost("no helper was started, or it was closed")
        if self._received is None:
            self._received = self._read()
        try:
            data = await asyncio.wait_for(self._received, self.patience)
        except TimeoutError:
            self.close()
            raise HelperLost("the helper did not answer in time") from None
        try:  # pickle is safe here: the bytes come from this program's own child, through a pipe only the two share
            outcome = pickle.loads(data)
        except Exception:  # nothing written (the helper died), or cut short: no use
            raise HelperLost("the helper's answer could not be read") from None
        if not isinstance(outcome, Outcome):
            raise HelperLost("the helper answered something else")
        return outcome

    def _read(self) -> asyncio.Future[bytes]:
        """Everything the helper writes, until it closes its end (it ends then), read as it comes without blocking."""
        loop = asyncio.get_running_loop()
        received: asyncio.Future[bytes] = loop.create_future()
        chunks: list[bytes] = []
        fd = self._fd
        os.set_blocking(fd, False)

        def readable() -> None:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if chunk:
                chunks.append(chunk)
                return
            loop.remove_reader(fd)
            self._reap()  # its end closes as it exits: waiting is a matter of microseconds
            if not received.done():
                received.set_result(b"".join(chunks))

        loop.add_reader(fd, readable)
        return received

    def close(self) -> None:
        """Stop the helper if it still runs, and release the pipe."""
        if self._fd >= 0:
            with contextlib.suppress(Exception):  # no running loop, or the reader was never added
                asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1
        if self._received is not None and not self._received.done():
            self._received.cancel()
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        if self.pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0

    def __enter__(self) -> FirstAnswers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _helper(write_end: int, service: ServiceKind, fetch: FirstScreen, connection: Connection, secret: str) -> NoReturn:
    """The helper process: fetch, send the outcome, end. Never the parent's code on the way out."""
    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)  # not the app's handlers: a signal simply ends the helper
        signal.set_wakeup_fd(-1)
        asyncio._set_running_loop(None)  # forked from inside a running loop (a test), the loop is the parent's
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the app owns the terminal
            os.dup2(quiet, fd)
        # the parent's other files (a demo sandbox's pipe, sockets) are none of the helper's business
        os.closerange(3, write_end)
        os.closerange(write_end + 1, 1 << 16)
        outcome = asyncio.run(_fetch(service, fetch, connection, secret))
        data = pickle.dumps(outcome)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
    finally:
        os._exit(0)


async def _fetch(service: ServiceKind, fetch: FirstScreen, connection: Connection, secret: str) -> Outcome:
    from tui.http.exchanges import ExchangeLog

    log = ExchangeLog()
    client = service.client_class().from_connection(connection, secret, exchange_log=log)
    outcome = Outcome()
    try:
        outcome.answers = await fetch(client)
    except ServiceError as exc:
        outcome.error = exc
    finally:
        await client.aclose()
    outcome.exchanges = log.entries
    return outcome
