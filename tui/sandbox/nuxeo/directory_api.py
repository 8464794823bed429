"""The users and groups REST API: `/api/v1/me`, `/api/v1/user[/{name}]`, `/api/v1/group[/{name}]`, their `search`
(`?q=` prefix of a name, label or email; `*` or nothing lists all) and the membership links
`/api/v1/user/{name}/group/{group}` and `/api/v1/group/{group}/user/{name}` (POST adds, DELETE removes).

Anyone signed in may read; only an administrator may create, change or delete (403 otherwise). Group member lists
are written only when asked for, with `fetch-group=memberUsers,memberGroups,parentGroups` (query parameter or
`X-NXfetch.group` / `fetch.group` header), as Nuxeo does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tui.sandbox.common import json_object
from tui.sandbox.nuxeo.directory import Group, User, UserDirectory, group_json, user_json
from tui.sandbox.nuxeo.entities import page_entity
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.paging import DEFAULT_PAGE_SIZE, paging


def fetched_group_parts(request: Request) -> set[str]:
    values: list[str] = []
    for name in ("fetch-group", "fetch.group"):
        values += request.query_params.getlist(name)
    for name in ("X-NXfetch.group", "fetch.group", "fetch-group"):
        values += request.headers.getlist(name)
    return {part.strip() for value in values for part in value.split(",") if part.strip()}


def string_list(value: Any) -> list[str] | None:
    """A member list from a request body: absent or null means "unchanged"."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise NuxeoHTTPError(400, "Member lists must be JSON arrays of names")
    return [str(v) for v in value if v is not None]


