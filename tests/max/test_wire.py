"""Wire shapes: requests exactly as MAX's own client sends them are accepted; answers carry MAX's fields and codes."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
import pytest

HEX24 = re.compile(r"^[0-9a-f]{24}$")


def token_for(base: str, username: str, password: str) -> httpx.Response:
    # byte for byte what maxclient sends: an urlencoded form with these five fields
    body = urlencode(
        {"grant_type": "password", "client_id": "MAX", "scope": "widgetcli", "username": username, "password": password}
    )
    return httpx.post(
        base + "/oauth/token", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


@pytest.fixture(scope="module")
def http(max_box):
    with httpx.Client(base_url=max_box.base_url + "/max") as c:
        yield c


def headers(base: str, username: str, password: str | None = None) -> dict[str, str]:
    token = token_for(base, username, password or username).json()["access_token"]
    return {"X-Oauth-Token": token, "X-Oauth-Username": username, "X-Oauth-Scope": "widgetcli"}


@pytest.fixture(scope="module")
def admin(max_box):
    return headers(max_box.base_url, "admin", "admin")


@pytest.fixture(scope="module")
def alice_h(max_box):
    return headers(max_box.base_url, "alice")


def test_info_advertises_the_oauth_server_at_the_address_asked(max_box, http):
    info = http.get("/info").json()
    assert info["max.oauth_server"] == max_box.base_url + "/oauth"
    # a client that reached us under another name gets that name back
    other = httpx.get(max_box.base_url + "/max/info", headers={"Host": f"localhost:{max_box.port}"}).json()
    assert other["max.oauth_server"] == f"http://localhost:{max_box.port}/oauth"


def test_password_grant_form_gives_a_bearer_token(max_box):
    response = token_for(max_box.base_url, "admin", "admin")
    assert response.status_code == 200
    doc = response.json()
    assert doc["token_type"] == "bearer" and doc["scope"] == "widgetcli" and doc["access_token"]


def test_wrong_password_is_invalid_grant(max_box):
    response = token_for(max_box.base_url, "admin", "nope")
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_grant"


def test_missing_headers_and_wrong_token_are_401_in_max_error_shape(http, admin):
    response = http.get("/people/admin/timeline")
    assert response.status_code == 401
    assert response.json() == {
        "objectType": "error",
        "error": "Unauthorized",
        "error_description": "No auth headers found.",
    }
    forged = dict(admin, **{"X-Oauth-Token": "0" * 32})
    response = http.get("/people/admin/timeline", headers=forged)
    assert response.status_code == 401 and response.json()["objectType"] == "error"
    # a real token presented under another username is refused too
    response = http.get("/people/admin/timeline", headers=dict(admin, **{"X-Oauth-Username": "alice"}))
    assert response.status_code == 401


def test_collections_are_bare_lists_newest_first_with_24_hex_ids(http, admin):
    page = http.get("/people/admin/timeline", params={"limit": 25}, headers=admin).json()
    assert isinstance(page, list) and len(page) == 25
    ids = [a["id"] for a in page]
    assert all(HEX24.match(i) for i in ids)
    assert ids == sorted(ids, reverse=True)
    default = http.get("/people/admin/timeline", headers=admin).json()
    assert len(default) == 10  # MAX's default limit


def test_activity_documents_carry_the_documented_fields(http, admin):
    activity = http.get("/people/admin/timeline", params={"limit": 1}, headers=admin).json()[0]
    for key in (
        "id",
        "objectType",
        "verb",
        "actor",
        "object",
        "published",
        "contexts",
        "replies",
        "likes",
        "likesCount",
        "favorites",
        "favoritesCount",
        "generator",
        "liked",
        "favorited",
        "deletable",
    ):
        assert key in activity, key
    assert activity["objectType"] == "activity" and activity["verb"] == "post"
    assert set(activity["actor"]) >= {"username", "displayName", "objectType"}
    assert activity["object"]["objectType"] == "note" and isinstance(activity["object"]["content"], str)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", activity["published"])


def test_before_and_after_page_without_overlap_and_not_together(http, admin):
    first = http.get("/people/admin/timeline", params={"limit": 10}, headers=admin).json()
    older = http.get("/people/admin/timeline", params={"limit": 10, "before": first[-1]["id"]}, headers=admin).json()
    assert older and all(a["id"] < first[-1]["id"] for a in older)
    newer = http.get("/people/admin/timeline", params={"limit": 5, "after": older[0]["id"]}, headers=admin).json()
    assert [a["id"] for a in newer] == [a["id"] for a in first[-5:]]  # the five right after, newest first
    both = http.get(
        "/people/admin/timeline", params={"before": first[0]["id"], "after": older[-1]["id"]}, headers=admin
    )
    assert both.status_code == 400 and both.json()["error"] == "InvalidSearchParams"


def test_head_counts_in_x_total_items(http, admin):
    response = http.head("/people/alice/activities", headers=admin)
    assert response.status_code == 200
    total = int(response.headers["X-totalItems"])
    everything = http.get("/people/alice/activities", params={"limit": 1000}, headers=admin).json()
    assert total == len(everything) > 0
    assert {a["actor"]["username"] for a in everything} == {"alice"}


def test_post_as_maxclient_nests_it_201_then_200_on_repeat(http, alice_h):
    # maxclient: people['alice'].activities.post(object_content=...)
    # -> defaults {"object": {"objectType": "note"}} + nesting
    body = {"object": {"objectType": "note", "content": "Wire test post #wiretest"}, "generator": "Twitter"}
    first = http.post("/people/alice/activities", json=body, headers=alice_h)
    assert first.status_code == 201
    doc = first.json()
    assert doc["object"]["content"] == "Wire test post #wiretest" and doc["actor"]["username"] == "alice"
    assert doc["generator"] == "Twitter"
    again = http.post("/people/alice/activities", json=body, headers=alice_h)
    assert again.status_code == 200 and again.json()["id"] == doc["id"]
    found = http.get("/people/alice/timeline", params={"hashtag": "wiretest"}, headers=alice_h).json()
    assert [a["id"] for a in found] == [doc["id"]]


def test_post_without_content_is_a_validation_error(http, alice_h):
    response = http.post("/people/alice/activities", json={"object": {"objectType": "note"}}, headers=alice_h)
    assert response.status_code == 400 and response.json()["objectType"] == "error"
    response = http.post("/people/alice/activities", json={}, headers=alice_h)
    assert response.status_code == 400 and response.json()["error"] == "MissingField"


def test_posting_as_someone_else_is_forbidden(http, alice_h):
    response = http.post(
        "/people/bob/activities", json={"object": {"objectType": "note", "content": "x"}}, headers=alice_h
    )
    assert response.status_code == 403 and response.json()["error"] == "Forbidden"


def test_comment_is_a_comment_activity_replying_to_the_post(http, alice_h):
    post = http.post(
        "/people/alice/activities", json={"object": {"objectType": "note", "content": "Comment me"}}, headers=alice_h
    ).json()
    response = http.post(
        f"/activities/{post['id']}/comments",
        json={"object": {"objectType": "comment", "content": "Done"}},
        headers=alice_h,
    )
    assert response.status_code == 201
    doc = response.json()
    assert doc["verb"] == "comment" and doc["objectType"] == "activity"
    assert doc["object"]["inReplyTo"] == [{"id": post["id"], "objectType": "activity"}]
    comments = http.get(f"/activities/{post['id']}/comments", headers=alice_h).json()
    assert [c["content"] for c in comments] == ["Done"]
    again = http.get(f"/activities/{post['id']}", headers=alice_h).json()
    assert [r["id"] for r in again["replies"]] == [doc["id"]]


def test_like_201_then_200_unlike_204_then_404(http, admin, alice_h):
    post = http.post(
        "/people/alice/activities", json={"object": {"objectType": "note", "content": "Like me"}}, headers=alice_h
    ).json()
    url = f"/activities/{post['id']}/likes"
    assert http.post(url, headers=admin).status_code == 201
    again = http.post(url, headers=admin)
    assert again.status_code == 200 and again.json()["likesCount"] == 1 and again.json()["liked"] is True
    assert int(http.head(url, headers=admin).headers["X-totalItems"]) == 1
    gone = http.delete(f"{url}/admin", headers=admin)
    assert gone.status_code == 204 and gone.content == b""
    assert http.delete(f"{url}/admin", headers=admin).status_code == 404
    assert http.delete(f"{url}/admin", headers=alice_h).status_code == 403  # not your like to remove


def test_delete_own_204_others_403_then_404(http, alice_h, max_box):
    bob = headers(max_box.base_url, "bob")
    post = http.post(
        "/people/alice/activities", json={"object": {"objectType": "note", "content": "Delete me"}}, headers=alice_h
    ).json()
    assert http.delete(f"/activities/{post['id']}", headers=bob).status_code == 403
    assert http.delete(f"/activities/{post['id']}", headers=alice_h).status_code == 204
    response = http.get(f"/activities/{post['id']}", headers=alice_h)
    assert response.status_code == 404 and response.json()["error"] == "ObjectNotFound"
    assert http.get("/activities/nothex", headers=alice_h).json()["error"] == "InvalidId"


def test_people_and_contexts_201_then_200(http, admin):
    first = http.post("/people", json={"username": "wire.person", "displayName": "Wire Person"}, headers=admin)
    assert first.status_code == 201 and first.json()["displayName"] == "Wire Person"
    assert http.post("/people", json={"username": "wire.person"}, headers=admin).status_code == 200
    assert http.get("/people/wire.person", headers=admin).json()["username"] == "wire.person"
    unknown = http.get("/people/nobody.here", headers=admin)
    assert unknown.status_code == 400 and unknown.json()["error"] == "UnknownUserError"

    import hashlib

    url = "http://intranet.example.com/communities/wire"
    created = http.post("/contexts", json={"url": url, "displayName": "Wire", "objectType": "context"}, headers=admin)
    assert created.status_code == 201 and created.json()["hash"] == hashlib.sha1(url.encode()).hexdigest()
    assert http.post("/contexts", json={"url": url, "displayName": "Wire"}, headers=admin).status_code == 200
    assert http.get(f"/contexts/{created.json()['hash']}", headers=admin).json()["displayName"] == "Wire"
    sub = http.post(
        "/people/admin/subscriptions", json={"object": {"url": url, "objectType": "context"}}, headers=admin
    )
    assert sub.status_code == 201
    posted = http.post(
        f"/contexts/{created.json()['hash']}/activities",
        json={"object": {"objectType": "note", "content": "In the wire context"}},
        headers=admin,
    )
    assert posted.status_code == 201 and posted.json()["contexts"][0]["url"] == url
    in_context = http.get(f"/contexts/{created.json()['hash']}/activities", headers=admin).json()
    assert [a["id"] for a in in_context] == [posted.json()["id"]]


def test_people_without_manager_role_cannot_create_contexts(http, alice_h):
    response = http.post("/contexts", json={"url": "http://x.example.com"}, headers=alice_h)
    assert response.status_code == 403 and response.json()["objectType"] == "error"


def test_private_conversations(http, alice_h, max_box):
    bob = headers(max_box.base_url, "bob")
    carla = headers(max_box.base_url, "carla")
    body = {
        "object": {"objectType": "message", "content": "Hi Bob"},
        "contexts": [{"objectType": "conversation", "participants": ["alice", "bob"], "displayName": "Alice and Bob"}],
    }
    created = http.post("/conversations", json=body, headers=alice_h)
    assert created.status_code == 201
    cid = created.json()["contexts"][0]["id"]
    assert HEX24.match(cid) and created.json()["object"]["content"] == "Hi Bob"
    reply = http.post(
        f"/conversations/{cid}/messages", json={"object": {"objectType": "message", "content": "Hi Alice"}}, headers=bob
    )
    assert reply.status_code == 201
    messages = http.get(f"/conversations/{cid}/messages", headers=alice_h).json()
    assert [m["object"]["content"] for m in messages] == ["Hi Alice", "Hi Bob"]
    listed = http.get("/conversations", headers=bob).json()
    assert any(c["id"] == cid and c["messages"] == 2 for c in listed)
    assert http.get(f"/conversations/{cid}/messages", headers=carla).status_code == 403
