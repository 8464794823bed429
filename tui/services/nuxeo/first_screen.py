"""What the Documents pane shows first: the repository's root and the first page of its children.

Free of Textual on purpose: as the app starts, a helper process can fetch it while this one draws (`tui.first_answers`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.services.nuxeo.client import NuxeoClient
    from tui.services.nuxeo.models import Document, DocumentPage

PAGE_SIZE = 100  # documents in one page of a folder in the tree


async def root_and_first_page(client: NuxeoClient) -> tuple[Document, DocumentPage]:
    root, first = await asyncio.gather(
        client.get("/", schemas="dublincore", enrichers=("children",)),
        client.children("/", page=0, page_size=PAGE_SIZE),
    )
    return root, first
