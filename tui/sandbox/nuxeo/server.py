"""The Nuxeo sandbox: the REST API v1 and Content Automation subset in ../shared wire notes, served from SQLite.

Mounted at `/nuxeo`. Users sign in with HTTP Basic or with an `X-Authentication-Token` obtained from
`/nuxeo/authentication/token`: Administrator / Administrator (group `administrators`), the other seeded users of
`users.py`, and those an administrator creates through the users API (`directory.py`, `directory_api.py`).

The tree is seeded like a fresh server plus demo content (see `seed.py`), with a folder of 10,000 documents
(`ctx.scale["nuxeo_docs"]` changes the count) for browsing and searching at scale. Documents are rendered by
`entities.py` (which also lists the enrichers), operations live in `operations.py`, their calling in `automation.py`;
searches and page providers in `page_providers.py`, batch uploads in `upload_api.py`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from tui.sandbox.common import BadRequest, int_param, json_object
from tui.sandbox.host import SandboxContext, ServiceSandbox
from tui.sandbox.nuxeo.automation import OperationSpec, run_operation
from tui.sandbox.nuxeo.directory_api import DirectoryAPI
from tui.sandbox.nuxeo.entities import REPOSITORY, document_response, page_response
from tui.sandbox.nuxeo.errors import NuxeoHTTPError, error_response
from tui.sandbox.nuxeo.introspection import config_resource
from tui.sandbox.nuxeo.operations import OPERATIONS, OPERATIONS_BY_NAME
from tui.sandbox.nuxeo.page_providers import search_response
from tui.sandbox.nuxeo.paging import DEFAULT_PAGE_SIZE, paging, sort_items
from tui.sandbox.nuxeo.schema import Doc
from tui.sandbox.nuxeo.seed import ARCHIVE_PATH, seed
from tui.sandbox.nuxeo.store import Repository, now_iso
from tui.sandbox.nuxeo.upload_api import upload
from tui.sandbox.nuxeo.versioning import check_in, versioning_option, versions_of

log = logging.getLogger(__name__)

PRODUCT_VERSION = "2023.12"
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD"]

Handler = Callable[[Request, str], Awaitable[Response]]


def query_int(request: Request, name: str, default: int) -> int:
    return int_param(request.query_params.get(name), name, default)


class NuxeoSandbox:
    """The routes, over one repository."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self.directory_api = DirectoryAPI(repo.directory)
        self.log: deque[tuple[str, str]] = deque(maxlen=1000)  # what the Log operation wrote

    # -- plumbing ------------------------------------------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        token = request.headers.get("x-authentication-token")
        if token:
            user = self.repo.tokens.user_of(token)
            if user:
                return user
            raise NuxeoHTTPError(401, "Unauthorized: unknown or revoked token")
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                username, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise NuxeoHTTPError(401, "Unauthorized: malformed Basic credentials") from None
            if self.repo.directory.check_password(username, password):
                return username
        raise NuxeoHTTPError(401, "Unauthorized")

    def endpoint(self, handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                user = self.authenticate(request) if auth else ""
                return await handler(request, user)
            except NuxeoHTTPError as exc:
                return error_response(exc.status, exc.message)
            except BadRequest as exc:  # a malformed body or parameter, found by the shared helpers
                return error_response(400, exc.message)
            except Exception as exc:  # a sandbox bug: answer in Nuxeo's shape, keep the traceback in the server log
                log.exception("Nuxeo sandbox failed on %s %s", request.method, request.url.path)
                return error_response(500, f"{type(exc).__name__}: {exc}")

        return run

    # -- top-level resources -------------------------------------------------------------------------------------------

    async def running_status(self, request: Request, user: str) -> Response:
        return PlainTextResponse("Ok")

    async def cmis(self, request: Request, user: str) -> Response:
        return JSONResponse(
            {
                "default": {
                    "repositoryId": REPOSITORY,
                    "repositoryName": REPOSITORY,
                    "repositoryDescription": "Default Repository",
                    "vendorName": "Nuxeo",
                    "productName": "Nuxeo Platform",
                    "productVersion": PRODUCT_VERSION,
                    "cmisVersionSupported": "1.1",
                    "rootFolderId": self.repo.by_path("/").uid,  # type: ignore[union-attr]
                }
            }
        )

    async def auth_token(self, request: Request, user: str) -> Response:
        app = request.query_params.get("applicationName", "")
        device = request.query_params.get("deviceId", "")
        permission = request.query_params.get("permission", "")
        if not app or not device or not permission:
            raise NuxeoHTTPError(400, "applicationName, deviceId and permission are required")
        if request.query_params.get("revoke", "false").lower() == "true":
            self.repo.tokens.revoke(user, app, device)
            return PlainTextResponse(f"Token revoked for {user}, {app}, {device}", status_code=202)
        token = self.repo.tokens.issue(user, app, device, permission)
        return PlainTextResponse(token, status_code=201 if request.method == "POST" else 200)

    async def nxfile(self, request: Request, user: str) -> Response:
        uid = request.path_params["uid"]
        rest = request.path_params["rest"]
        xpath = rest.rsplit("/", 1)[0] if "/" in rest else rest
        return self.blob_response(self.repo.resolve(uid), unquote(xpath))

    def blob_response(self, doc: Doc, xpath: str) -> Response:
        meta, data = self.repo.blob_at(doc, xpath)
        name = str(meta.get("name") or "file")
        return Response(
            data,
            media_type=str(meta.get("mime-type") or "application/octet-stream"),
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Digest": f"md5={meta.get('digest')}",
                "ETag": f'"{meta.get("digest")}"',
            },
        )

    # -- automation ----------------------------------------------------------------------------------------------------

    async def automation_index(self, request: Request, user: str) -> Response:
        return JSONResponse(
            {
                "paths": {"login": "login"},
                "codecs": [],
                "operations": [op.as_json() for op in OPERATIONS],
                "chains": [],
            }
        )

    async def automation_describe(self, request: Request, user: str) -> Response:
        return JSONResponse(self.operation(request.path_params["op"]).as_json())

    async def not_found(self, request: Request, user: str) -> Response:
        raise NuxeoHTTPError(404, f"Nothing at {request.url.path}")

    async def automation_run(self, request: Request, user: str) -> Response:
        return await self.run_operation(request, user, request.path_params["op"])

    def operation(self, op_id: str) -> OperationSpec:
        spec = OPERATIONS_BY_NAME.get(op_id)
        if spec is None:
            raise NuxeoHTTPError(404, f"No operation with id {op_id}")
        return spec

    async def run_operation(
        self,
        request: Request,
        user: str,
        op_id: str,
        blobs: dict[str, Any] | list[dict[str, Any]] | None = None,
        on: Doc | None = None,
    ) -> Response:
        spec = self.operation(op_id)
        return await run_operation(spec, request, user, self.repo, self.log, blobs=blobs, on=on)

    # -- REST API v1 ---------------------------------------------------------------------------------------------------

    async def api(self, request: Request, user: str) -> Response:
        rest = request.path_params["rest"]
        parts = [p for p in rest.split("/")]
        head = parts[0] if parts else ""
        method = request.method
        if head in ("me", "user", "group"):
            return await self.directory_api.handle(request, user, parts)
        if head == "upload":
            return await self.upload(request, user, parts[1:])
        if head == "config" and method == "GET":
            return JSONResponse(config_resource(parts[1:]))
        if head == "automation":
            if len(parts) == 1 or parts[1] == "":
                return await self.automation_index(request, user)
            if len(parts) == 2 and method == "POST":
                return await self.run_operation(request, user, parts[1])
        if head in ("query", "search"):
            return self.search(request, parts)
        if head == "repo" and len(parts) >= 3:
            if parts[1] != REPOSITORY:
                raise NuxeoHTTPError(404, f"No repository named {parts[1]}")
            rest = "/".join(parts[2:])
        if rest.startswith("path") or rest.startswith("id/"):
            return await self.document(request, user, rest)
        raise NuxeoHTTPError(404, f"No resource at /api/v1/{rest}")

    def search(self, request: Request, parts: list[str]) -> Response:
        """NXQL (`query`, `query/NXQL`, `search/execute`, `search/lang/NXQL/execute`) or a page provider
        (`query/{name}`, `search/pp/{name}/execute`), run by `page_providers`. Nuxeo serves every one of them to GET
        alone (and HEAD, which GET answers without a body): any other method is 405, in its exception entity."""
        parts = [p for p in parts if p]
        if request.method not in ("GET", "HEAD"):
            raise NuxeoHTTPError(405, f"Method Not Allowed: /api/v1/{'/'.join(parts)} answers GET only")
        if parts in (["query"], ["query", "NXQL"], ["search", "execute"]):
            return search_response(self.repo, request, None)
        if parts[0] == "query" and len(parts) == 2:
            return search_response(self.repo, request, parts[1])
        if len(parts) == 4 and parts[1] == "lang" and parts[3] == "execute":
            if parts[2] != "NXQL":
                raise NuxeoHTTPError(400, "invalid query language")
            return search_response(self.repo, request, None)
        if len(parts) == 4 and parts[1] == "pp" and parts[3] == "execute":
            return search_response(self.repo, request, parts[2])
        raise NuxeoHTTPError(404, f"No resource at /api/v1/{'/'.join(parts)}")

    async def document(self, request: Request, user: str, rest: str) -> Response:
        ref, _, adapter = rest.partition("/@")
        if ref.startswith("path"):
            doc = self.repo.by_path(ref[4:])
            if doc is None:
                raise NuxeoHTTPError(404, "/" + ref[4:].strip("/"))
        else:
            doc = self.repo.resolve(ref[3:])
        method = request.method
        if not adapter:
            if method in ("GET", "HEAD"):
                return document_response(self.repo, doc, request)
            if method == "POST":
                body = await json_object(request)
                if not body.get("type"):
                    raise NuxeoHTTPError(400, "A new document needs a type")
                properties = body.get("properties") or {}
                if not isinstance(properties, dict):
                    raise NuxeoHTTPError(400, "properties must be a JSON object")
                option = versioning_option(request.headers.get("X-Versioning-Option"))
                created = self.repo.create(doc, str(body["type"]), str(body.get("name") or ""), properties, user)
                if option != "none":
                    check_in(self.repo, created, option, now_iso())
                    created = self.repo.resolve(created.uid)
                return document_response(self.repo, created, request, status=201)
            if method == "PUT":
                body = await json_object(request)
                properties = body.get("properties") or {}
                if not isinstance(properties, dict):
                    raise NuxeoHTTPError(400, "properties must be a JSON object")
                token = body.get("changeToken")
                option = versioning_option(request.headers.get("X-Versioning-Option"))
                updated = self.repo.update(doc, properties, user, change_token=None if token is None else str(token))
                if option != "none":  # Nuxeo then answers with the version just made
                    updated = check_in(self.repo, updated, option, now_iso())
                return document_response(self.repo, updated, request)
            if method == "DELETE":
                self.repo.delete(doc)
                return Response(status_code=204)
        elif adapter == "children" and method == "GET":
            page_index, page_size, offset = paging(
                query_int(request, "currentPageIndex", 0), query_int(request, "pageSize", DEFAULT_PAGE_SIZE)
            )
            order = sort_items(request.query_params.get("sortBy"), request.query_params.get("sortOrder"))
            docs, total = self.repo.children(doc, offset, page_size, order)
            max_results = query_int(request, "maxResults", -1)
            if max_results >= 0:
                total = min(total, max_results)
            return page_response(self.repo, docs, total, page_index, page_size, request)
        elif adapter == "versions" and method == "GET":
            versions = versions_of(self.repo, doc)
            return page_response(self.repo, versions, len(versions), 0, max(1, len(versions)), request)
        elif adapter.startswith("blob/") and method in ("GET", "HEAD"):
            return self.blob_response(doc, adapter[5:])
        elif adapter.startswith("op/") and method == "POST":
            return await self.run_operation(request, user, adapter[3:], on=doc)
        raise NuxeoHTTPError(404 if method == "GET" else 405, f"No {method} on @{adapter or 'document'}")

    async def upload(self, request: Request, user: str, parts: list[str]) -> Response:
        async def run(request: Request, op_id: str, blobs: dict[str, Any] | list[dict[str, Any]]) -> Response:
            return await self.run_operation(request, user, op_id, blobs=blobs)

        return await upload(request, self.repo.batches, parts, run)

    # -- routes --------------------------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        e = self.endpoint
        return Starlette(
            routes=[
                Route("/runningstatus", e(self.running_status, auth=False), methods=["GET", "HEAD"]),
                Route("/json/cmis", e(self.cmis), methods=["GET"]),
                Route("/authentication/token", e(self.auth_token), methods=["GET", "POST"]),
                Route("/site/automation", e(self.automation_index), methods=["GET"]),
                Route("/site/automation/", e(self.automation_index), methods=["GET"]),
                Route("/site/automation/{op}", e(self.automation_run), methods=["POST"]),
                Route("/site/automation/{op}", e(self.automation_describe), methods=["GET"]),
                Route("/nxfile/{repo}/{uid}/{rest:path}", e(self.nxfile), methods=["GET", "HEAD"]),
                Route("/api/v1/{rest:path}", e(self.api), methods=ALL_METHODS),
                Route("/site/api/v1/{rest:path}", e(self.api), methods=ALL_METHODS),
                Route("/{rest:path}", e(self.not_found, auth=False), methods=ALL_METHODS),
            ]
        )


def create(ctx: SandboxContext) -> ServiceSandbox:
    """The Nuxeo part of the sandbox (see `tui.sandbox.host`)."""
    archive_size = int(ctx.scale.get("nuxeo_docs", 10_000))
    repo = Repository(ctx.db_path("nuxeo"))
    if repo.is_empty():
        seed(repo, archive_size)
    server = NuxeoSandbox(repo)

    def describe(base: str) -> str:
        where = f"{base.rstrip('/')}/nuxeo"
        return f"Nuxeo    {where}  (Administrator / Administrator; {archive_size:,} documents in {ARCHIVE_PATH})"

    return ServiceSandbox(
        kind="nuxeo",
        routes=[Mount("/nuxeo", app=server.app())],
        describe=describe,
        close=repo.close,
    )
