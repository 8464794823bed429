"""Files to and from Cerb: an upload's form fields, and a download saved safely with progress.

Cerb takes an upload as form fields (the bytes in base64) and answers with the attachment's id, which a reply or a
new ticket then names (`file_id[]`). A download is streamed into a temporary file next to its destination and renamed
when complete, under a name the server cannot use to write anywhere else.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.http import BadRequestError, HttpConnection, ProtocolError, UnavailableError, safe_file_name
from tui.services.cerb.errors import SERVICE

if TYPE_CHECKING:
    import httpx

    from tui.services.cerb.models import Attachment

Progress = Callable[[int, int], None]  # (bytes done, bytes in all; 0 when unknown)
CHUNK_SIZE = 64 * 1024
MAX_UPLOAD = 20 * 1024 * 1024  # Cerb's default attachment limit; the whole file travels in one form post
MIN_DOWNLOAD_BYTES = 16 * 1024  # a download delivering less in `deadline` seconds has stalled


def free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name (2)`, `name (3)`... when taken: a download never replaces another file."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem} ({n}){suffix}"
    return candidate


def upload_fields(path: Path) -> list[tuple[str, str | int]]:
    """The form fields of `attachments/upload` for a file on disk."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD:
            raise BadRequestError(
                f"{path.name} is too large to attach ({size >> 20} MB; at most {MAX_UPLOAD >> 20} MB).",
                service=SERVICE,
            )
        content = path.read_bytes()
    except OSError as exc:
        raise BadRequestError(f"Cannot read {path.name}: {exc.strerror or exc}.", service=SERVICE) from None
    if not content:
        raise BadRequestError(f"{path.name} is empty; Cerb does not take an empty file.", service=SERVICE)
    return [
        ("content", base64.b64encode(content).decode("ascii")),
        ("encoding", "base64"),
        ("file_name", path.name),
        ("mime_type", mimetypes.guess_type(path.name)[0] or "application/octet-stream"),
    ]


def _not_the_file(http: HttpConnection, response: httpx.Response, head: bytes) -> Exception:
    """Why a reply is not the file: Cerb answers a download it refuses with its JSON error (HTTP 200)."""
    import httpx  # already imported: a download is under way

    reply = httpx.Response(response.status_code, content=head, headers=response.headers, request=response.request)
    http.json(reply)  # not JSON at all: that is the error
    http.raise_for_error(reply)  # Cerb's error, mapped (and any secret it echoes masked) as every reply's is
    return ProtocolError("Cerb did not send the file (its reply was not an attachment).", service=SERVICE)


async def _head(response: httpx.Response, deadline: float, limit: int = 64 * 1024) -> bytes:
    """The first `limit` bytes of a reply, within `deadline` (enough to read an error; a stream never ends)."""
    head = bytearray()
    try:
        async with asyncio.timeout(deadline):
            async for chunk in response.aiter_bytes(CHUNK_SIZE):
                head += chunk
                if len(head) >= limit:
                    break
    except TimeoutError:
        pass
    return bytes(head)


async def download_to(
    http: HttpConnection, url: str, attachment: Attachment, folder: Path, progress: Progress | None
) -> Path:
    """Stream `url` into `folder` under the attachment's safe name; the file appears complete or not at all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dest = free_path(folder, safe_file_name(attachment.name, f"attachment-{attachment.id}"))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            async with http.stream("GET", url, refuse_html=True) as response:
                length = response.headers.get("content-length", "")
                total = int(length) if length.isdigit() else attachment.size
                # Cerb sends a file as an attachment; anything else is its refusal (JSON) or not Cerb at all
                if "attachment" not in response.headers.get("content-disposition", "").lower():
                    raise _not_the_file(http, response, await _head(response, http.deadline))
                done = 0
                if progress:
                    progress(0, total)
                window_start, window_bytes = time.monotonic(), 0
                async for chunk in response.aiter_bytes(CHUNK_SIZE):
                    handle.write(chunk)
                    done += len(chunk)
                    window_bytes += len(chunk)
                    if time.monotonic() - window_start >= http.deadline:
                        if window_bytes < MIN_DOWNLOAD_BYTES:
                            raise UnavailableError(
                                f"Cerb sends the file too slowly (under {MIN_DOWNLOAD_BYTES // 1024} KB in "
                                f"{http.deadline:g} s).",
                                service=SERVICE,
                            )
                        window_start, window_bytes = time.monotonic(), 0
                    if progress:
                        progress(done, total)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest
