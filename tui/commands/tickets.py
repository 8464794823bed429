"""`servicedeck tickets search|show|update|reply`: Cerb tickets from a script.

A ticket is named by its mask (`ABC-12345-678`) or its id. `search --all` streams every page: one page of tickets is
in memory at a time, and each is printed before the next is asked for.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

from tui.commands.common import CommandError, add_profile_option, open_client, read_file_or_stdin
from tui.commands.output import Output, Record, add_format_options, iso_time, narrate
from tui.services.cerb.client import CerbClient
from tui.services.cerb.models import STATUS_IDS, Bucket, Comment, Conversation, Message, Ticket, Worker

PAGE_SIZE = 250  # tickets per request when streaming
COLUMNS = ("mask", "status", "subject", "owner", "group", "bucket", "updated")
DETAIL_COLUMNS = (
    "id", "mask", "subject", "status", "importance", "owner", "group", "bucket", "org", "messages", "created",
    "updated", "url",
)  # fmt: skip
NOBODY = ("nobody", "none", "unassigned", "-")


def ticket_record(ticket: Ticket) -> Record:
    return {
        "id": ticket.id,
        "mask": ticket.mask,
        "subject": ticket.subject,
        "status": ticket.status,
        "importance": ticket.importance,
        "owner": ticket.owner_name or None,
        "owner_id": ticket.owner_id or None,
        "group": ticket.group_name,
        "group_id": ticket.group_id,
        "bucket": ticket.bucket_name,
        "bucket_id": ticket.bucket_id,
        "org": ticket.org_name or None,
        "messages": ticket.num_messages,
        "created": iso_time(ticket.created),
        "updated": iso_time(ticket.updated),
        "closed": iso_time(ticket.closed),
        "url": ticket.url or None,
    }


def entry_record(entry: Message | Comment) -> Record:
    if isinstance(entry, Message):
        return {
            "type": "message",
            "id": entry.id,
            "from": entry.sender,
            "email": entry.sender_email,
            "created": iso_time(entry.created),
            "outgoing": entry.is_outgoing,
            "content": entry.content,
        }
    return {
        "type": "comment",
        "id": entry.id,
        "from": entry.author,
        "created": iso_time(entry.created),
        "content": entry.text,
    }


def conversation_text(conversation: Conversation) -> str:
    """The conversation as a person reads it under the ticket's fields."""
    blocks = []
    for entry in conversation.entries:
        record = entry_record(entry)
        who = record["from"] + (f" <{record['email']}>" if record.get("email") else "")
        blocks.append(f"── {record['created']}  {who}  ({record['type']})\n{str(record['content']).rstrip()}")
    return "\n\n".join(blocks)


# -- finding things by what a person types ---------------------------------------------------------------------------


async def find_ticket(client: CerbClient, mask_or_id: str) -> Ticket:
    text = mask_or_id.strip().lstrip("#")
    if text.isdigit():
        return await client.get_ticket(int(text))
    if not text or '"' in text or "*" in text:
        raise CommandError(f"{mask_or_id!r} is neither a ticket mask nor an id.")
    page = await client.search_tickets(f'mask:"{text}"', limit=5, sort="id", ascending=True)
    for ticket in page.tickets:
        if ticket.mask.upper() == text.upper():
            return ticket
    raise CommandError(f"There is no ticket with the mask {text}.")


