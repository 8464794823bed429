"""Likes and favorites: `/activities/{id}/likes[/{username}]` and `/activities/{id}/favorites[/{username}]`.

The two differ the way MAX's own routes do: removing a like answers 204, removing a favorite answers 200 with the
`unfavorite` activity it records; adding either answers 201 the first time and 200 after. A favorite answer carries
the activity's current `favorites`, `favoritesCount` and `favorited` in its `object`.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.max.replies import MaxError, counted, forbidden, not_found, reply
from tui.sandbox.max.store import Caller, MaxStore, iso


class ReactionRoutes:
    def __init__(self, store: MaxStore):
        self.store = store

    # -- likes ---------------------------------------------------------------------------------------------------------

    async def likes(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid = request.path_params["id"]
        s = self.store
        with s.lock:
            s.activity_row(aid)
            if request.method == "POST":
                with s.db:
                    created = s.db.execute(
                        "INSERT OR IGNORE INTO likes VALUES (?,?,?)", (aid, caller.username, time.time())
                    ).rowcount
                return reply(s.activity_json(aid, caller), status=201 if created else 200)
            rows = s.all("SELECT * FROM likes WHERE activity=? ORDER BY published", (aid,))
            if request.method == "HEAD":
                return counted(len(rows))
            names = s.names({r["username"] for r in rows})
            return reply([s.like_json(r, names) for r in rows])

    async def unlike(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid, username = request.path_params["id"], request.path_params["username"].lower()
        if username != caller.username and not caller.manager:
            raise forbidden("You can only remove your own like.")
        s = self.store
        with s.lock, s.db:
            s.activity_row(aid)
            gone = s.db.execute("DELETE FROM likes WHERE activity=? AND username=?", (aid, username)).rowcount
        if not gone:
            raise not_found(f"{username} has not liked activity {aid}")
        return Response(status_code=204)

    # -- favorites -----------------------------------------------------------------------------------------------------

    def _favorite_answer(self, verb: str, aid: str, caller: Caller, when: float) -> dict[str, Any]:
        """The `favorite` / `unfavorite` activity MAX answers with, the activity's favorites as they are now."""
        s = self.store
        current = s.activity_json(aid, caller)
        return {
            "id": s.ids.make(when),
            "objectType": "activity",
            "verb": verb,
            "actor": s.person_json(s.person(caller.username)),
            "object": {
                "id": aid,
                "objectType": current["object"]["objectType"],
                "favorites": current["favorites"],
                "favoritesCount": current["favoritesCount"],
                "favorited": current["favorited"],
            },
            "published": iso(when),
        }

    async def favorites(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid = request.path_params["id"]
        s = self.store
        with s.lock:
            s.activity_row(aid)
            if request.method == "POST":
                now = time.time()
                with s.db:
                    created = s.db.execute(
                        "INSERT OR IGNORE INTO favorites VALUES (?,?,?)", (aid, caller.username, now)
                    ).rowcount
                return reply(self._favorite_answer("favorite", aid, caller, now), status=201 if created else 200)
            rows = s.all("SELECT * FROM favorites WHERE activity=? ORDER BY published", (aid,))
            if request.method == "HEAD":
                return counted(len(rows))
            names = s.names({r["username"] for r in rows})
            return reply([s.like_json(r, names) for r in rows])

    async def unfavorite(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid, username = request.path_params["id"], request.path_params["username"].lower()
        if username != caller.username and not caller.manager:
            raise forbidden("You can only remove your own favorite.")
        s = self.store
        with s.lock:
            s.activity_row(aid)
            with s.db:
                gone = s.db.execute("DELETE FROM favorites WHERE activity=? AND username=?", (aid, username)).rowcount
            if not gone:
                raise MaxError(404, "ObjectNotFound", f"You didn't previously favorited this activity: {aid}")
            return reply(self._favorite_answer("unfavorite", aid, caller, time.time()))
