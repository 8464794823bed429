"""Edit in $EDITOR (`E`): a note's text, or a file's main file when it is text, opened in the user's own editor, as
Nuxeo Drive's direct edit does in a desktop application.

The content goes to a private temporary file named after the document (so the editor picks its syntax), the
document is locked for the time of the edit, and the app steps aside while the editor has the terminal. When the
editor exits, a changed note is saved with its change token, a changed file is uploaded and attached; then the
document is unlocked, whatever happened, and the temporary file removed. A save that fails keeps what was written: a
note's text as the draft `e` offers back, a file's copy in the drafts folder, and the user is told where.

The editor is `$VISUAL`, else `$EDITOR`, else `vi` when there is one (the order git and lazygit use).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.app import App, SuspendNotSupported

from tui.http import ServiceError, safe_file_name
from tui.services.nuxeo.client import NuxeoClient, slug
from tui.services.nuxeo.edit_flow import edit_draft_key, save_edit_draft
from tui.services.nuxeo.locks_versions import lock_text
from tui.services.nuxeo.models import Document
from tui.widgets.pane import ServicePane

Pane = ServicePane[NuxeoClient]
Show = Callable[[Document], None]  # shows a document that changed (its tree line and details)

# Types that are text although they do not say text/ (as well as anything ending in +xml or +json)
TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/x-sh",
        "application/x-shellscript",
        "application/sql",
        "application/x-python",
        "application/x-python-code",
        "application/x-httpd-php",
        "application/x-tex",
        "application/x-latex",
        "application/rtf",
        "application/csv",
        "application/x-ndjson",
        "application/graphql",
    }
)
# A note's format (note:mime_type) -> the extension its temporary file gets
NOTE_EXTENSIONS = {
    "text/html": ".html",
    "text/xml": ".xml",
    "application/xml": ".xml",
    "text/x-web-markdown": ".md",
    "text/markdown": ".md",
    "application/json": ".json",
    "text/css": ".css",
}
NO_EDITOR = "There is no editor to open it with: set $VISUAL or $EDITOR (for example: export EDITOR=nano)."


def is_text(mime_type: str) -> bool:
    base = mime_type.split(";", 1)[0].strip().lower()
    return base.startswith("text/") or base in TEXT_TYPES or base.endswith(("+xml", "+json"))


def editor_command(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The editor to run, as a command line split like a shell would (`code --wait`), or None when there is none."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:  # an unbalanced quote: taken as one program name
                return [value]
    vi = shutil.which("vi")
    return [vi] if vi else None


class NotEditable(Exception):
    """The document has nothing to open in an editor; `str()` says why, in one sentence."""


@dataclass
class Content:
    """What is edited: the file name it is written under, its bytes, and whether it is a note's text."""

    file_name: str
    data: bytes
    is_note: bool


async def content_of(client: NuxeoClient, doc: Document, folder: Path) -> Content:
    """The note's text or the file's main file (downloaded into `folder`), or NotEditable saying why not."""
    if doc.type == "Note" or "note:note" in doc.properties:
        mime = str(doc.properties.get("note:mime_type") or "text/plain")
        name = (slug(doc.title) or slug(doc.name) or "note") + NOTE_EXTENSIONS.get(mime, ".txt")
        return Content(name, str(doc.properties.get("note:note") or "").encode("utf-8"), is_note=True)
    blob = doc.blob
    if blob is None:
        raise NotEditable(f"{doc.title} has no text to edit: E opens a note, or a file whose main file is text.")
    name = safe_file_name(blob.name, doc.name)
    if not is_text(blob.mime_type):
        raise NotEditable(
            f"{name} is not text ({blob.mime_type}), so it does not open in a text editor: s downloads it instead."
        )
    path = await client.download(doc.uid, folder / name)
    return Content(name, path.read_bytes(), is_note=False)