def match_worker(workers: list[Worker], who: str) -> Worker:
    wanted = who.strip().lower()
    for test in (
        lambda w: str(w.id) == wanted,
        lambda w: w.email.lower() == wanted,
        lambda w: w.name.lower() == wanted,
        lambda w: w.first_name.lower() == wanted,
    ):
        found = [w for w in workers if test(w)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise CommandError(f"{who!r} names {len(found)} workers; give an id or an email address.")
    raise CommandError(f"No worker is called {who!r} (give an id, an email address or a name).")


async def owner_id(client: CerbClient, who: str) -> int:
    if who.strip().lower() in NOBODY:
        return 0
    if who.strip().lower() == "me":
        return (await client.me()).id
    return match_worker(await client.workers(), who).id


async def find_bucket(client: CerbClient, name: str) -> Bucket:
    """A bucket by id, by name, or as `Group/Bucket`."""
    buckets = await client.buckets()
    if name.strip().isdigit():
        found = [b for b in buckets if b.id == int(name)]
    else:
        group_name, _, bucket_name = name.rpartition("/")
        found = [b for b in buckets if b.name.lower() == bucket_name.strip().lower()]
        if group_name:
            groups = {g.id: g.name.lower() for g in await client.groups()}
            found = [b for b in found if groups.get(b.group_id) == group_name.strip().lower()]
    if len(found) == 1:
        return found[0]
    if found:
        raise CommandError(f"{len(found)} buckets are called {name!r}: name it as Group/Bucket, or by its id.")
    raise CommandError(f"There is no bucket {name!r} (give an id, a name, or Group/Bucket).")


# -- the commands ----------------------------------------------------------------------------------------------------


async def search_pages(
    client: CerbClient, query: str, *, limit: int | None, sort: str, ascending: bool
) -> AsyncIterator[tuple[list[Ticket], int]]:
    """Pages of matching tickets, asked for one at a time, up to `limit` tickets (None: all); with the total."""
    size = min(limit, PAGE_SIZE) if limit else PAGE_SIZE
    seen = 0
    async for result in client.ticket_pages(query, limit=size, sort=sort, ascending=ascending):
        batch = result.tickets if limit is None else result.tickets[: limit - seen]
        seen += len(batch)
        yield batch, result.total
        if limit is not None and seen >= limit:
            return


async def search(args: argparse.Namespace) -> int:
    out = Output.for_args(args, COLUMNS)
    limit = None if args.all else args.limit
    total = 0
    async with open_client("cerb", args, CerbClient) as client:
        async for batch, found in search_pages(
            client, args.query, limit=limit, sort=args.sort, ascending=args.ascending
        ):
            out.rows(ticket_record(t) for t in batch)
            total = found
    if limit is not None and total > out.count:
        narrate(f"{out.count} of {total:,} tickets; --all prints every one, --limit N more of them.")
    return 0


async def show(args: argparse.Namespace) -> int:
    out = Output.for_args(args, DETAIL_COLUMNS)
    async with open_client("cerb", args, CerbClient) as client:
        ticket = await find_ticket(client, args.ticket)
        conversation = await client.conversation(ticket.id)
    record = ticket_record(conversation.ticket)
    record["conversation"] = [entry_record(e) for e in conversation.entries]
    out.item(record, conversation_text(conversation))
    return 0


async def update(args: argparse.Namespace) -> int:
    if args.status is None and args.owner is None and args.bucket is None:
        raise CommandError("Say what to change: --status, --owner and/or --bucket.")
    out = Output.for_args(args, DETAIL_COLUMNS)
    async with open_client("cerb", args, CerbClient) as client:
        ticket = await find_ticket(client, args.ticket)
        owner = None if args.owner is None else await owner_id(client, args.owner)
        bucket = None if args.bucket is None else await find_bucket(client, args.bucket)
        updated = await client.update_ticket(
            ticket.id,
            status=args.status,
            owner_id=owner,
            group_id=bucket.group_id if bucket else None,
            bucket_id=bucket.id if bucket else None,
        )
    out.item(ticket_record(updated))
    narrate(f"Updated {updated.mask or updated.id}.")
    return 0


async def reply(args: argparse.Namespace) -> int:
    content = read_file_or_stdin(args.file, "reply")
    if not content.strip():
        raise CommandError("The reply is empty: nothing was sent.")
    out = Output.for_args(args, DETAIL_COLUMNS)
    async with open_client("cerb", args, CerbClient) as client:
        ticket = await find_ticket(client, args.ticket)
        if not ticket.latest_message_id:
            raise CommandError(f"Ticket {ticket.mask or ticket.id} has no message to reply to.")
        replied = await client.reply(ticket, content, status=args.status)
    out.item(ticket_record(replied))
    narrate(f"Replied to {replied.mask or replied.id}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tickets = sub.add_parser("tickets", help="search, show, update and reply to Cerb tickets")
    actions = tickets.add_subparsers(dest="action", metavar="ACTION", required=True)

    found = actions.add_parser("search", help="tickets matching Cerb's query language (status:o group.id:2 …)")
    found.add_argument("query", nargs="?", default="", help="a Cerb search, e.g. 'status:o subject:\"*refund*\"'")
    found.add_argument("--limit", type=int, default=50, help="at most N tickets (default 50)")
    found.add_argument("--all", action="store_true", help="every match, page by page")
    found.add_argument("--sort", default="updated", help="field to sort by (default updated, newest first)")
    found.add_argument("--ascending", action="store_true", help="oldest / smallest first")
    found.set_defaults(handler=search)

    shown = actions.add_parser("show", help="a ticket with its conversation (messages and comments)")
    shown.add_argument("ticket", metavar="MASK|ID")
    shown.set_defaults(handler=show)

    changed = actions.add_parser("update", help="change a ticket's status, owner or bucket")
    changed.add_argument("ticket", metavar="MASK|ID")
    changed.add_argument("--status", choices=list(STATUS_IDS), help="open, waiting, closed or deleted")
    changed.add_argument("--owner", help="worker id, email or name; 'me'; 'nobody' to unassign")
    changed.add_argument("--bucket", help="bucket id, name, or Group/Bucket (moves the ticket to its group)")
    changed.set_defaults(handler=update)

    replied = actions.add_parser("reply", help="reply to a ticket's latest message")
    replied.add_argument("ticket", metavar="MASK|ID")
    replied.add_argument(
        "--file", "-f", required=True, metavar="F", help="the reply's text from a file, or - for stdin"
    )
    replied.add_argument("--status", choices=list(STATUS_IDS), help="also set the status")
    replied.set_defaults(handler=reply)

    for parser in (found, shown, changed, replied):
        add_profile_option(parser)
        add_format_options(parser)
