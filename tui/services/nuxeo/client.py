"""An async client for the Nuxeo REST API (v1) and Content Automation, returning typed objects.

No Textual import here: the client works from a plain script. Everything goes through `tui.http.HttpConnection`,
so requests are pooled, retried when safe, logged with secrets redacted, and every failure is a `ServiceError`.
"""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

from tui.http import (
    AuthError,
    BadRequestError,
    ExchangeLog,
    HttpConnection,
    HttpServiceClient,
    NotFoundError,
    ProtocolError,
    UnavailableError,
)
from tui.services.nuxeo.errors import nuxeo_error
from tui.services.nuxeo.locks_versions import FETCH_DOCUMENT, LockAndVersionCalls, versioning_header
from tui.services.nuxeo.models import REPOSITORY, Document, DocumentPage, Operation, ServerInfo, User
from tui.services.nuxeo.schemas import DocType
from tui.services.nuxeo.wire import (
    SERVICE,
    BatchWire,
    CmisWire,
    DocumentWire,
    OperationsWire,
    PageWire,
    UserWire,
    checked,
)

if TYPE_CHECKING:
    import httpx  # imported by the connection when the first request goes out (see tui.http.connection)

    from tui.profiles import Connection

CHUNK_SIZE = 64 * 1024
MIN_DOWNLOAD_BYTES = 16 * 1024  # a download delivering less in `deadline` seconds has stalled

Progress = Callable[[int, int], None]


def doc_url(ref: str, adapter: str = "") -> str:
    """The REST URL of a document given a path ("/a/b") or a uid; `adapter` like "@children" is appended."""
    if ref.startswith("/"):
        path = "/" + "/".join(quote(part, safe="") for part in ref.split("/") if part)
        url = f"api/v1/repo/{REPOSITORY}/path{path}"
    else:
        url = f"api/v1/repo/{REPOSITORY}/id/{quote(ref, safe='')}"
    if adapter:
        url = url + "/" + adapter  # the root gives "path//@children", as the official clients send it
    return url


def nxql_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def slug(text: str) -> str:
    """A path segment from a title, the way Nuxeo makes names: lower case, dashes, nothing odd."""
    name = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    return name[:64]


def looks_like_nxql(text: str) -> bool:
    return text.lstrip()[:7].upper() == "SELECT "


def cannot_save(dest: Path, exc: OSError) -> BadRequestError:
    return BadRequestError(f"Cannot save {dest}: {exc.strerror or exc}.", service=SERVICE)


def document(data: Any, what: str) -> Document:
    """A document from a reply (decoded JSON), checked against its shape; `what` names the request for errors."""
    return Document.from_wire(checked(data, DocumentWire, what), data)


def document_page(data: Any, what: str) -> DocumentPage:
    """A page of documents from a reply (decoded JSON), checked against its shape."""
    return DocumentPage.from_wire(checked(data, PageWire, what), data)