class DirectoryAPI:
    def __init__(self, directory: UserDirectory):
        self.directory = directory

    async def handle(self, request: Request, username: str, parts: list[str]) -> Response:
        """`parts`: the path below /api/v1, split on "/" (parts[0] is "me", "user" or "group")."""
        method = request.method
        me = self.current(username)
        if parts == ["me"] and method == "GET":
            return JSONResponse(user_json(me, self.directory))
        kind, rest = parts[0], [p for p in parts[1:] if p != ""]
        if rest == ["search"] and method == "GET":
            return self.search(request, kind)
        if not rest:
            if method != "POST":
                raise NuxeoHTTPError(405, f"Use POST to create a {kind}")
            self.require_admin(me, "Cannot create artifact")
            body = await json_object(request)
            return await (self.create_user(body) if kind == "user" else self.create_group(request, body))
        name = rest[0]
        if len(rest) == 3 and rest[1] == ("group" if kind == "user" else "user"):
            user_name, group_name = (name, rest[2]) if kind == "user" else (rest[2], name)
            return self.membership(method, me, user_name, group_name)
        if len(rest) != 1:
            raise NuxeoHTTPError(404, f"No resource at /api/v1/{'/'.join(parts)}")
        if kind == "user":
            return await self.user_resource(request, me, name)
        return await self.group_resource(request, me, name)

    def current(self, username: str) -> User:
        user = self.directory.user(username)
        if user is None:  # signed in with a token of a user deleted since
            raise NuxeoHTTPError(401, "Unauthorized")
        return user

    def require_admin(self, me: User, message: str) -> None:
        if not me.is_administrator:
            raise NuxeoHTTPError(403, message)

    def existing_user(self, name: str) -> User:
        user = self.directory.user(name)
        if user is None:
            raise NuxeoHTTPError(404, "user does not exist")
        return user

    def existing_group(self, name: str) -> Group:
        group = self.directory.group(name)
        if group is None:
            raise NuxeoHTTPError(404, "group does not exist")
        return group

    # -- users --------------------------------------------------------------------------------------------------------

    async def create_user(self, body: dict[str, Any]) -> Response:
        properties = body.get("properties") or {}
        if not isinstance(properties, dict):
            raise NuxeoHTTPError(400, "properties must be a JSON object")
        name = str(properties.get("username") or body.get("id") or "").strip()
        if not name:
            raise NuxeoHTTPError(400, "User MUST have a name")
        if self.directory.user(name) is not None:
            raise NuxeoHTTPError(409, "User already exists")
        self.directory.save_user(name, properties, creating=True)
        return JSONResponse(user_json(self.existing_user(name), self.directory), status_code=201)

    async def user_resource(self, request: Request, me: User, name: str) -> Response:
        user = self.existing_user(name)
        if request.method == "GET":
            return JSONResponse(user_json(user, self.directory))
        self.require_admin(me, "User is not allowed to edit users")
        if request.method == "PUT":
            body = await json_object(request)
            properties = body.get("properties") or {}
            if not isinstance(properties, dict):
                raise NuxeoHTTPError(400, "properties must be a JSON object")
            self.directory.save_user(name, properties, creating=False)
            return JSONResponse(user_json(self.existing_user(name), self.directory))
        if request.method == "DELETE":
            self.directory.delete_user(name)
            return Response(status_code=204)
        raise NuxeoHTTPError(405, f"No {request.method} on a user")

    # -- groups -------------------------------------------------------------------------------------------------------

    def group_changes(self, body: dict[str, Any]) -> dict[str, Any]:
        properties = body.get("properties") or {}
        if not isinstance(properties, dict):
            raise NuxeoHTTPError(400, "properties must be a JSON object")
        properties = dict(properties)
        if body.get("grouplabel") is not None:  # the top-level field wins over properties.grouplabel
            properties["grouplabel"] = body["grouplabel"]
        return properties

    async def create_group(self, request: Request, body: dict[str, Any]) -> Response:
        name = str(body.get("groupname") or body.get("id") or (body.get("properties") or {}).get("groupname") or "")
        if not name.strip():
            raise NuxeoHTTPError(400, "Group MUST have a name")
        if self.directory.group(name) is not None:
            raise NuxeoHTTPError(409, "Group already exists")
        self.directory.save_group(
            name,
            self.group_changes(body),
            creating=True,
            member_users=string_list(body.get("memberUsers")),
            member_groups=string_list(body.get("memberGroups")),
            parent_groups=string_list(body.get("parentGroups")),
        )
        return JSONResponse(group_json(self.existing_group(name), fetched_group_parts(request)), status_code=201)

    async def group_resource(self, request: Request, me: User, name: str) -> Response:
        group = self.existing_group(name)
        if request.method == "GET":
            return JSONResponse(group_json(group, fetched_group_parts(request)))
        self.require_admin(me, "User is not allowed to edit groups")
        if request.method == "PUT":
            body = await json_object(request)
            self.directory.save_group(
                name,
                self.group_changes(body),
                creating=False,
                member_users=string_list(body.get("memberUsers")),
                member_groups=string_list(body.get("memberGroups")),
                parent_groups=string_list(body.get("parentGroups")),
            )
            return JSONResponse(group_json(self.existing_group(name), fetched_group_parts(request)))
        if request.method == "DELETE":
            self.directory.delete_group(name)
            return Response(status_code=204)
        raise NuxeoHTTPError(405, f"No {request.method} on a group")

    def membership(self, method: str, me: User, user_name: str, group_name: str) -> Response:
        user = self.existing_user(user_name)
        group = self.existing_group(group_name)
        if method not in ("POST", "DELETE"):
            raise NuxeoHTTPError(405, "Use POST to add a user to a group, DELETE to remove them")
        self.require_admin(me, "Cannot edit user")
        members = [m for m in group.member_users if m != user.username]
        if method == "POST":
            self.directory.save_group(group_name, {}, creating=False, member_users=[*members, user.username])
            return JSONResponse(user_json(self.existing_user(user_name), self.directory), status_code=201)
        self.directory.save_group(group_name, {}, creating=False, member_users=members)
        return PlainTextResponse(user.username)

    # -- search -------------------------------------------------------------------------------------------------------

    def search(self, request: Request, kind: str) -> Response:
        text = request.query_params.get("q") or ""
        raw_index = request.query_params.get("currentPageIndex") or "0"
        raw_size = request.query_params.get("pageSize") or str(DEFAULT_PAGE_SIZE)
        if not (raw_index.isdigit() and raw_size.isdigit()):
            raise NuxeoHTTPError(400, "currentPageIndex and pageSize must be numbers")
        page_index, page_size, offset = paging(int(raw_index), int(raw_size))
        entries: list[dict[str, Any]]
        if kind == "user":
            users = self.directory.search_users(text)
            total = len(users)
            entries = [user_json(u, self.directory) for u in users[offset : offset + page_size]]
        else:
            groups = self.directory.search_groups(text)
            total = len(groups)
            entries = [group_json(g, fetched_group_parts(request)) for g in groups[offset : offset + page_size]]
        page = page_entity(entries, total, page_index, page_size)
        page["entity-type"] = kind + "s"
        return JSONResponse(page)
