"""Documents pane: a folder's first page on screen, and the app's memory after paging the 10,000-document folder.

Reference for the page: a minimal Textual app written here, a stock `Tree` that fetches the same page with the same
client (`NuxeoClient.children`, 100 documents) and adds one leaf per document. Both apps run in this process, in
alternating blocks; the sandbox runs in its own process.

Memory is measured in a process of its own (`python -m tests.perf.bench_nuxeo memory ...`) that runs only the app, so
no other benchmark, reference or official client is counted in it; the reference app's memory for the same 10,000
documents is measured the same way.

Run: `python -m tests.perf nuxeo`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.perf.common import ROOT, SandboxProcess, isolate_home, report, rss_mb
from tests.perf.frames import SIZE, Frames, until

BLOCKS = int(os.environ.get("NUXEO_BLOCKS", "4"))
PER_BLOCK = 3
PAGE = 100


def _profile(base_url: str) -> Any:
    from tui.profiles import SANDBOX_PROFILE, Connection, Profile

    connection = Connection(
        kind="nuxeo", url=base_url + "/nuxeo", username="Administrator", secret="Administrator", secret_source="memory"
    )
    return Profile(name=SANDBOX_PROFILE, connections={"nuxeo": connection}, builtin=True)


def _app(base_url: str) -> Any:
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog

    home = Path(tempfile.mkdtemp(prefix="bench-nuxeo-app-"))
    return ServiceDeckApp(
        _profile(base_url), drafts=DraftStore(home / "drafts"), exchange_log=ExchangeLog(), initial_pane="nuxeo"
    )


def _client(base_url: str) -> Any:
    from tui.services.nuxeo.client import NuxeoClient

    return NuxeoClient(base_url + "/nuxeo", "Administrator", "Administrator")


async def big_folder(base_url: str) -> tuple[str, str, int]:
    async with _client(base_url) as client:
        best = ("", "", -1)
        for ref in ("/default-domain/workspaces", "/default-domain"):
            for doc in (await client.children(ref)).entries:
                if doc.is_folderish and (doc.child_count or 0) > best[2]:
                    best = (doc.path, doc.uid, doc.child_count or 0)
        return best


# -- the minimal reference: a stock Tree ---------------------------------------------------------------------------


def reference_app(base_url: str, uid: str, frames: Frames) -> Any:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Tree

    class TreeReference(App[None]):
        def compose(self) -> ComposeResult:
            yield Tree("Archive")
            yield Footer()

        async def on_mount(self) -> None:
            self.client = _client(base_url)
            await self.client.children(uid, page=0, page_size=PAGE)  # warm the connection, as the pane's is

        async def open_first_page(self) -> None:
            page = await self.client.children(uid, page=0, page_size=PAGE)
            tree = self.query_one(Tree)
            tree.clear()
            for doc in page.entries:
                tree.root.add_leaf(doc.title or doc.name)
            tree.root.expand()
            frames.mark()

        async def load_all(self) -> int:
            tree = self.query_one(Tree)
            tree.clear()
            number = 0
            while True:
                page = await self.client.children(uid, page=number, page_size=PAGE)
                for doc in page.entries:
                    tree.root.add_leaf(doc.title or doc.name)
                number += 1
                if not page.entries or not page.is_next_page_available:
                    break
            tree.root.expand()
            return len(tree.root.children)

    return TreeReference()


def clean_heap() -> None:
    """Each block starts from a collected, frozen heap, as the app's own start-up leaves it (`gc.freeze()` once its
    first data is on screen): otherwise the garbage of the blocks before, left for a full collection, makes one land in
    a timing now and then, 40-110 ms long and growing block after block, most often in whichever app allocates more."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def reference_block(base_url: str, uid: str, frames: Frames, times: list[float]) -> None:
    clean_heap()
    app = reference_app(base_url, uid, frames)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: hasattr(app, "client"))
        await pilot.pause(0.2)
        for _ in range(PER_BLOCK):
            times.append(await frames.timed(pilot, app.open_first_page))
            await pilot.pause(0.1)
        await app.client.aclose()


# -- the Documents pane ----------------------------------------------------------------------------------------------