class NuxeoClient(LockAndVersionCalls, HttpServiceClient):
    """Talks to one Nuxeo server as one user (HTTP Basic, or an `X-Authentication-Token`)."""

    product = SERVICE

    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: str = "",
        *,
        token: str = "",
        exchange_log: ExchangeLog | None = None,
        timeout: httpx.Timeout | float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.username = username
        headers = {"Accept": "application/json, */*"}
        auth: tuple[str, str] | None = None  # HTTP Basic
        if token:
            headers["X-Authentication-Token"] = token
        elif username or password:
            auth = (username, password)
        kwargs: dict[str, Any] = {}
        if timeout is not None:
            kwargs["timeout"] = timeout
        self.http = HttpConnection(
            self.base_url,
            service=SERVICE,
            auth=auth,
            headers=headers,
            exchange_log=exchange_log,
            secrets=[password, token],
            public=[username],
            error_from_response=lambda response: nuxeo_error(
                response, with_token=bool(token), secrets=self.http.secrets
            ),
            transport=transport,
            **kwargs,
        )

    @classmethod
    def from_connection(
        cls, connection: Connection, secret: str, *, exchange_log: ExchangeLog | None = None
    ) -> NuxeoClient:
        token = ""
        if connection.options.get("auth") == "token":  # a profile may hold a Nuxeo token instead of a password
            token, secret = secret, ""
        return cls(connection.url, connection.username, secret, token=token, exchange_log=exchange_log)

    # -- who and where ------------------------------------------------------------------------------------------------

    async def check(self) -> str:
        user = await self.current_user()
        info = await self.server_info()
        return f"Signed in as {user.username} on Nuxeo {info.product_version}"

    async def server_info(self) -> ServerInfo:
        try:
            reply = await self.http.get_json("json/cmis")
        except NotFoundError:  # a Nuxeo without the CMIS add-on: signed in all the same, version unknown
            return ServerInfo(product_version="unknown")
        cmis = checked(reply, CmisWire, "GET json/cmis")
        version = cmis.default.product_version if cmis.default is not None else None
        return ServerInfo(product_version=version or "unknown")

    async def current_user(self) -> User:
        user = User.from_wire(checked(await self.http.get_json("api/v1/me"), UserWire, "GET api/v1/me"))
        if not user.username:  # whoever answered does not know who we are: not a Nuxeo that signed us in
            raise ProtocolError("Nuxeo answered GET api/v1/me without a username.", status=200, service=SERVICE)
        return user

    async def document_type(self, name: str) -> DocType:
        """A document type's facets and every field of its schemas with its type (`GET config/types/{name}`)."""
        url = "api/v1/config/types/" + quote(name, safe="")
        return DocType.from_reply(await self.http.get_json(url), f"GET {url}")

    # -- documents ----------------------------------------------------------------------------------------------------

    @staticmethod
    def _doc_headers(schemas: str, enrichers: tuple[str, ...] | list[str]) -> dict[str, str]:
        headers = {"properties": schemas or "*", "fetch-document": FETCH_DOCUMENT}
        if enrichers:
            headers["enrichers-document"] = ",".join(enrichers)
        return headers

    async def get(self, ref: str, *, schemas: str = "*", enrichers: tuple[str, ...] = ()) -> Document:
        url = doc_url(ref)
        return document(await self.http.get_json(url, headers=self._doc_headers(schemas, enrichers)), f"GET {url}")

    async def children(
        self,
        ref: str,
        *,
        page: int = 0,
        page_size: int = 100,
        schemas: str = "dublincore,file",
        enrichers: tuple[str, ...] = ("children",),
    ) -> DocumentPage:
        url = doc_url(ref, "@children")
        data = await self.http.get_json(
            url,
            params={"currentPageIndex": page, "pageSize": page_size},
            headers=self._doc_headers(schemas, enrichers),
        )
        return document_page(data, f"GET {url}")

    async def search(self, text_or_nxql: str, *, page: int = 0, page_size: int = 50) -> DocumentPage:
        """NXQL when the text starts with SELECT; otherwise a search of titles and full text for those words."""
        text = text_or_nxql.strip()
        if looks_like_nxql(text):
            query = text
        else:
            query = (
                "SELECT * FROM Document WHERE (dc:title ILIKE "
                + nxql_quote("%" + text.replace("%", "") + "%")
                + " OR ecm:fulltext = "
                + nxql_quote(text)
                + ") AND ecm:isTrashed = 0 AND ecm:isVersion = 0 ORDER BY dc:title"
            )
        return await self.query(query, page=page, page_size=page_size)

    async def query(self, nxql: str, *, page: int = 0, page_size: int = 50) -> DocumentPage:
        """One page of the documents an NXQL query matches."""
        data = await self.http.get_json(
            "api/v1/search/lang/NXQL/execute",
            params={"query": nxql, "currentPageIndex": page, "pageSize": page_size},
            headers=self._doc_headers("dublincore,file", ()),
        )
        return document_page(data, "GET api/v1/search/lang/NXQL/execute")

    async def trashed_children(self, parent_uid: str, *, page: int = 0, page_size: int = 100) -> DocumentPage:
        """The documents of a folder that are in the trash (the folder's trash view)."""
        nxql = (
            f"SELECT * FROM Document WHERE ecm:parentId = {nxql_quote(parent_uid)} AND ecm:isTrashed = 1"
            " AND ecm:isVersion = 0 ORDER BY dc:title"
        )
        return await self.query(nxql, page=page, page_size=page_size)

    async def descendant_count(self, path: str) -> int:
        """How many documents a folder holds at any depth, trashed or not (what a permanent delete takes with it)."""
        nxql = f"SELECT * FROM Document WHERE ecm:path STARTSWITH {nxql_quote(path)} AND ecm:isVersion = 0"
        return (await self.query(nxql, page_size=1)).total_size

    async def create(self, parent_ref: str, *, type: str, name: str, properties: dict[str, Any]) -> Document:
        body = {"entity-type": "document", "name": name, "type": type, "properties": properties}
        url = doc_url(parent_ref)
        response = await self.http.request("POST", url, json=body, headers=self._doc_headers("*", ()))
        return document(self.http.json(response), f"POST {url}")

    async def update(
        self,
        uid: str,
        properties: dict[str, Any],
        *,
        change_token: str | None = None,
        versioning: str | None = None,
    ) -> Document:
        """Change some properties; with `change_token`, the server refuses (ConflictError) if someone saved since.
        `versioning` "minor" or "major" also makes a version; a document someone else locked is refused (LockedError).
        Returns the live document."""
        body: dict[str, Any] = {"entity-type": "document", "uid": uid, "properties": properties}
        if change_token is not None:
            body["changeToken"] = change_token
        url = doc_url(uid)
        headers = self._doc_headers("*", ()) | versioning_header(versioning)
        try:
            response = await self.http.request("PUT", url, json=body, headers=headers)
        except AuthError as exc:
            raise await self._save_refusal(uid, exc) from None
        saved = document(self.http.json(response), f"PUT {url}")
        return await self.get(uid) if saved.is_version else saved  # Nuxeo answers a versioned save with the version

    async def delete(self, uid: str) -> None:
        """Delete for good (a folder with everything in it): `trash` is what a user means by delete."""
        await self.http.request("DELETE", doc_url(uid))

    async def trash(self, uid: str) -> Document:
        """Move a document to the trash, as Nuxeo's Web UI does: it can be restored (`untrash`)."""
        return await self._document_operation("Document.Trash", uid)

    async def untrash(self, uid: str) -> Document:
        return await self._document_operation("Document.Untrash", uid)

    async def _document_operation(self, operation_id: str, uid: str, params: dict[str, Any] | None = None) -> Document:
        result = await self.execute(operation_id, input=uid, params=params)
        if not isinstance(result, dict):
            raise ProtocolError(f"Nuxeo did not return the document from {operation_id}.", service=SERVICE)
        return document(result, f"POST site/automation/{operation_id}")

    async def move(self, uid: str, target_parent_ref: str, name: str | None = None) -> Document:
        """Move a document under another parent, or rename it (same parent, new name)."""
        params: dict[str, Any] = {"target": target_parent_ref}
        if name:
            params["name"] = name
        try:
            result = await self.execute("Document.Move", input=uid, params=params)
        except NotFoundError:
            # Nuxeo says "not found" for a missing target as for a missing document: name the one that is missing
            await self._must_exist(
                target_parent_ref, f"Nuxeo could not find it: there is no folder at {target_parent_ref}."
            )
            raise
        if not isinstance(result, dict):
            raise ProtocolError("Nuxeo did not return the moved document.", service=SERVICE)
        return document(result, "POST site/automation/Document.Move")

    async def _must_exist(self, ref: str, missing: str) -> None:
        """Raise NotFoundError(`missing`) when `ref` names no document."""
        try:
            await self.http.get_json(doc_url(ref), headers={"properties": "dublincore"})
        except NotFoundError:
            raise NotFoundError(missing, status=404, service=SERVICE) from None

    # -- blobs --------------------------------------------------------------------------------------------------------

    async def download(
        self, uid: str, dest: Path, *, xpath: str = "file:content", progress: Progress | None = None
    ) -> Path:
        """Stream a blob to `dest`; the file appears complete or not at all (temp file, then rename).

        An HTML page where the file was expected (a login portal, a proxy's error page) is refused, and so is a server
        that delivers less than `MIN_DOWNLOAD_BYTES` in any `deadline` seconds: a file dripped a byte at a time would
        otherwise hold the download open for hours, as bytes keep arriving before the read timeout."""
        dest = Path(dest)
        url = doc_url(uid, "@blob/" + xpath)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        except OSError as exc:
            raise cannot_save(dest, exc) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                async with self.http.stream("GET", url, refuse_html=True) as response:
                    await self._receive(response, handle, progress)
            os.replace(tmp_name, dest)
        except BaseException as exc:
            Path(tmp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):  # this computer's side: a full disk, a folder we may not write to
                raise cannot_save(dest, exc) from None
            raise
        return dest

    async def _receive(self, response: httpx.Response, handle: BinaryIO, progress: Progress | None) -> None:
        """Write the body to `handle` as the bytes come (no chunk size: one would wait until that many arrived,
        dripped or not), refusing a server that delivers less than MIN_DOWNLOAD_BYTES in any `deadline` seconds."""
        length = response.headers.get("content-length", "")
        total = int(length) if length.isdigit() else 0
        done = 0
        if progress:
            progress(0, total)
        window_start, window_bytes = time.monotonic(), 0
        async for chunk in response.aiter_bytes():
            handle.write(chunk)
            done += len(chunk)
            window_bytes += len(chunk)
            if time.monotonic() - window_start >= self.http.deadline:
                if window_bytes < MIN_DOWNLOAD_BYTES:
                    raise UnavailableError(
                        f"Nuxeo sends the file too slowly (under {MIN_DOWNLOAD_BYTES // 1024} KB in "
                        f"{self.http.deadline:g} s).",
                        service=SERVICE,
                    )
                window_start, window_bytes = time.monotonic(), 0
            if progress:
                progress(done, total)

    async def upload(self, path: Path, *, progress: Progress | None = None) -> tuple[str, str]:
        """Upload a file into a new batch; returns (batch_id, file_idx) to attach it to a document."""
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise BadRequestError(f"Cannot read {path.name}: {exc.strerror}.", service=SERVICE) from None
        response = await self.http.request("POST", "api/v1/upload")
        batch_id = checked(self.http.json(response), BatchWire, "POST api/v1/upload").batch_id
        file_idx = "0"
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"

        async def chunks() -> AsyncIterator[bytes]:
            sent = 0
            if progress:
                progress(0, size)
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK_SIZE):
                    sent += len(chunk)
                    yield chunk
                    if progress:
                        progress(sent, size)

        try:
            await self.http.request(
                "POST",
                f"api/v1/upload/{batch_id}/{file_idx}",
                content=chunks(),
                headers={
                    "X-File-Name": quote(path.name),
                    "X-File-Size": str(size),
                    "X-File-Type": mime,
                    "Content-Type": mime,
                    "Content-Length": str(size),
                },
            )
        except OSError as exc:  # the file went away or became unreadable while it was being sent
            raise BadRequestError(f"Cannot read {path.name}: {exc.strerror or exc}.", service=SERVICE) from None
        return batch_id, file_idx

    async def attach(
        self, uid: str, path: Path, *, xpath: str = "file:content", progress: Progress | None = None
    ) -> Document:
        """Upload a file and make it the blob at `xpath` of the document."""
        batch_id, file_idx = await self.upload(path, progress=progress)
        return await self.update(uid, {xpath: {"upload-batch": batch_id, "upload-fileId": file_idx}})

    # -- automation ---------------------------------------------------------------------------------------------------

    async def operations(self) -> list[Operation]:
        listing = checked(await self.http.get_json("site/automation"), OperationsWire, "GET site/automation")
        return sorted((Operation.from_wire(o) for o in listing.operations), key=lambda o: o.id)

    async def execute(
        self,
        operation_id: str,
        *,
        input: str | None = None,
        params: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        reads: bool = False,
    ) -> Any:
        """Run an automation operation; returns its JSON result, raw bytes for a blob, or None when void.
        `reads=True` for an operation that changes nothing (it then still runs in read-only mode)."""
        body: dict[str, Any] = {"params": {k: v for k, v in (params or {}).items() if v is not None}}
        if input:
            # a bare path or uid is a document reference: say so, as servers expect "doc:" (or docs:, blob:)
            body["input"] = input if re.match(r"^(doc|docs|blob|blobs):", input) else "doc:" + input
        if context:
            body["context"] = context
        response = await self.http.request(
            "POST",
            "site/automation/" + quote(operation_id, safe=""),
            json=body,
            headers=self._doc_headers("*", ()),
            reads=reads,
        )
        if response.status_code == 204 or not response.content:
            return None
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            return self.http.json(response)
        return response.content
