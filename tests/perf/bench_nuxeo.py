"""Documents pane benchmarks: start-up, opening the 10,000-document folder, memory after paging through it.

The sandbox runs in a separate process, so its CPU and memory are not counted against the pane.
Run with `python -m tests.perf nuxeo`.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from tests.perf.common import report, rss_mb

SIZE = (140, 42)
REPEAT = 5


def _serve(data_dir: str, port: int) -> None:
    from tui.sandbox import Sandbox

    Sandbox(port=port, data_dir=Path(data_dir), kinds=["nuxeo"]).serve_forever()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the sandbox did not start")


def _profile(base_url: str):
    from tui.profiles import SANDBOX_PROFILE, Connection, Profile

    connection = Connection(
        kind="nuxeo", url=base_url + "/nuxeo", username="Administrator", secret="Administrator", secret_source="memory"
    )
    return Profile(name=SANDBOX_PROFILE, connections={"nuxeo": connection}, builtin=True)


def _app(profile, home: Path):
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog

    return ServiceDeckApp(profile, drafts=DraftStore(home / "drafts"), exchange_log=ExchangeLog(), initial_pane="nuxeo")


async def _until(pilot, predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("benchmark condition not met")
        await asyncio.sleep(0.002)
    await pilot.pause()  # and one refresh, so it is on screen


def _pane(app):
    from tui.services.nuxeo.pane import DocumentsPane

    return app.query_one(DocumentsPane)


class _Frames:
    """When the first page was added to the tree, and when the screen was updated: "on screen" is the end of the first
    screen update that starts after the page went in."""

    def __init__(self):
        from textual.screen import Screen

        from tui.services.nuxeo.pane import DocumentsPane
        from tui.services.nuxeo.tree_view import DocumentTree

        self.page_added: float | None = None
        self.first_show: float | None = None
        self.updates: list[tuple[float, float]] = []
        frames = self
        append_page, refresh, first_show = (
            DocumentTree.append_page,
            Screen._compositor_refresh,
            DocumentsPane.on_first_show,
        )

        def timed_first_show(pane):
            frames.first_show = time.perf_counter()
            first_show(pane)

        def timed_append(tree, *args, **kwargs):
            result = append_page(tree, *args, **kwargs)
            frames.page_added = frames.page_added or time.perf_counter()
            return result

        def timed_refresh(screen):
            start = time.perf_counter()
            refresh(screen)
            frames.updates.append((start, time.perf_counter()))

        DocumentTree.append_page, Screen._compositor_refresh = timed_append, timed_refresh
        DocumentsPane.on_first_show = timed_first_show

    def reset(self) -> None:
        self.page_added = None
        self.first_show = None
        self.updates = []

    def on_screen(self) -> float | None:
        if self.page_added is None:
            return None
        return next((end for start, end in self.updates if start >= self.page_added), None)


async def _startup_ms(profile, home: Path, frames: _Frames) -> tuple[float, float]:
    """Launch to the first level on screen, and the pane's own part of it (from the app showing it)."""
    frames.reset()
    start = time.perf_counter()
    app = _app(profile, home)
    async with app.run_test(size=SIZE) as pilot:
        pane = _pane(app)
        await _until(pilot, lambda: pane.root_loaded and frames.on_screen() is not None)
        on_screen = frames.on_screen()
    return (on_screen - start) * 1000, (on_screen - frames.first_show) * 1000


async def _bare_ms(frames: _Frames) -> float:
    from textual.app import App
    from textual.widgets import Footer, Static

    class Bare(App):
        def compose(self):
            yield Static("hello")
            yield Footer()

    frames.reset()
    start = frames.page_added = time.perf_counter()  # the first screen update after launch is what counts here
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: frames.on_screen() is not None)
        elapsed = (frames.on_screen() - start) * 1000
    return elapsed


async def _big_folder(base_url: str) -> tuple[str, str, int]:
    from tui.services.nuxeo.client import NuxeoClient

    async with NuxeoClient(base_url + "/nuxeo", "Administrator", "Administrator") as client:
        best = ("", "", -1)
        for ref in ("/default-domain/workspaces", "/default-domain"):
            for doc in (await client.children(ref)).entries:
                if doc.is_folderish and (doc.child_count or 0) > best[2]:
                    best = (doc.path, doc.uid, doc.child_count or 0)
        return best


