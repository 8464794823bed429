"""`servicedeck queues publish|workitems push|pop` and `servicedeck tail`: OpenIAP queues from a script."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tui.commands.common import CommandError, add_profile_option, load_profile, open_client, read_text
from tui.commands.output import Output, Record, add_format_options, iso_time, narrate

if TYPE_CHECKING:  # the OpenIAP client (protobuf) loads only when a queue command runs, not for every command line
    from tui.services.openiap.models import QueueMessage, Workitem

MESSAGE_COLUMNS = ("queue", "correlation_id", "data")
WORKITEM_COLUMNS = ("id", "name", "state", "wiq", "priority", "retries", "payload")


def json_argument(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"The {what} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None


def message_record(message: QueueMessage) -> Record:
    return {
        "queue": message.queuename,
        "correlation_id": message.correlation_id,
        "replyto": message.replyto,
        "data": message.data,
    }


def workitem_record(item: Workitem) -> Record:
    return {
        "id": item.id,
        "name": item.name,
        "state": item.state,
        "wiq": item.wiq,
        "priority": item.priority,
        "retries": item.retries,
        "payload": item.payload,
        "errormessage": item.errormessage or None,
        "nextrun": iso_time(item.nextrun),
        "lastrun": iso_time(item.lastrun),
    }


async def publish(args: argparse.Namespace) -> int:
    from tui.services.openiap.client import OpenIAPClient

    data = json_argument(read_text(args.json, "message"), "message")
    out = Output.for_args(args, MESSAGE_COLUMNS)
    async with open_client("openiap", args, OpenIAPClient) as client:
        if args.wait_reply:
            reply = await client.rpc(args.queue, data, timeout=args.timeout)
            out.item(message_record(reply))
            return 0
        await client.queue_message(args.queue, data, correlation_id=args.correlation_id or "")
    narrate(f"Sent to {args.queue}.")
    return 0


async def push(args: argparse.Namespace) -> int:
    from tui.services.openiap.client import OpenIAPClient

    payload = json_argument(read_text(args.payload, "payload"), "payload")
    out = Output.for_args(args, WORKITEM_COLUMNS)
    async with open_client("openiap", args, OpenIAPClient) as client:
        item = await client.push_workitem(args.wiq, args.name, payload, priority=args.priority)
    out.item(workitem_record(item))
    narrate(f"Pushed work item {item.id} to {args.wiq}.")
    return 0


async def pop(args: argparse.Namespace) -> int:
    from tui.services.openiap.client import OpenIAPClient

    out = Output.for_args(args, WORKITEM_COLUMNS)
    async with open_client("openiap", args, OpenIAPClient) as client:
        item = await client.pop_workitem(args.wiq)
    if item is None:
        narrate(f"No work item is waiting in {args.wiq}.")
        return 0
    out.item(workitem_record(item))
    return 0


async def tail(args: argparse.Namespace) -> int:
    from tui.services.openiap.tail import run_tail

    profile = load_profile(getattr(args, "profile", None))
    conn = profile.connection("openiap")
    if conn is None:
        raise CommandError(f"Profile {profile.name!r} has no openiap connection.")
    return await run_tail(conn, conn.resolve_secret(profile.name), args.queue, sys.stdout, sys.stderr)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    queues = sub.add_parser("queues", help="publish to OpenIAP queues, push and pop work items")
    actions = queues.add_subparsers(dest="action", metavar="ACTION", required=True)

    sent = actions.add_parser("publish", help="send a JSON message to a queue")
    sent.add_argument("queue", metavar="QUEUE")
    sent.add_argument("json", metavar="JSON|-", help="the message, or - to read it from stdin")
    sent.add_argument("--wait-reply", action="store_true", help="wait for the reply and print it")
    sent.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for the reply (default 15)")
    sent.add_argument("--correlation-id", help="the message's correlationId")
    sent.set_defaults(handler=publish)

    workitems = actions.add_parser("workitems", help="push or pop work items")
    items = workitems.add_subparsers(dest="workitems_action", metavar="ACTION", required=True)
    pushed = items.add_parser("push", help="add a work item to a work item queue")
    pushed.add_argument("wiq", metavar="WIQ")
    pushed.add_argument("--name", default="item", help="the work item's name (default 'item')")
    pushed.add_argument("--payload", default="{}", metavar="JSON|-", help="its payload (default {})")
    pushed.add_argument("--priority", type=int, default=2, help="priority (default 2)")
    pushed.set_defaults(handler=push)
    popped = items.add_parser("pop", help="take the next work item (prints nothing when none is waiting)")
    popped.add_argument("wiq", metavar="WIQ")
    popped.set_defaults(handler=pop)

    for parser in (sent, pushed, popped):
        add_profile_option(parser)
        add_format_options(parser)

    tailed = sub.add_parser("tail", help="print the messages of an OpenIAP queue as JSON lines, until Ctrl-C")
    tailed.add_argument("queue", metavar="QUEUE")
    add_profile_option(tailed)
    tailed.set_defaults(handler=tail)
