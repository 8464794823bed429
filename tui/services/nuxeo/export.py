"""Exporting the Documents search: every page of the current search, fetched one page at a time as the file is
written, each document as the client's typed record (without its raw JSON, which would double every row)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.models import Document
from tui.widgets.export_source import ExportSource

EXPORT_PAGE_SIZE = 200


def document_row(doc: Document) -> dict[str, Any]:
    row = asdict(doc)
    del row["raw"]
    return row


def search_export(client: NuxeoClient, query: str, total: int | None) -> ExportSource:
    """All the results of `query` (words or NXQL, as the search dialog ran it), page after page."""

    async def rows() -> AsyncIterator[dict[str, Any]]:
        number = 0
        while True:
            page = await client.search(query, page=number, page_size=EXPORT_PAGE_SIZE)
            for doc in page.entries:
                yield document_row(doc)
            if not page.entries or not page.is_next_page_available:
                return
            number += 1

    return ExportSource("search results", rows, total)
