"""`servicedeck activity timeline|post`: the MAX activity stream from a script."""

from __future__ import annotations

import argparse

from tui.commands.common import CommandError, add_profile_option, open_client, read_text
from tui.commands.output import Output, Record, add_format_options, iso_time, narrate
from tui.services.max.client import MaxClient
from tui.services.max.models import Activity

PAGE_SIZE = 100  # activities per request; older pages are asked for with `before` the last one seen
COLUMNS = ("published", "actor", "content", "comments", "likes")


def activity_record(activity: Activity) -> Record:
    return {
        "id": activity.id,
        "actor": activity.actor.username,
        "actor_name": activity.actor.display_name or None,
        "published": iso_time(activity.published),
        "verb": activity.verb,
        "type": activity.object_type,
        "content": activity.content,
        "contexts": [c.url for c in activity.contexts],
        "comments": activity.comments_count,
        "likes": activity.likes_count,
        "liked": activity.liked,
    }


async def timeline(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CommandError("--limit takes a number of activities, 1 or more.")
    out = Output.for_args(args, COLUMNS)
    async with open_client("max", args, MaxClient) as client:
        before: str | None = None
        while out.count < args.limit:
            size = min(PAGE_SIZE, args.limit - out.count)
            page = await client.timeline(args.user or "", limit=size, before=before)
            out.rows(activity_record(a) for a in page)
            if len(page) < size or not page[-1].id or page[-1].id == before:
                break
            before = page[-1].id
    return 0


async def post(args: argparse.Namespace) -> int:
    content = read_text(args.text, "post")
    if not content.strip():
        raise CommandError("The post is empty: nothing was sent.")
    out = Output.for_args(args, COLUMNS)
    async with open_client("max", args, MaxClient) as client:
        activity = await client.post(content, context=args.context or "")
    out.item(activity_record(activity))
    narrate("Posted." if activity.created else "MAX already had this post: it was not posted twice.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    activity = sub.add_parser("activity", help="read the MAX activity stream, post to it")
    actions = activity.add_subparsers(dest="action", metavar="ACTION", required=True)

    read = actions.add_parser("timeline", help="a timeline, newest first")
    read.add_argument("--user", "-u", help="whose timeline (default: the signed-in user's)")
    read.add_argument("--limit", type=int, default=20, help="at most N activities (default 20)")
    read.set_defaults(handler=timeline)

    write = actions.add_parser("post", help="post a note")
    write.add_argument("text", metavar="TEXT|-", help="what to post, or - to read it from stdin")
    write.add_argument("--context", help="post in this context (its URL or hash)")
    write.set_defaults(handler=post)

    for parser in (read, write):
        add_profile_option(parser)
        add_format_options(parser)
