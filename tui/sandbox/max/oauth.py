"""MAX's OAuth server, mounted at `/oauth`: the password grant (`/token`) and the token check (`/checktoken`).

It answers OAuth's own error shape (`{"error": "invalid_grant", ...}`), not MAX's error document.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tui.sandbox.common import form_fields, json_reply
from tui.sandbox.max.store import MaxStore

SCOPE = "widgetcli"


class OAuthServer:
    def __init__(self, store: MaxStore):
        self.store = store

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/token", self.token, methods=["POST"]),
            Route("/checktoken", self.check_token, methods=["POST"]),
        ]

    async def token(self, request: Request) -> Response:
        form = await form_fields(request)
        if form.get("grant_type") != "password":
            return json_reply({"error": "unsupported_grant_type"}, status=400)
        username, password = form.get("username", ""), form.get("password", "")
        if not username or not password:
            return json_reply(
                {"error": "invalid_request", "error_description": "username and password are required"}, status=400
            )
        token = self.store.grant(username, password)
        if token is None:
            return json_reply(
                {"error": "invalid_grant", "error_description": "Invalid username or password"}, status=400
            )
        return json_reply(
            {
                "access_token": token,
                "oauth_token": token,
                "token_type": "bearer",
                "scope": form.get("scope") or SCOPE,
                "expires_in": int(self.store.token_ttl),
            }
        )

    async def check_token(self, request: Request) -> Response:
        form = await form_fields(request)
        if self.store.token_valid(form.get("access_token", ""), form.get("username", "")):
            return json_reply({"status": "ok"})
        return json_reply({"error": "invalid_token"}, status=401)
