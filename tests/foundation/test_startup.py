"""Start-up: what the command line imports, the first requests sent before the pane is built, and the demo's sandbox
(a template for Nuxeo's fixed content, the first pane's service served while the others are built)."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys

import httpx
import pytest

from tests.conftest import make_app, start_sandbox, wait_for
from tui.sandbox import Sandbox
from tui.sandbox.host import _template_path
from tui.services.nuxeo.pane import DocumentsPane

NOT_AT_START = (
    "tui.sandbox",  # `servicedeck` without `demo` never starts a sandbox
    "uvicorn",
    "starlette",
    "pygments",  # highlighting: the raw JSON views, the exchange details
    "click",  # httpx's own command-line tool
    "httpx._main",
    "tui.widgets.keys_screen",
    "tui.widgets.exchange_log",  # the Exchanges tab is built when first shown
    "google.protobuf",  # the OpenIAP wire format
    # Textual widgets only a form or a transfer shows
    "textual.widgets._text_area",
    "textual.widgets._progress_bar",
    "textual.document",
    # the Documents pane's actions: imported when one is first used
    "tui.services.nuxeo.dialogs",
    "tui.services.nuxeo.property_editors",
    "tui.services.nuxeo.versions_view",
    "tui.services.nuxeo.trash_view",
    "tui.services.nuxeo.direct_edit",
    "tui.services.nuxeo.form_flow",
    "tui.services.nuxeo.document_flows",
    "tui.services.nuxeo.edit_flow",
    "tui.services.nuxeo.transfers",
    "tui.services.nuxeo.export",
    "tui.widgets.export",
    "tui.widgets.dialogs",
    "csv",
)


def test_the_command_line_imports_nothing_the_first_screen_does_not_need():
    code = (
        "import sys, tui.cli, tui.app, tui.services.nuxeo.pane\n"
        "import httpx  # as the first request imports it: without its command-line tool\n"
        f"print([m for m in {NOT_AT_START!r} if sys.modules.get(m) is not None])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_the_first_requests_go_out_before_the_pane_is_mounted(tmp_path, tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "nuxeo")
    try:
        app = make_app(box.profile(), tmp_path, pane="nuxeo")
        seen: list[tuple[str, bool]] = []

        def sent(exchange) -> None:
            if len(seen) < 2:
                seen.append((exchange.url, any(pane.is_mounted for pane in app.query(DocumentsPane))))

        unsubscribe = app.exchange_log.subscribe(sent)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(DocumentsPane)
            await wait_for(pilot, lambda: pane.root_loaded, timeout=15)
            assert pane.first_answers is None  # handed over and used
            assert "Domain (3)" in str(pane.document_tree.root.children[0].label)
        unsubscribe()
        assert len(seen) == 2
        assert not any(mounted for _, mounted in seen), seen
        assert any(url.endswith("/path/") for url, _ in seen) and any("@children" in url for url, _ in seen)
    finally:
        box.stop()


async def test_only_the_pane_on_screen_is_built_the_others_when_first_shown(tmp_path, tmp_path_factory):
    from tui.widgets.exchange_log import ExchangeLogView
    from tui.widgets.pane import ServicePane

    box = start_sandbox(tmp_path_factory, "nuxeo", "cerb")
    try:
        app = make_app(box.profile(), tmp_path, pane="nuxeo")
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.query_one(DocumentsPane).root_loaded, timeout=15)
            assert [pane.kind for pane in app.query(ServicePane)] == ["nuxeo"]
            assert not app.query(ExchangeLogView)
            await pilot.press("5")
            await wait_for(pilot, lambda: bool(app.query(ExchangeLogView)))
            view = app.query_one(ExchangeLogView)
            await wait_for(pilot, lambda: view.selected() is not None)  # what was recorded before it was built
            assert app.focused is not None and view in app.focused.ancestors
            await pilot.press("2")
            await wait_for(pilot, lambda: len(app.query(ServicePane)) == 2)
            assert [pane.kind for pane in app.query(ServicePane)] == ["nuxeo", "cerb"]
            await pilot.press("5")
            assert len(app.query(ExchangeLogView)) == 1  # built once
    finally:
        box.stop()


def root_uid(box: Sandbox) -> str:
    db = sqlite3.connect(box.context.db_path("nuxeo"))
    try:
        return str(db.execute("SELECT uid FROM documents WHERE path = '/'").fetchone()[0])
    finally:
        db.close()


def test_the_demo_copies_nuxeo_content_from_a_template(tmp_path):
    template = _template_path("nuxeo")
    template.unlink(missing_ok=True)
    older = template.with_name("nuxeo-0000000000000000.sqlite3")  # one of sources since changed
    older.parent.mkdir(parents=True, exist_ok=True)
    older.write_bytes(b"")
    first = Sandbox(data_dir=tmp_path / "first", demo=True, kinds=["nuxeo"])
    second = Sandbox(data_dir=tmp_path / "second", demo=True, kinds=["nuxeo"])
    seeded = Sandbox(data_dir=tmp_path / "seeded", demo=False, kinds=["nuxeo"])
    try:
        assert template.exists() and not older.exists()
        assert root_uid(first) == root_uid(second)  # a copy
        assert root_uid(seeded) != root_uid(first)  # seeded afresh (uids are random)
        count = "SELECT COUNT(*) FROM documents"
        copied, fresh = (sqlite3.connect(b.context.db_path("nuxeo")) for b in (second, seeded))
        assert copied.execute(count).fetchone() == fresh.execute(count).fetchone()
        copied.close()
        fresh.close()
    finally:
        for box in (first, second, seeded):
            box.stop()


def test_a_service_built_later_is_waited_for_not_missing(tmp_path):
    box = Sandbox(data_dir=tmp_path, kinds=["nuxeo"])
    box.create_later(["max"], at_the_latest=60)  # only a request for it starts the building
    box.start()
    try:
        answer = httpx.get(box.base_url + "/max/people/x", timeout=30)
        assert answer.status_code == 401 and answer.json()["error"] == "Unauthorized"  # MAX's own answer, not a 404
        assert [s.kind for s in box.services] == ["nuxeo", "max"]
        assert httpx.get(box.base_url + "/nothing-here", timeout=30).status_code == 404
    finally:
        box.stop()


async def test_the_collector_paused_for_start_up_resumes_with_start_up_frozen(tmp_path, tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "nuxeo")
    gc.unfreeze()
    gc.disable()  # as the command line does
    try:
        app = make_app(box.profile(), tmp_path, pane="nuxeo")
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(DocumentsPane)
            await wait_for(pilot, lambda: pane.root_loaded and gc.isenabled(), timeout=15)
            assert gc.get_freeze_count() > 10_000  # what start-up made is left out of later full collections
    finally:
        gc.enable()
        gc.unfreeze()
        box.stop()


def test_the_demo_is_parsed_without_the_commands_parsers():
    from tui.cli import build_parser, demo_parser, opens_the_demo

    for argv in (["demo"], ["demo", "--pane", "cerb", "--read-only"], ["demo", "--data=/x", "--pane=max"]):
        assert opens_the_demo(argv)
        assert demo_parser().parse_args(argv) == build_parser().parse_args(argv)
    for argv in (["demo", "--help"], ["demo", "--bogus"], ["docs", "ls"], ["demo", "extra"], []):
        assert not opens_the_demo(argv)
    code = (
        "import sys\nfrom tui import cli\ncli.run_demo = lambda args: print(args.pane, args.read_only) or 0\n"
        "cli.main(['demo', '--pane', 'max', '--read-only'])\n"
        "print([m for m in ('tui.commands.docs', 'tui.commands.serve') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["max True", "[]"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority is Linux's")
def test_services_built_later_are_built_at_a_lower_priority_than_the_one_serving(tmp_path, monkeypatch):
    import os
    import threading

    seen: list[tuple[str, int]] = []
    create = Sandbox._create

    def noted(self: Sandbox, kind: str):
        seen.append((kind, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return create(self, kind)

    monkeypatch.setattr(Sandbox, "_create", noted)
    box = Sandbox(data_dir=tmp_path, kinds=["nuxeo"])
    box.create_later(["max"], at_the_latest=0.01)
    box.start()
    try:
        assert httpx.get(box.base_url + "/max/people/x", timeout=30).status_code == 401  # built
        serving = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert seen[0] == ("nuxeo", serving)
        assert seen[1][0] == "max" and seen[1][1] > serving
    finally:
        box.stop()
