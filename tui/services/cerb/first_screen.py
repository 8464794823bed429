"""What the Tickets pane shows first: the first page of open tickets, the last updated first; and the searches the
pane's filters stand for.

Free of Textual on purpose: as the app starts, a helper process can fetch the first page while this one draws
(`tui.first_answers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.services.cerb.client import CerbClient
    from tui.services.cerb.models import TicketPage

# name, label, query ("mine" is filled in with the signed-in worker's id)
FILTERS: list[tuple[str, str, str]] = [
    ("open", "Open", "status:o"),
    ("waiting", "Waiting", "status:w"),
    ("closed", "Closed", "status:c"),
    ("all", "All", ""),
    ("mine", "Mine", "owner.id:{me}"),
    ("unassigned", "Unassigned", "owner.id:0"),
]
FILTER_QUERIES = {name: query for name, _, query in FILTERS}
PAGE_SIZE = 50  # tickets in one page of the table
TABLE_EXPAND = ("group_", "bucket_", "owner_")  # what the columns show; the ticket view fetches the rest
# the pane's first search: filter, sort key, ascending
FIRST_SEARCH = ("open", "updated", False)


async def first_page(client: CerbClient) -> TicketPage:
    filter_name, sort_key, ascending = FIRST_SEARCH
    return await client.search_tickets(
        FILTER_QUERIES[filter_name], page=1, limit=PAGE_SIZE, sort=sort_key, ascending=ascending, expand=TABLE_EXPAND
    )
