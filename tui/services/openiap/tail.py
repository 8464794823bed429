"""`servicedeck tail QUEUE`: print every message of a queue as one JSON line, until Ctrl-C.

Headless: no Textual. Reconnects are handled by the client (and reported on stderr); a refused sign-in or an
unreachable server ends the command with a one-line reason on stderr and a non-zero exit code.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, TextIO

from tui.http import AuthError, ServiceError
from tui.profiles import Connection
from tui.services.openiap.client import OpenIAPClient, QueueMessage

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_AUTH = 2


def message_line(message: QueueMessage) -> str:
    record: dict[str, Any] = {
        "queue": message.queuename,
        "seq": message.seq,
        "received_at": round(message.received_at, 6),
        "correlation_id": message.correlation_id,
        "replyto": message.replyto,
        "data": message.data,
    }
    return json.dumps(record, ensure_ascii=False, default=str)


async def run_tail(
    connection: Connection, secret: str, queue: str, out: TextIO, err: TextIO, *, client: OpenIAPClient | None = None
) -> int:
    """Tail `queue` (an empty name makes a temporary queue) on `out`; returns the exit code."""
    client = client or OpenIAPClient.from_connection(connection, secret)

    def on_state(state: str, detail: str) -> None:
        if state in ("reconnecting", "disconnected") and detail:
            err.write(f"{detail}\n")
            err.flush()
        elif state == "connected" and client.reconnects:
            err.write("Reconnected.\n")
            err.flush()

    def unsubscribe() -> None:
        pass

    try:
        await client.connect()
        subscription = await client.register_queue(queue)
        unsubscribe = client.on_state(on_state)
        if not queue:
            err.write(f"Listening on temporary queue {subscription.queuename}\n")
            err.flush()
        async for message in subscription:
            out.write(message_line(message) + "\n")
            out.flush()
        return EXIT_OK
    except AuthError as exc:
        err.write(f"{exc.message}\n")
        return EXIT_AUTH
    except ServiceError as exc:
        err.write(f"{exc.message}\n")
        return EXIT_FAILED
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Ctrl-C: asyncio.run cancels this task; stopping here is the normal way out
        return EXIT_OK
    except BrokenPipeError:
        return EXIT_OK  # `servicedeck tail q | head` closed its end
    finally:
        unsubscribe()  # our own close is not news for stderr
        await asyncio.shield(client.aclose())