async def _expand_and_page(profile, home: Path, path: str, frames: _Frames) -> tuple[list[float], float, float, int]:
    """Times to show the first page of the big folder (several openings), then RSS before/after loading all of it."""
    app = _app(profile, home)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        pane = _pane(app)
        await _until(pilot, lambda: pane.root_loaded)
        pane.reveal(path)
        await _until(
            pilot,
            lambda: (
                pane.document_tree.cursor_node is not None
                and pane.document_tree.cursor_node.data.doc is not None
                and pane.document_tree.cursor_node.data.doc.path == path
            ),
        )
        node = pane.document_tree.cursor_node
        await pilot.pause(0.5)  # let the details of the folder land, so they do not draw during the timing
        for _ in range(REPEAT):
            if node.is_expanded:  # forget what was loaded, so each opening fetches again
                node.collapse()
                node.remove_children()
                node.data.folder = type(node.data.folder)()
                await pilot.pause(0.2)
            frames.reset()
            start = time.perf_counter()
            await pilot.press("space")
            await _until(pilot, lambda: frames.on_screen() is not None)
            times.append((frames.on_screen() - start) * 1000)
        gc.collect()
        before = rss_mb()
        state = node.data.folder
        while not state.complete:
            loaded = state.loaded
            pane.document_tree.select_line_of(pane.document_tree.more_node(node))
            await _until(pilot, lambda loaded=loaded: state.loaded > loaded and not state.fetching)
        await pilot.press("end")
        await pilot.pause()
        gc.collect()
        after = rss_mb()
        count = len(node.children)
    return times, before, after, count


def _official_root_ms(base_url: str) -> float:
    from nuxeo.client import Nuxeo

    nuxeo = Nuxeo(host=base_url + "/nuxeo/", auth=("Administrator", "Administrator"))
    nuxeo.client.schemas = "dublincore"

    def fetch():
        nuxeo.documents.get(path="/")
        nuxeo.client.request(
            "GET",
            "api/v1/repo/default/path/@children",
            params={"currentPageIndex": 0, "pageSize": 100},
            enrichers=["children"],
        )

    fetch()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _official_page_ms(base_url: str, uid: str) -> float:
    """The official client's time for the same page: request, JSON, its own Document objects."""
    from nuxeo.client import Nuxeo
    from nuxeo.models import Document

    nuxeo = Nuxeo(host=base_url + "/nuxeo/", auth=("Administrator", "Administrator"))
    nuxeo.client.schemas = "dublincore,file"  # the schemas the pane asks for

    def fetch():
        response = nuxeo.client.request(
            "GET",
            f"api/v1/repo/default/id/{uid}/@children",
            params={"currentPageIndex": 0, "pageSize": 100},
            enrichers=["children"],
        )
        return [Document.parse(entry, service=nuxeo.documents) for entry in response.json()["entries"]]

    docs = fetch()  # warm the connection, as the pane's is warm by the time the user expands a folder
    assert len(docs) == 100, len(docs)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="servicedeck-bench-nuxeo-"))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(home / var.lower())
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(str(home / "sandbox"), port), daemon=True
    )
    server.start()
    try:
        _wait_listening(port)
        base_url = f"http://127.0.0.1:{port}"
        profile = _profile(base_url)
        import tui.app  # noqa: F401 - import once, outside the timings, as the bare app's imports are

        frames = _Frames()
        asyncio.run(_bare_ms(frames))  # warm-up of both, so neither pays first-run costs the other does not
        asyncio.run(_startup_ms(profile, home, frames))
        bare = statistics.median(asyncio.run(_bare_ms(frames)) for _ in range(REPEAT))
        runs = [asyncio.run(_startup_ms(profile, home, frames)) for _ in range(REPEAT)]
        report(
            "start-up to the document tree's first level",
            statistics.median(r[0] for r in runs),
            "ms",
            reference=bare,
            reference_name="bare Textual app",
            target="<= 2.0x",
        )
        # The same start-up split: what the Documents pane itself adds once the app shows it (two requests and a frame),
        # against the official client making those two requests.
        report(
            "  of which: pane shown -> first level on screen",
            statistics.median(r[1] for r in runs),
            "ms",
            reference=_official_root_ms(base_url),
            reference_name="official client, root + its children",
            target="(context)",
        )

        path, uid, total = asyncio.run(_big_folder(base_url))
        official = _official_page_ms(base_url, uid)
        times, before, after, count = asyncio.run(_expand_and_page(profile, home, path, frames))
        report(
            f"open the {total:,}-document folder: first page on screen",
            statistics.median(times),
            "ms",
            reference=official,
            reference_name="official nuxeo client, same page",
            target="<= 1.5x and < 250 ms",
        )
        report(
            f"RSS after paging through all {count:,} children",
            after,
            "MB",
            reference=before,
            reference_name="after the first page",
            target="< 150 MB",
        )
    finally:
        server.terminate()
        server.join(timeout=10)


if __name__ == "__main__":
    main()
