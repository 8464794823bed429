"""Edit in $EDITOR (`E`) and the lock warning of `e`, through the real app against the Nuxeo sandbox. The editor is a
small Python script written by each test, named in $VISUAL: it reports the file it was given, waits until the test
lets it go on, then changes the file (or leaves it as it was)."""

from __future__ import annotations

import os
import pty
import select
import shlex
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import SIZE, reveal, started
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import EditDocumentDialog
from tui.services.nuxeo.direct_edit import NO_EDITOR, editor_command, is_text
from tui.widgets.dialogs import ConfirmDialog

EDITOR = """
import pathlib, sys, time
target = pathlib.Path(sys.argv[1])
here = pathlib.Path(__file__).parent
(here / "opened").write_text(str(target))
deadline = time.time() + 30
while not (here / "go").exists() and time.time() < deadline:
    time.sleep(0.02)
addition = (here / "append").read_bytes() if (here / "append").exists() else b""
target.write_bytes(target.read_bytes() + addition)
sys.exit(int((here / "status").read_text()) if (here / "status").exists() else 0)
"""


class FakeEditor:
    """The editor script and the files through which the test talks to it."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, append: bytes = b""):
        self.folder = folder
        folder.mkdir()
        script = folder / "editor.py"
        script.write_text(EDITOR)
        if append:
            (folder / "append").write_bytes(append)
        monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
        monkeypatch.delenv("EDITOR", raising=False)

    @property
    def opened(self) -> Path | None:
        marker = self.folder / "opened"
        return Path(marker.read_text()) if marker.exists() else None

    def go(self) -> None:
        (self.folder / "go").write_text("")


async def file_with(client, workspace, name: str, title: str, local: Path, content: bytes):
    """A File document holding `content` as its main file, named as `local`."""
    doc = await client.create(workspace.uid, type="File", name=name, properties={"dc:title": title})
    local.write_bytes(content)
    await client.attach(doc.uid, local)
    return doc


async def press_edit_in_editor(pilot, doc):
    """Start the pane, reveal `doc` and press E on it; the pane."""
    pane = await started(pilot)
    await reveal(pilot, pane, doc.path)
    await pilot.press("E")
    return pane


def messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_note_edited_in_the_editor_is_saved_and_left_unlocked(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(
        workspace.uid, type="Note", name="essay", properties={"dc:title": "Essay", "note:note": "First line\n"}
    )
    editor = FakeEditor(tmp_path / "editor", monkeypatch, append="Second line, ünïcode\n".encode())
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: editor.opened is not None)
        opened = editor.opened
        assert opened is not None and opened.name == "essay.txt" and opened.read_text() == "First line\n"
        assert stat.S_IMODE(opened.parent.stat().st_mode) == 0o700  # a private folder
        # the app keeps running while the editor does, and the document is locked meanwhile
        await pilot.pause()
        assert (await client.get(doc.uid)).lock_owner == "Administrator"
        editor.go()
        await wait_for(pilot, lambda: any("Saved essay.txt" in m for m in messages(app)))
    saved = await client.get(doc.uid)
    assert saved.properties["note:note"] == "First line\nSecond line, ünïcode\n"
    assert saved.lock_owner == ""
    assert not opened.exists() and not opened.parent.exists()  # the temporary file is gone


async def test_a_lock_the_user_took_before_stays_after_the_edit(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(
        workspace.uid, type="Note", name="mine", properties={"dc:title": "Mine", "note:note": "a"}
    )
    await client.lock_document(doc.uid)  # locked on purpose, with L, before
    editor = FakeEditor(tmp_path / "editor", monkeypatch, append=b"b")
    editor.go()
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: any("Saved mine.txt" in m for m in messages(app)))
    saved = await client.get(doc.uid)
    assert saved.properties["note:note"] == "ab" and saved.lock_owner == "Administrator"


async def test_a_failed_save_keeps_a_draft_that_e_offers_back(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(
        workspace.uid, type="Note", name="contested", properties={"dc:title": "Contested", "note:note": "v1"}
    )
    editor = FakeEditor(tmp_path / "editor", monkeypatch, append=b" mine")
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: editor.opened is not None)
        await client.update(doc.uid, {"note:note": "theirs"})  # saved meanwhile: the change token is stale
        editor.go()
        await wait_for(pilot, lambda: any(m.startswith("Not saved") for m in messages(app)))
        said = next(m for m in messages(app) if m.startswith("Not saved"))
        assert "kept as a draft: press e on “Contested” to get it back" in said and "Traceback" not in said
        assert (await client.get(doc.uid)).properties["note:note"] == "theirs"
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.lock_owner == "")
        assert (await client.get(doc.uid)).lock_owner == ""  # unlocked all the same
        draft = pane.context.drafts.load(pane.context.draft_key("nuxeo", doc.uid))
        assert draft is not None and draft.data["values"]["note:note"] == "v1 mine"

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Restore draft?" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
        assert app.screen.query_one("#field-note-note").text == "v1 mine"


async def test_a_text_file_is_uploaded_and_attached_with_its_name(box, tmp_path, client, workspace, monkeypatch):
    local = tmp_path / "settings.json"
    doc = await file_with(client, workspace, "conf", "Settings", local, b'{"a": 1}\n')
    editor = FakeEditor(tmp_path / "editor", monkeypatch, append=b'{"b": 2}\n')
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: editor.opened is not None)
        assert editor.opened is not None and editor.opened.name == "settings.json"
        editor.go()
        await wait_for(pilot, lambda: any("Saved settings.json" in m for m in messages(app)))
    saved = await client.get(doc.uid)
    assert saved.blob is not None and saved.blob.name == "settings.json" and saved.lock_owner == ""
    back = await client.download(doc.uid, tmp_path / "back.json")
    assert back.read_text() == '{"a": 1}\n{"b": 2}\n'


async def test_a_file_that_cannot_be_saved_is_kept_and_the_user_told_where(
    box, tmp_path, client, workspace, monkeypatch
):
    local = tmp_path / "notes.md"
    doc = await file_with(client, workspace, "gone", "Gone", local, b"# Notes\n")
    editor = FakeEditor(tmp_path / "editor", monkeypatch, append=b"- precious\n")
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: editor.opened is not None)
        await client.delete(doc.uid)  # the document goes while it is being edited
        editor.go()
        await wait_for(pilot, lambda: any(m.startswith("Not saved") for m in messages(app)))
    said = next(m for m in messages(app) if m.startswith("Not saved"))
    kept = tmp_path / "drafts" / "edited-files" / f"{doc.uid[:8]}-notes.md"
    assert f"your edited copy is kept at {kept}: press u on “Gone” to upload it." in said
    assert kept.read_text() == "# Notes\n- precious\n" and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "Traceback" not in " ".join(messages(app))


async def test_an_unchanged_file_or_a_failing_editor_saves_nothing(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(
        workspace.uid, type="Note", name="same", properties={"dc:title": "Same", "note:note": "x"}
    )
    editor = FakeEditor(tmp_path / "editor", monkeypatch)
    editor.go()
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: any("No change to “Same”" in m for m in messages(app)))
        (editor.folder / "append").write_bytes(b" aborted")
        (editor.folder / "status").write_text("1")  # as `:cq` in vi: the editor says "do not save"
        await pilot.press("E")
        await wait_for(pilot, lambda: any("exit status 1" in m for m in messages(app)))
        assert any("your text is kept as a draft" in m for m in messages(app))
    after = await client.get(doc.uid)
    assert after.properties["note:note"] == "x" and after.lock_owner == ""


async def test_a_binary_file_is_refused_and_not_locked(box, tmp_path, client, workspace, monkeypatch):
    local = tmp_path / "pixel.png"
    doc = await file_with(client, workspace, "pic", "Picture", local, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    editor = FakeEditor(tmp_path / "editor", monkeypatch)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: any("is not text" in m for m in messages(app)))
        said = next(m for m in messages(app) if "is not text" in m)
        assert (
            said == "pixel.png is not text (image/png), so it does not open in a text editor: s downloads it instead."
        )
    assert editor.opened is None and (await client.get(doc.uid)).lock_owner == ""


async def test_a_document_locked_by_someone_else_does_not_open(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(workspace.uid, type="Note", name="held", properties={"dc:title": "Held"})
    async with NuxeoClient(box.base_url + "/nuxeo", "jdoe", "jdoe") as member:
        await member.lock_document(doc.uid)
    editor = FakeEditor(tmp_path / "editor", monkeypatch)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: any("is locked by jdoe since" in m for m in messages(app)))
        assert editor.opened is None
        # `e` asks first, naming the holder; the user may stop there
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "locked by jdoe since" in app.screen.question and "edit it anyway?" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert not isinstance(app.screen, EditDocumentDialog)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")  # or go on
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
    assert (await client.get(doc.uid)).lock_owner == "jdoe"  # their lock is left alone


async def test_without_an_editor_it_says_how_to_set_one(box, tmp_path, client, workspace, monkeypatch):
    doc = await client.create(workspace.uid, type="Note", name="plain", properties={"dc:title": "Plain"})
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no vi to fall back on
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await press_edit_in_editor(pilot, doc)
        await wait_for(pilot, lambda: NO_EDITOR in messages(app))
    assert (await client.get(doc.uid)).lock_owner == ""


SUSPENDING_APP = """
import asyncio, sys
from pathlib import Path
from textual.app import App
from textual.widgets import Static
from tui.services.nuxeo.direct_edit import run_editor

