"""Pages and sort orders of document listings: the REST and Automation parameters turned into SQL."""

from __future__ import annotations

import re

from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.nxql import COLUMNS, json_path

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def paging(page_index: int, page_size: int) -> tuple[int, int, int]:
    """-> (page index, page size, SQL offset); page size 0 means "as many as allowed"."""
    if page_index < 0:
        raise NuxeoHTTPError(400, "currentPageIndex must not be negative")
    if page_size <= 0 or page_size > MAX_PAGE_SIZE:
        page_size = MAX_PAGE_SIZE
    return page_index, page_size, page_index * page_size


def sort_items(sort_by: str | None, sort_order: str | None) -> list[str]:
    """`sortBy=dc:title,dc:modified&sortOrder=asc,desc` -> SQL ORDER BY items (only "asc" means ascending)."""
    if not sort_by:
        return []
    orders = [o.strip().lower() for o in (sort_order or "").split(",")]
    items = []
    for i, prop in enumerate(p.strip() for p in sort_by.split(",") if p.strip()):
        direction = "ASC" if i < len(orders) and orders[i] == "asc" else "DESC"
        if prop == "ecm:pos":  # a position only in an ordered folder; elsewhere Nuxeo's ecm:pos is null
            column = "(CASE WHEN parent_uid IN (SELECT uid FROM documents WHERE type = 'OrderedFolder') THEN pos END)"
        elif prop in COLUMNS:
            column = COLUMNS[prop] + (" COLLATE NOCASE" if prop == "dc:title" else "")
        elif re.fullmatch(r"[A-Za-z]+:[\w/.\-]+", prop):
            column = "json_extract(properties, '" + json_path(prop).replace("'", "") + "')"
        else:
            raise NuxeoHTTPError(400, f"Cannot sort by {prop!r}")
        items.append(f"{column} {direction}")
    return items
