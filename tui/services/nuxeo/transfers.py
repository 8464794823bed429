"""Moving files between this computer and a document: download the main file, upload one (attached to the document,
or as a new File in a folder), with a progress bar in the pane while the bytes flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from tui.http import safe_file_name
from tui.services.nuxeo.client import NuxeoClient, Progress, slug
from tui.services.nuxeo.form_flow import TryAgain, ask_until_done
from tui.services.nuxeo.models import Document
from tui.widgets.dialogs import ConfirmDialog, Field
from tui.widgets.pane import ServicePane

T = TypeVar("T")


async def with_progress(
    pane: ServicePane[NuxeoClient], label: str, total: int | None, run: Callable[[Progress], Awaitable[T]]
) -> T:
    """Run a download/upload with the progress bar showing; the bar hides when it ends, whatever happened."""
    bar = ProgressBar(total=total or None, show_eta=True)
    bar_row = Horizontal(Label(label), bar, classes="nuxeo-transfer")  # one row per transfer: two can run at once
    await pane.mount(bar_row)

    def progress(done: int, size: int | None = None) -> None:
        bar.update(total=size or total or None, progress=done)

    try:
        return await run(progress)
    finally:
        await bar_row.remove()


async def download(pane: ServicePane[NuxeoClient], doc: Document) -> Path | None:
    """Ask where to save the document's main file and save it there; the saved path, or None if the user gave up."""
    blob = doc.blob
    if blob is None:
        return None
    # The name comes from the server: never a path of its own ("../../.bashrc"), nor control characters.
    default_name = safe_file_name(blob.name, doc.name)

    async def save(values: dict[str, str]) -> Path | None:
        dest_text = values["dest"].strip()
        if not dest_text:
            raise TryAgain("Say where to save it.")
        dest = Path(dest_text).expanduser()
        if dest.is_dir():
            dest = dest / default_name
        if dest.exists() and not await pane.app.push_screen_wait(
            ConfirmDialog(f"{dest} exists. Replace it?", confirm="Replace", danger=True)
        ):
            raise TryAgain()
        dest.parent.mkdir(parents=True, exist_ok=True)
        return await with_progress(
            pane,
            f"Downloading {default_name}",
            blob.length,
            lambda progress: pane.client.download(doc.uid, dest, progress=progress),
        )

    return await ask_until_done(
        pane,
        "Download the main file",
        [Field("dest", "Save as", str(Path("~/Downloads") / default_name))],
        save,
        doing=f"download {default_name}",
        submit="Download",
        note=f"{default_name}, {blob.mime_type}, {blob.length:,} bytes",
    )


async def upload(pane: ServicePane[NuxeoClient], doc: Document) -> tuple[Document, Path] | None:
    """Ask for a local file and upload it: into a folder as a new File, onto any other document as its main file.
    Returns the document that now holds the file, and the file's path; None if the user gave up."""
    into_folder = doc.is_folderish
    what = f"Add a file to {doc.path}" if into_folder else f"Attach a file as the main file of {doc.title}"

    async def send(values: dict[str, str]) -> tuple[Document, Path] | None:
        typed = values["path"].strip()
        if not typed:
            raise TryAgain("Type the path of the file to upload.")
        path = Path(typed).expanduser()
        if path.is_dir():
            raise TryAgain(f"{path} is a folder: name a file in it.")
        if not path.is_file():
            raise TryAgain(f"There is no file at {path}.")
        if not into_folder and doc.blob is not None:
            replace = ConfirmDialog(f"Replace {doc.blob.name} on {doc.title} with {path.name}?", confirm="Replace")
            if not await pane.app.push_screen_wait(replace):
                return None
        size = path.stat().st_size
        target = doc
        if into_folder:
            target = await pane.client.create(
                doc.uid, type="File", name=slug(path.stem) or "file", properties={"dc:title": path.name}
            )
        updated = await with_progress(
            pane,
            f"Uploading {path.name}",
            size,
            lambda progress: pane.client.attach(target.uid, path, progress=progress),
        )
        return updated, path

    return await ask_until_done(
        pane,
        "Upload a file",
        [Field("path", "Local file", "", placeholder="~/report.pdf")],
        send,
        doing="upload the file",
        submit="Upload",
        note=what,
    )