EDITOR = "import sys, time; time.sleep(1); open(sys.argv[1], 'a').write(' edited')"

class Ticking(App):
    def compose(self):
        yield Static("0", id="ticks")

    def on_mount(self):
        self.ticks = 0
        self.set_interval(0.01, self.tick)
        self.run_worker(self.edit())

    def tick(self):
        self.ticks += 1
        self.query_one("#ticks", Static).update(str(self.ticks))  # repaints asked for while the editor runs

    async def edit(self):
        await asyncio.sleep(0.3)
        before = self.ticks
        status = await run_editor(self, [sys.executable, "-c", EDITOR], Path(sys.argv[1]))
        Path(sys.argv[2]).write_text(f"{status} {self.ticks - before}")
        self.exit()

Ticking().run()
"""


def test_in_a_real_terminal_the_app_steps_aside_and_comes_back(tmp_path):
    """In a terminal (a pty here) the app suspends for the editor and resumes after it; repaints asked for meanwhile
    wait (the app's writer is stopped: they used to fill its queue and hang the app for good)."""
    script, text, result = tmp_path / "app.py", tmp_path / "note.txt", tmp_path / "result"
    script.write_text(SUSPENDING_APP)
    text.write_text("note")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), TERM="xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, on the pty
        os.execve(sys.executable, [sys.executable, str(script), str(text), str(result)], env)
    deadline = time.monotonic() + 30
    exited = False
    try:
        while time.monotonic() < deadline and not exited:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    os.read(fd, 65536)  # what the app draws: read, so the pty never fills
                except OSError:
                    pass
            exited = os.waitpid(pid, os.WNOHANG)[0] != 0
    finally:
        if not exited:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert exited, "the app never came back from the editor"
    status, ticks = result.read_text().split()
    assert status == "0" and int(ticks) > 10  # the event loop ran while the editor had the terminal
    assert text.read_text() == "note edited"


def test_the_editor_comes_from_visual_then_editor_then_vi(tmp_path, monkeypatch):
    vi = tmp_path / "vi"
    vi.write_text("#!/bin/sh\n")
    vi.chmod(0o755)
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "nano"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "nano -w"}) == ["nano", "-w"]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert editor_command({}) == [str(vi)]


@pytest.mark.parametrize(
    ("mime", "text"),
    [
        ("text/plain", True),
        ("text/csv; charset=utf-8", True),
        ("application/json", True),
        ("application/atom+xml", True),
        ("application/x-yaml", True),
        ("application/pdf", False),
        ("image/png", False),
        ("application/octet-stream", False),
    ],
)
def test_which_files_are_text(mime, text):
    assert is_text(mime) is text