async def run_editor(app: App[object], command: list[str], path: Path) -> int:
    """Run the editor on `path` with the terminal handed over to it (the app suspended; where it cannot be, as in a
    test, the editor runs beside it). The event loop keeps running meanwhile, but the app paints nothing until the
    editor is done: the terminal is the editor's, and the app's writer is stopped. Returns the exit status."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(app.batch_update())  # entered first, so it ends after the app is back
        with contextlib.suppress(SuspendNotSupported):
            stack.enter_context(app.suspend())
        process = await asyncio.create_subprocess_exec(*command, str(path))
        return await process.wait()


def start(pane: Pane, doc: Document | None, show: Show) -> None:
    """`E` on the selected document (a worker: the pane stays responsive)."""
    if doc is not None:
        pane.run_worker(direct_edit(pane, doc, show), group="nuxeo-direct-edit", exclusive=True, exit_on_error=False)


async def direct_edit(pane: Pane, doc: Document, show: Show) -> None:
    client = pane.client
    try:
        fresh = await client.get(doc.uid, schemas="*")
    except Exception as exc:
        pane.report(exc, f"open {doc.title} in your editor")
        return
    holder = await client.other_lock_holder(fresh.lock_owner)
    if holder:
        pane.notify(
            f"“{fresh.title}” is locked by {lock_text(fresh)}, so it cannot be edited until they unlock it.",
            severity="warning",
            timeout=8,
            markup=False,
        )
        return
    command = editor_command()
    if command is None:
        pane.notify(NO_EDITOR, severity="warning", timeout=8, markup=False)
        return
    folder = Path(tempfile.mkdtemp(prefix="servicedeck-edit-"))  # readable by this user only
    try:
        try:
            content = await content_of(client, fresh, folder)
        except NotEditable as exc:
            pane.notify(str(exc), severity="warning", timeout=8, markup=False)
            return
        except Exception as exc:
            pane.report(exc, f"read {fresh.title}")
            return
        path = folder / content.file_name
        path.write_bytes(content.data)
        if fresh.lock_owner:  # the user's own lock, taken before: it stays when the edit is done
            await edit_and_save(pane, fresh, command, path, content, show)
            return
        try:
            locked = await client.lock_document(fresh.uid)
        except Exception as exc:
            pane.report(exc, f"lock {fresh.title} for editing")
            return
        try:
            await edit_and_save(pane, locked if locked.change_token else fresh, command, path, content, show)
        finally:
            await unlock(pane, fresh, show)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def unlock(pane: Pane, doc: Document, show: Show) -> None:
    try:
        unlocked = await pane.client.unlock_document(doc.uid)
    except Exception as exc:
        pane.report(exc, f"unlock {doc.title}")
        return
    show(unlocked)


async def edit_and_save(
    pane: Pane, doc: Document, command: list[str], path: Path, content: Content, show: Show
) -> None:
    try:
        status = await run_editor(pane.app, command, path)
    except OSError as exc:
        pane.notify(
            f"Could not start the editor “{command[0]}” ({exc.strerror or exc}): "
            "set $VISUAL or $EDITOR to one that works.",
            severity="error",
            timeout=10,
            markup=False,
        )
        return
    try:
        edited = path.read_bytes()
    except OSError as exc:  # the editor removed or renamed it
        pane.notify(
            f"Nothing saved: {path.name} could not be read back ({exc.strerror}).", severity="error", markup=False
        )
        return
    if edited == content.data:
        pane.notify(f"No change to “{doc.title}”: nothing saved.", timeout=3, markup=False)
        return
    if status != 0:
        keep_unsaved(pane, doc, path, edited, content, f"your editor ended with an error (exit status {status})")
        return
    try:
        if content.is_note:
            text = edited.decode("utf-8", errors="replace")
            saved = await pane.client.update(doc.uid, {"note:note": text}, change_token=doc.change_token)
        else:
            saved = await pane.client.attach(doc.uid, path)
    except Exception as exc:
        if not isinstance(exc, ServiceError):
            pane.report(exc, f"save {doc.title}")
        why = exc.message if isinstance(exc, ServiceError) else "something unexpected went wrong"
        keep_unsaved(pane, doc, path, edited, content, why)
        return
    pane.context.drafts.discard(edit_draft_key(pane, doc))
    show(saved)
    pane.notify(f"Saved {path.name} to “{doc.title}”.", timeout=4, markup=False)


def keep_unsaved(pane: Pane, doc: Document, path: Path, edited: bytes, content: Content, why: str) -> None:
    """The edit was not saved (`why`): keep what was written and say, in one sentence, why and where it is."""
    if content.is_note:
        save_edit_draft(pane, doc, {"note:note": edited.decode("utf-8", errors="replace")}, doc.change_token)
        where = f"your text is kept as a draft: press e on “{doc.title}” to get it back"
    else:
        kept = pane.context.drafts.root / "edited-files" / f"{doc.uid[:8]}-{path.name}"
        try:
            kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            kept.write_bytes(edited)
            kept.chmod(0o600)
        except OSError as exc:
            where = f"and your edited copy could not be kept either ({exc.strerror})"
        else:
            where = f"your edited copy is kept at {kept}: press u on “{doc.title}” to upload it"
    pane.notify(f"Not saved: {why.rstrip('.')}; {where}.", severity="error", timeout=15, markup=False)
