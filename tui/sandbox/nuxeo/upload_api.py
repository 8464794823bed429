"""The batch upload REST API, `/api/v1/upload`: make a batch (POST), send its files (POST `{batchId}/{fileIdx}`,
whole or in chunks), read what it holds (GET the batch or one file), run an operation on it (POST
`{batchId}[/{fileIdx}]/execute/{operationId}`), drop a file or the batch (DELETE).

A file's info is Nuxeo's: `name`, `size` (a number: the file's length, or for chunks still arriving the size announced
in X-File-Size) and `uploadType`, plus `uploadedChunkIds` and `chunkCount` for a chunked file, whose info answers 202
until every chunk is in. An upload answers `uploadedSize` as a string, as Nuxeo does. A batch without files answers
204, an unknown batch or file 404.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.sandbox.nuxeo.batches import UploadBatches
from tui.sandbox.nuxeo.errors import NuxeoHTTPError

# runs an operation on what the batch holds: (request, operation id, one blob or the list of them) -> response
RunOnBlobs = Callable[[Request, str, dict[str, Any] | list[dict[str, Any]]], Awaitable[Response]]


def header_int(request: Request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.strip().isdigit():
        raise NuxeoHTTPError(400, "X-Upload-Chunk-Index, X-Upload-Chunk-Count and X-File-Size headers must be numbers")
    return int(raw)


def file_info(batches: UploadBatches, batch_id: str, file_idx: str) -> tuple[dict[str, Any], bool]:
    """-> (the file's info, whether it is complete); 404 when the batch has no such file."""
    received, count, announced, chunk_name = batches.chunks(batch_id, file_idx)
    if not count:
        meta = batches.file(batch_id, file_idx)
        return {"name": meta["name"], "size": int(meta["length"]), "uploadType": "normal"}, True
    complete = len(received) == count
    size = int(batches.file(batch_id, file_idx)["length"]) if complete else announced
    info = {"name": chunk_name, "size": size, "uploadType": "chunked", "uploadedChunkIds": received}
    return info | {"chunkCount": count}, complete


async def upload(request: Request, batches: UploadBatches, parts: list[str], run: RunOnBlobs) -> Response:
    """`parts`: the path below /api/v1/upload, split on "/"."""
    method = request.method
    parts = [p for p in parts if p != ""]
    if not parts:
        if method == "POST":
            return JSONResponse({"batchId": batches.new()}, status_code=201)
        raise NuxeoHTTPError(405, "Use POST to create an upload batch")
    if parts == ["handlers"]:
        return JSONResponse({"handlers": [{"name": "default"}]})
    batch_id = parts[0]
    if not batches.exists(batch_id):
        raise NuxeoHTTPError(404, f"Unknown batch {batch_id}")
    if len(parts) >= 2 and parts[-2] == "execute":
        file_idx = parts[1] if len(parts) == 4 else None
        rows = batches.files(batch_id)
        if file_idx is not None:
            rows = [r for r in rows if r["file_idx"] == file_idx]
        if not rows:
            raise NuxeoHTTPError(404, f"Batch {batch_id} has no file{' ' + file_idx if file_idx else 's'}")
        blobs = [batches.file(batch_id, r["file_idx"]) for r in rows]
        # one file is one blob (an operation answers one document for it); the batch is a list of blobs
        return await run(request, parts[-1], blobs[0] if file_idx is not None else blobs)
    if len(parts) == 1:
        if method == "GET":
            infos = [file_info(batches, batch_id, idx)[0] for idx in batches.file_indexes(batch_id)]
            return JSONResponse(infos) if infos else Response(status_code=204)
        if method == "DELETE":
            batches.drop(batch_id)
            return JSONResponse({"batchId": batch_id, "dropped": "true"})
    if len(parts) == 2:
        file_idx = parts[1]
        if method == "POST":
            return await receive(request, batches, batch_id, file_idx)
        if method == "GET":
            info, complete = file_info(batches, batch_id, file_idx)
            return JSONResponse(info, status_code=200 if complete else 202)
        if method == "DELETE":
            file_info(batches, batch_id, file_idx)  # 404 when absent
            batches.drop(batch_id, file_idx)
            return Response(status_code=204)
    raise NuxeoHTTPError(404, f"No resource at /api/v1/upload/{'/'.join(parts)}")


async def receive(request: Request, batches: UploadBatches, batch_id: str, file_idx: str) -> Response:
    """A file, or one chunk of it (X-Upload-Type: chunked, X-Upload-Chunk-Index / -Count, X-File-Size)."""
    if not file_idx.isdigit():
        raise NuxeoHTTPError(400, "fileIdx request path parameter must be a number")
    data = await request.body()
    name = unquote(request.headers.get("X-File-Name") or f"file-{file_idx}")
    mime = request.headers.get("X-File-Type") or request.headers.get("content-type") or ""
    if "/" not in mime:  # none, or no MIME type ("pdf"): Nuxeo goes by the file name
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    answer: dict[str, Any] = {"uploaded": "true", "batchId": batch_id, "fileIdx": file_idx}
    if request.headers.get("X-Upload-Type") == "chunked":
        chunk = header_int(request, "X-Upload-Chunk-Index"), header_int(request, "X-Upload-Chunk-Count")
        received = batches.add_chunk(batch_id, file_idx, chunk, header_int(request, "X-File-Size"), name, mime, data)
        answer |= {"uploadType": "chunked", "uploadedSize": str(len(data))}
        answer |= {"uploadedChunkIds": received, "chunkCount": chunk[1]}
        return JSONResponse(answer, status_code=201 if len(received) == chunk[1] else 202)
    declared = request.headers.get("X-File-Size")
    if declared and declared.isdigit() and int(declared) != len(data):
        raise NuxeoHTTPError(400, f"Received {len(data)} bytes but X-File-Size says {declared}")
    batches.add_file(batch_id, file_idx, name, mime, data)
    answer |= {"uploadType": "normal", "uploadedSize": str(len(data))}
    return JSONResponse(answer, status_code=201)
