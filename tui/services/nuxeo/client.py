"""An async client for the Nuxeo REST API (v1) and Content Automation, returning typed objects.

No Textual import here: the client works from a plain script. Everything goes through `tui.http.HttpConnection`,
so requests are pooled, retried when safe, logged with secrets redacted, and every failure is a `ServiceError`.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    ExchangeLog,
    HttpConnection,
    HttpServiceClient,
    NotFoundError,
    ServiceError,
    error_for_status,
)
from tui.services.nuxeo.models import REPOSITORY, Document, DocumentPage, Operation, ServerInfo, User

if TYPE_CHECKING:
    from tui.profiles import Connection

SERVICE = "Nuxeo"
CHUNK_SIZE = 64 * 1024

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------------


def nuxeo_error(response: httpx.Response, *, with_token: bool = False) -> ServiceError | None:
    """Nuxeo's error shape is `{"entity-type": "exception", "status", "message"}`; turn it into a readable error.

    Returns None for success statuses, and for bodies that are not Nuxeo's JSON (HttpConnection then describes
    an HTML page or a bare status itself).
    """
    status = response.status_code
    if status < 400:
        return None
    if status == 401:
        if with_token:
            return AuthError(
                "Nuxeo refused the authentication token.",
                status=status,
                service=SERVICE,
                hint="The token may have been revoked; ask for a new one and put it in the profile.",
            )
        return AuthError("Nuxeo refused the username or password.", status=status, service=SERVICE)
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("entity-type") == "exception" or "message" in body):
        message = str(body.get("message") or "").strip()
    if not message:
        return None
    message = message if message.endswith((".", "!", "?")) else message + "."
    if status == 403:
        return AuthError(
            f"Nuxeo does not allow this: {message}",
            status=status,
            service=SERVICE,
            hint="Ask an administrator for the permission, or sign in as another user.",
        )
    if status == 404:
        return NotFoundError(f"Nuxeo could not find it: {message}", status=status, service=SERVICE)
    if status == 409:
        return ConflictError(f"Nuxeo refused the change: {message}", status=status, service=SERVICE)
    if status == 400:
        return BadRequestError(f"Nuxeo rejected the request: {message}", status=status, service=SERVICE)
    cls = error_for_status(status)
    return cls(f"Nuxeo failed (HTTP {status}): {message}", status=status, service=SERVICE)


# --------------------------------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------------------------------


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


class NuxeoClient(HttpServiceClient):
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
        auth: httpx.Auth | None = None
        if token:
            headers["X-Authentication-Token"] = token
        elif username or password:
            auth = httpx.BasicAuth(username, password)
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
            error_from_response=functools.partial(nuxeo_error, with_token=bool(token)),
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
        data = await self.http.get_json("json/cmis")
        try:
            return ServerInfo(product_version=str(data["default"]["productVersion"]))
        except (KeyError, TypeError):
            return ServerInfo(product_version="unknown")

    async def current_user(self) -> User:
        return User.from_json(await self.http.get_json("api/v1/me"))

    # -- documents ----------------------------------------------------------------------------------------------------

    @staticmethod
    def _doc_headers(schemas: str, enrichers: tuple[str, ...] | list[str]) -> dict[str, str]:
        headers = {"properties": schemas or "*"}
        if enrichers:
            headers["enrichers-document"] = ",".join(enrichers)
        return headers

    async def get(self, ref: str, *, schemas: str = "*", enrichers: tuple[str, ...] = ()) -> Document:
        data = await self.http.get_json(doc_url(ref), headers=self._doc_headers(schemas, enrichers))
        return Document.from_json(data)

    async def children(
        self,
        ref: str,
        *,
        page: int = 0,
        page_size: int = 100,
        schemas: str = "dublincore,file",
        enrichers: tuple[str, ...] = ("children",),
    ) -> DocumentPage:
        data = await self.http.get_json(
            doc_url(ref, "@children"),
            params={"currentPageIndex": page, "pageSize": page_size},
            headers=self._doc_headers(schemas, enrichers),
        )
        return DocumentPage.from_json(data)

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
        data = await self.http.get_json(
            "api/v1/search/lang/NXQL/execute",
            params={"query": query, "currentPageIndex": page, "pageSize": page_size},
            headers={"properties": "dublincore,file"},
        )
        return DocumentPage.from_json(data)

    async def create(self, parent_ref: str, *, type: str, name: str, properties: dict[str, Any]) -> Document:
        body = {"entity-type": "document", "name": name, "type": type, "properties": properties}
        response = await self.http.request("POST", doc_url(parent_ref), json=body, headers={"properties": "*"})
        return Document.from_json(self.http.json(response))

    async def update(self, uid: str, properties: dict[str, Any], *, change_token: str | None = None) -> Document:
        """Change some properties; with `change_token`, the server refuses (ConflictError) if someone saved since."""
        body: dict[str, Any] = {"entity-type": "document", "uid": uid, "properties": properties}
        if change_token is not None:
            body["changeToken"] = change_token
        response = await self.http.request("PUT", doc_url(uid), json=body, headers={"properties": "*"})
        return Document.from_json(self.http.json(response))

    async def delete(self, uid: str) -> None:
        await self.http.request("DELETE", doc_url(uid))

    async def move(self, uid: str, target_parent_ref: str, name: str | None = None) -> Document:
        """Move a document under another parent, or rename it (same parent, new name)."""
        params: dict[str, Any] = {"target": target_parent_ref}
        if name:
            params["name"] = name
        result = await self.execute("Document.Move", input=uid, params=params)
        if not isinstance(result, dict):
            raise ServiceError("Nuxeo did not return the moved document.", service=SERVICE)
        return Document.from_json(result)

    # -- blobs --------------------------------------------------------------------------------------------------------

    async def download(
        self, uid: str, dest: Path, *, xpath: str = "file:content", progress: Progress | None = None
    ) -> Path:
        """Stream a blob to `dest`; the file appears complete or not at all (temp file, then rename)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        url = doc_url(uid, "@blob/" + xpath)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                async with self.http.stream("GET", url) as response:
                    total = int(response.headers.get("content-length") or 0)
                    done = 0
                    if progress:
                        progress(0, total)
                    async for chunk in response.aiter_bytes(CHUNK_SIZE):
                        handle.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return dest

    async def upload(self, path: Path, *, progress: Progress | None = None) -> tuple[str, str]:
        """Upload a file into a new batch; returns (batch_id, file_idx) to attach it to a document."""
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise BadRequestError(f"Cannot read {path.name}: {exc.strerror}.", service=SERVICE) from None
        response = await self.http.request("POST", "api/v1/upload")
        batch_id = str(self.http.json(response)["batchId"])
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
        return batch_id, file_idx

    async def attach(
        self, uid: str, path: Path, *, xpath: str = "file:content", progress: Progress | None = None
    ) -> Document:
        """Upload a file and make it the blob at `xpath` of the document."""
        batch_id, file_idx = await self.upload(path, progress=progress)
        return await self.update(uid, {xpath: {"upload-batch": batch_id, "upload-fileId": file_idx}})

    # -- automation ---------------------------------------------------------------------------------------------------

    async def operations(self) -> list[Operation]:
        data = await self.http.get_json("site/automation")
        ops = [Operation.from_json(o) for o in (data or {}).get("operations") or []]
        return sorted(ops, key=lambda o: o.id)

    async def execute(
        self,
        operation_id: str,
        *,
        input: str | None = None,
        params: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Any:
        """Run an automation operation; returns its JSON result, raw bytes for a blob, or None when void."""
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
            headers={"properties": "*"},
        )
        if response.status_code == 204 or not response.content:
            return None
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            return self.http.json(response)
        return response.content