async def open_big_folder(app: Any, pilot: Any, path: str) -> Any:
    from tui.services.nuxeo.pane import DocumentsPane

    pane = app.query_one(DocumentsPane)
    await until(lambda: pane.root_loaded)
    pane.reveal(path)  # a worker
    tree = pane.document_tree
    await until(lambda: tree.cursor_node is not None and tree.cursor_node.data.doc.path == path)
    await pilot.pause(0.3)  # let the folder's details land, so they do not draw during the timing
    return pane, tree.cursor_node


async def pane_block(base_url: str, path: str, frames: Frames, times: list[float]) -> None:
    clean_heap()
    app = _app(base_url)
    async with app.run_test(size=SIZE) as pilot:
        _pane, node = await open_big_folder(app, pilot, path)
        for _ in range(PER_BLOCK):
            if node.is_expanded:  # forget what was loaded, so each opening fetches again
                node.collapse()
                node.remove_children()
                node.data.folder = type(node.data.folder)()
                await pilot.pause(0.1)
            times.append(await frames.timed(pilot, lambda: pilot.press("space")))
            await pilot.pause(0.1)


# -- memory, in a process of its own -----------------------------------------------------------------------------------


async def pane_memory(base_url: str, path: str) -> tuple[float, int]:
    app = _app(base_url)
    async with app.run_test(size=SIZE) as pilot:
        pane, node = await open_big_folder(app, pilot, path)
        await pilot.press("space")
        await until(lambda: node.data.folder.loaded > 0 and not node.data.folder.fetching)
        state = node.data.folder
        while not state.complete:
            loaded = state.loaded
            pane.document_tree.select_line_of(pane.document_tree.more_node(node))
            await until(lambda loaded=loaded: state.loaded > loaded and not state.fetching)
        await pilot.press("end")
        await pilot.pause()
        gc.collect()
        return rss_mb(), len(node.children)


async def reference_memory(base_url: str, uid: str) -> tuple[float, int]:
    frames = Frames()
    app = reference_app(base_url, uid, frames)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: hasattr(app, "client"))
        count = await app.load_all()
        await pilot.press("end")
        await pilot.pause()
        gc.collect()
        return rss_mb(), count


def memory_in_child(which: str, base_url: str, path: str, uid: str) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench_nuxeo", "memory", which, base_url, path, uid],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rss, count = json.loads(out.stdout.strip().splitlines()[-1])
    return float(rss), int(count)


def main() -> None:
    home = isolate_home("servicedeck-bench-nuxeo-")
    with SandboxProcess(home / "sandbox", ["nuxeo"]) as sandbox:
        base_url = sandbox.base_url
        path, uid, total = asyncio.run(big_folder(base_url))
        import tui.app  # noqa: F401 - imported once, outside the timings

        frames = Frames()
        from tui.services.nuxeo.tree_view import DocumentTree

        frames.after(DocumentTree, "append_page")
        pane_times: list[float] = []
        reference_times: list[float] = []
        for _ in range(BLOCKS):
            asyncio.run(reference_block(base_url, uid, frames, reference_times))
            asyncio.run(pane_block(base_url, path, frames, pane_times))
        report(
            f"Nuxeo: open the {total:,}-document folder, first page ({PAGE}) on screen",
            pane_times,
            "ms",
            reference=reference_times,
            reference_name="stock Tree app, same client and page",
            target="<= 1.2x",
            limit=1.2,
        )
        pane_rss, count = memory_in_child("pane", base_url, path, uid)
        reference_rss, reference_count = memory_in_child("reference", base_url, path, uid)
        report(
            f"Nuxeo: app's resident memory after paging all {count:,} children",
            pane_rss,
            "MB",
            reference=reference_rss,
            reference_name=f"stock Tree app holding {reference_count:,}",
            target="< 100 MB",
            limit=100,
            absolute=True,
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["memory"]:
        which, url, folder_path, folder_uid = sys.argv[2:6]
        isolate_home("servicedeck-bench-nuxeo-memory-")
        if which == "pane":
            result = asyncio.run(pane_memory(url, folder_path))
        else:
            result = asyncio.run(reference_memory(url, folder_uid))
        print(json.dumps(result))
    else:
        main()
