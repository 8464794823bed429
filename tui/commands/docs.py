"""`servicedeck docs ls|get|query|download|upload`: Nuxeo documents from a script.

A document is named by its path (`/default-domain/workspaces/x`) or its uid. Listings are streamed page by page.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from tui.commands.common import CommandError, add_profile_option, open_client
from tui.commands.output import Output, Record, add_format_options, narrate
from tui.http import safe_file_name
from tui.services.nuxeo.client import NuxeoClient, slug
from tui.services.nuxeo.models import Document, DocumentPage

PAGE_SIZE = 100
COLUMNS = ("type", "title", "path", "modified")
DETAIL_COLUMNS = ("uid", "path", "type", "title", "state", "modified", "author", "description", "file")
TRANSFER_COLUMNS = ("file", "bytes", "path", "uid")


def doc_record(doc: Document, *, properties: bool = False) -> Record:
    record: Record = {
        "uid": doc.uid,
        "path": doc.path,
        "type": doc.type,
        "title": doc.title,
        "state": doc.state,
        "modified": doc.modified,
        "author": doc.author or None,
        "description": doc.description or None,
        "folderish": doc.is_folderish,
        "children": doc.child_count,
        "file": doc.blob.name if doc.blob else None,
        "file_size": doc.blob.length if doc.blob else None,
        "mime_type": doc.blob.mime_type if doc.blob else None,
    }
    if properties:
        record["facets"] = doc.facets
        record["change_token"] = doc.change_token
        record["properties"] = doc.properties
    return record


async def pages(
    fetch: Callable[[int], Awaitable[DocumentPage]], limit: int | None
) -> AsyncIterator[tuple[list[Document], int]]:
    """Pages from `fetch(page_index)`, one request at a time, up to `limit` documents (None: all); with the total."""
    seen, index = 0, 0
    while True:
        page = await fetch(index)
        batch = page.entries if limit is None else page.entries[: limit - seen]
        seen += len(batch)
        yield batch, page.total_size
        more = page.is_next_page_available or index + 1 < page.number_of_pages
        if not page.entries or not more or (limit is not None and seen >= limit):
            return
        index += 1


async def ls(args: argparse.Namespace) -> int:
    out = Output.for_args(args, COLUMNS)
    async with open_client("nuxeo", args, NuxeoClient) as client:
        parent = await client.get(args.path, schemas="dublincore")
        if not parent.is_folderish:
            raise CommandError(f"{parent.path} is a {parent.type}, not a folder: `docs get` shows it.")
        size = min(args.limit, PAGE_SIZE) if args.limit else PAGE_SIZE
        async for batch, _ in pages(lambda i: client.children(parent.uid, page=i, page_size=size), args.limit):
            out.rows(doc_record(d) for d in batch)
    return 0


async def get(args: argparse.Namespace) -> int:
    out = Output.for_args(args, DETAIL_COLUMNS)
    async with open_client("nuxeo", args, NuxeoClient) as client:
        doc = await client.get(args.ref, enrichers=("children",))
    out.item(doc_record(doc, properties=True))
    return 0


async def query(args: argparse.Namespace) -> int:
    out = Output.for_args(args, COLUMNS)
    limit = None if args.all else args.limit
    total = 0
    async with open_client("nuxeo", args, NuxeoClient) as client:
        size = min(limit, PAGE_SIZE) if limit else PAGE_SIZE
        async for batch, found in pages(lambda i: client.search(args.nxql, page=i, page_size=size), limit):
            out.rows(doc_record(d) for d in batch)
            total = found
    if limit is not None and total > out.count:
        narrate(f"{out.count} of {total:,} documents; --all prints every one.")
    return 0


def download_target(dest: str | None, default_name: str) -> Path:
    if not dest:
        return Path(default_name)
    path = Path(dest).expanduser()
    return path / default_name if path.is_dir() or dest.endswith("/") else path


async def download(args: argparse.Namespace) -> int:
    out = Output.for_args(args, TRANSFER_COLUMNS)
    async with open_client("nuxeo", args, NuxeoClient) as client:
        doc = await client.get(args.ref, schemas="dublincore,file")
        if doc.blob is None:
            raise CommandError(f"{doc.path} has no file to download.")
        # the name comes from the server: never a path of its own, nor control characters
        target = download_target(args.dest, safe_file_name(doc.blob.name, doc.name))
        if target.exists() and not args.force:
            raise CommandError(f"{target} exists: --force replaces it.")
        saved = await client.download(doc.uid, target)
    size = saved.stat().st_size
    out.item({"file": str(saved), "bytes": size, "path": doc.path, "uid": doc.uid})
    narrate(f"Saved {doc.path} to {saved} ({size:,} bytes).")
    return 0


async def upload(args: argparse.Namespace) -> int:
    local = Path(args.file).expanduser()
    if not local.is_file():
        raise CommandError(f"There is no file at {local}.")
    out = Output.for_args(args, DETAIL_COLUMNS)
    async with open_client("nuxeo", args, NuxeoClient) as client:
        target = await client.get(args.ref, schemas="dublincore,file")
        if target.is_folderish:  # into a folder: a new File document holding it, as the app does
            target = await client.create(
                target.uid, type="File", name=slug(local.stem) or "file", properties={"dc:title": local.name}
            )
        elif target.blob is not None and not args.force:
            raise CommandError(f"{target.path} already has a file ({target.blob.name}): --force replaces it.")
        updated = await client.attach(target.uid, local)
    out.item(doc_record(updated))
    narrate(f"Uploaded {local.name} to {updated.path}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = sub.add_parser("docs", help="list, show, search, download and upload Nuxeo documents")
    actions = docs.add_subparsers(dest="action", metavar="ACTION", required=True)

    listed = actions.add_parser("ls", help="the children of a folder")
    listed.add_argument("path", nargs="?", default="/", metavar="PATH|UID")
    listed.add_argument("--limit", type=int, help="at most N children (default: all of them, page by page)")
    listed.set_defaults(handler=ls)

    shown = actions.add_parser("get", help="one document with its properties")
    shown.add_argument("ref", metavar="PATH|UID")
    shown.set_defaults(handler=get)

    searched = actions.add_parser("query", help="an NXQL query (SELECT * FROM Note WHERE …), or words to search for")
    searched.add_argument("nxql", metavar="NXQL")
    searched.add_argument("--limit", type=int, default=100, help="at most N documents (default 100)")
    searched.add_argument("--all", action="store_true", help="every match, page by page")
    searched.set_defaults(handler=query)

    fetched = actions.add_parser("download", help="save a document's main file")
    fetched.add_argument("ref", metavar="PATH|UID")
    fetched.add_argument("dest", nargs="?", metavar="DEST", help="file or folder (default: the file's name, here)")
    fetched.add_argument("--force", action="store_true", help="replace DEST if it exists")
    fetched.set_defaults(handler=download)

    sent = actions.add_parser("upload", help="attach a local file to a document, or add it to a folder as a File")
    sent.add_argument("file", metavar="FILE")
    sent.add_argument("ref", metavar="PATH|UID")
    sent.add_argument("--force", action="store_true", help="replace the document's file if it has one")
    sent.set_defaults(handler=upload)

    for parser in (listed, shown, searched, fetched, sent):
        add_profile_option(parser)
        add_format_options(parser)
