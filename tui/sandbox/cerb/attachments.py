"""Files in the Cerb sandbox: uploaded once (`attachments/upload.json`), attached to a message by a reply or a new
ticket (`file_id[]`), listed with `records/attachment/search.json?q=on.message:(id:N)`, and downloaded."""

from __future__ import annotations

import base64
import binascii

from starlette.responses import Response

from tui.sandbox.cerb.fields import CerbError
from tui.sandbox.cerb.store import CerbStore


def upload(store: CerbStore, fields: dict[str, str]) -> tuple[int, bool]:
    """The id of the uploaded file (`file_name`, `mime_type`, `content`, `encoding` base64 or text), and whether the
    same file was there already."""
    for name in ("file_name", "mime_type", "content"):
        if not fields.get(name, "" if name != "mime_type" else "application/octet-stream"):
            raise CerbError("ERROR", f"The '{name}' parameter is required.")
    content = fields["content"].encode()
    if fields.get("encoding") == "base64":
        try:
            content = base64.b64decode(fields["content"])
        except (binascii.Error, ValueError):
            content = b""  # what PHP's base64_decode leaves of garbage
    mime_type = fields.get("mime_type") or "application/octet-stream"
    return store.add_attachment(fields["file_name"], mime_type, content)


def download(store: CerbStore, attachment_id: str) -> Response:
    """The file's bytes with its type and name, as Cerb sends them; an unknown id is Cerb's JSON error."""
    row = store.row("attachments", int(attachment_id)) if attachment_id.isdigit() else None
    if row is None:
        raise CerbError("ERROR", f"Invalid attachment id '{int(attachment_id) if attachment_id.isdigit() else 0}'")
    return Response(
        bytes(row["content"]),
        media_type=row["mime_type"],
        headers={"Content-Disposition": f"attachment; filename={row['name']}"},
    )
