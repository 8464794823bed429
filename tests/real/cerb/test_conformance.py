"""The sandbox answers like Cerb 10.4: the same signed requests against both, and every reply compared (HTTP status,
`__status`, `__error`, `message`, keys and their JSON types). See `conformance.py` for what is compared and why."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from tests.conftest import start_sandbox
from tests.real.cerb.conformance import Params, Server, differences, send, shape
from tui.services.cerb.auth import BearerAuth, CerbSignatureAuth

pytestmark = pytest.mark.real_cerb

EXPAND = [("expand", "group_,bucket_,owner_,org_")]
NO_SUCH = "999999"


def learn_facts(server: Server) -> dict[str, int]:
    """Ids on this server for each kind of thing a request names, and a ticket of its own to write on."""
    facts: dict[str, int] = {"nosuch": int(NO_SUCH), "stamp": time.time_ns()}
    groups = send(server, "GET", "records/group/search.json", params=[("q", "sort:id"), ("limit", "10")]).body
    facts["group"] = groups["results"][1]["id"]
    facts["other_group"] = groups["results"][0]["id"]
    buckets = send(server, "GET", "records/bucket/search.json", params=[("limit", "100")]).body["results"]
    facts["bucket"] = next(b["id"] for b in buckets if b["group_id"] == facts["group"] and not b["is_default"])
    facts["other_bucket"] = next(b["id"] for b in buckets if b["group_id"] == facts["other_group"])
    me = send(server, "GET", "workers/me.json").body["id"]
    workers = send(server, "GET", "records/worker/search.json", params=[("limit", "50")]).body["results"]
    facts["worker"] = next(w["id"] for w in workers if w["id"] != me)
    composed = send(
        server,
        "POST",
        "tickets/compose.json",
        data=[
            ("group_id", str(facts["group"])),
            ("to", "conformance@example.com"),
            ("subject", "Conformance ticket"),
            ("content", "Written by the conformance tests."),
        ],
    ).body
    facts["ticket"] = composed["id"]
    facts["message"] = composed["latest_message_id"]
    return facts


@pytest.fixture(scope="module")
def servers(real_cerb, tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "cerb")
    sandbox_connection = box.profile().connection("cerb")
    mine = Server("sandbox", sandbox_connection.url, sandbox_connection.username, sandbox_connection.secret)
    theirs = Server("real", real_cerb.url, real_cerb.access_key, real_cerb.secret)
    for server in (mine, theirs):
        server.facts = learn_facts(server)
    yield mine, theirs
    box.stop()


def search(record: str, *params: tuple[str, str]) -> tuple[str, str, Params, Params | None]:
    return "GET", f"records/{record}/search.json", list(params), None


def put_fields(**fields: str) -> tuple[str, str, Params, Params | None]:
    return "PUT", "records/ticket/{ticket}.json", [], [(f"fields[{k}]", v) for k, v in fields.items()]


def post(path: str, *data: tuple[str, str]) -> tuple[str, str, Params, Params | None]:
    return "POST", path, [], list(data)


UPLOAD = [("file_name", "note.txt"), ("mime_type", "text/plain"), ("content", "A note of run {stamp}")]
COMPOSE = [("group_id", "{group}"), ("to", "someone@example.com"), ("subject", "Hello"), ("content", "Hi there")]
CASES: dict[str, tuple[str, str, Params, Params | None]] = {
    # search: with and without expand, paging, the query forms, bad filters, bad limits
    "search": search("ticket", ("limit", "5"), ("q", "status:o")),
    # the oldest tickets: the demo data's, with owners and organisations to expand on both servers
    "search expanded": search("ticket", ("limit", "5"), ("q", "status:o sort:id"), *EXPAND),
    "search default page": search("ticket"),
    "search page 2": search("ticket", ("limit", "2"), ("page", "2")),
    "search page 0": search("ticket", ("limit", "2"), ("page", "0")),
    "search page word": search("ticket", ("limit", "2"), ("page", "abc")),
    "search page far": search("ticket", ("limit", "2"), ("page", "1000")),
    "search limit word": search("ticket", ("limit", "abc")),
    "search limit 0": search("ticket", ("limit", "0")),
    "search limit negative": search("ticket", ("limit", "-1")),
    "search limit huge": search("ticket", ("limit", "1000")),
    "search limit in query": search("ticket", ("limit", "1"), ("q", "limit:3")),
    "search group by name": search("ticket", ("limit", "2"), ("q", "group:Sales")),
    "search group deep": search("ticket", ("limit", "2"), ("q", "group:(name:Sales)")),
    "search group id": search("ticket", ("limit", "2"), ("q", "group.id:{group}")),
    "search created relative": search("ticket", ("limit", "2"), ("q", 'created:"-1 week"')),
    "search updated range": search("ticket", ("limit", "2"), ("q", 'updated:"today to now"')),
    "search statuses": search("ticket", ("limit", "2"), ("q", "status:[o,w,c]")),
    "search sort": search("ticket", ("limit", "2"), ("q", "sort:-updated")),
    "search sort unknown": search("ticket", ("limit", "2"), ("q", "sort:bogus")),
    "search unknown filter": search("ticket", ("limit", "2"), ("q", "bogus:x")),
    "search bad status": search("ticket", ("limit", "2"), ("q", "status:x")),
    "search bad id": search("ticket", ("limit", "2"), ("q", "group.id:abc")),
    # (Cerb indexes message text for full-text search in the background, so only a word nobody wrote is compared)
    "search text": search("ticket", ("limit", "2"), ("q", "xyzzyplugh")),
    "search subject wildcard": search("ticket", ("limit", "2"), ("q", 'subject:"*onformance*"')),
    "search mask prefix": search("ticket", ("limit", "2"), ("q", "mask:ZZZZZ")),
    "search owner id": search("ticket", ("limit", "2"), ("q", "owner.id:{worker}")),
    "search unbalanced": search("ticket", ("limit", "2"), ("q", "(")),
    "search unknown record": search("nonesuch"),
    "legacy search GET": ("GET", "tickets/search.json", [("limit", "2")], None),
    "legacy search POST": post("tickets/search.json", ("limit", "2"), ("q", "status:o")),
    "unknown command": ("GET", "nonesuch/x.json", [], None),
    # get
    "get": ("GET", "records/ticket/{ticket}.json", [], None),
    "get expanded": ("GET", "records/ticket/{ticket}.json", EXPAND, None),
    "get missing": ("GET", "records/ticket/{nosuch}.json", [], None),
    "get not a number": ("GET", "records/ticket/abc.json", [], None),
    "legacy get": ("GET", "tickets/{ticket}.json", [], None),
    "legacy get missing": ("GET", "tickets/{nosuch}.json", [], None),
    "get message missing": ("GET", "records/message/{nosuch}.json", [], None),
    "get group missing": ("GET", "records/group/{nosuch}.json", [], None),
    # update: every field, every bad value
    "update status waiting": put_fields(status="w"),
    "update status closed": put_fields(status="c"),
    "update status open": put_fields(status="o"),
    "update status number": put_fields(status="2"),
    "update status word": put_fields(status="closed"),
    "update status bad": put_fields(status="x"),
    "update status_id": put_fields(status_id="1"),
    "update status_id bad": put_fields(status_id="9"),
    "update owner": put_fields(owner_id="{worker}"),
    "update owner none": put_fields(owner_id="0"),
    "update owner missing": put_fields(owner_id="{nosuch}"),
    "update owner word": put_fields(owner_id="abc"),
    "update bucket": put_fields(bucket_id="{bucket}"),
    "update bucket missing": put_fields(bucket_id="{nosuch}"),
    "update bucket zero": put_fields(bucket_id="0"),
    "update group alone": put_fields(group_id="{other_group}"),
    "update group and bucket": put_fields(group_id="{group}", bucket_id="{bucket}"),
    "update group missing": put_fields(group_id="{nosuch}"),
    "update bucket of another group": put_fields(group_id="{group}", bucket_id="{other_bucket}"),
    "update importance": put_fields(importance="70"),
    "update importance too big": put_fields(importance="200"),
    "update importance word": put_fields(importance="abc"),
    "update subject": put_fields(subject="Conformance ticket"),
    "update subject empty": put_fields(subject=""),
    "update reopen date": put_fields(reopen_date="1900000000"),
    "update reopen date word": put_fields(reopen_date="tomorrow"),
    "update spam": put_fields(spam_training="S"),
    "update spam bad": put_fields(spam_training="X"),
    "update status deleted": put_fields(status="d"),
    "update unknown field": put_fields(bogus="1"),
    "update no fields": ("PUT", "records/ticket/{ticket}.json", [], []),
    "update missing ticket": ("PUT", "records/ticket/{nosuch}.json", [], [("fields[importance]", "10")]),
    "legacy update": ("PUT", "tickets/{ticket}.json", [], [("importance", "60")]),
    # compose
    "compose": post("tickets/compose.json", *COMPOSE),
    "compose closed": post("tickets/compose.json", *COMPOSE, ("status", "2")),
    "compose letter status": post("tickets/compose.json", *COMPOSE, ("status", "c")),
    "compose with bucket": post("tickets/compose.json", *COMPOSE, ("bucket_id", "{bucket}")),
    "compose no group": post("tickets/compose.json", *COMPOSE[1:]),
    "compose no subject": post("tickets/compose.json", COMPOSE[0], COMPOSE[1], COMPOSE[3]),
    "compose no content": post("tickets/compose.json", *COMPOSE[:3]),
    "compose no to": post("tickets/compose.json", COMPOSE[0], *COMPOSE[2:]),
    "compose group missing": post("tickets/compose.json", ("group_id", "{nosuch}"), *COMPOSE[1:]),
    "compose group word": post("tickets/compose.json", ("group_id", "abc"), *COMPOSE[1:]),
    "compose bucket missing": post("tickets/compose.json", *COMPOSE, ("bucket_id", "{nosuch}")),
    # reply
    "reply": post("tickets/reply.json", ("message_id", "{message}"), ("content", "A reply")),
    "reply waiting": post("tickets/reply.json", ("message_id", "{message}"), ("content", "A reply"), ("status", "1")),
    "reply no content": post("tickets/reply.json", ("message_id", "{message}")),
    "reply no message": post("tickets/reply.json", ("content", "A reply")),
    "reply message missing": post("tickets/reply.json", ("message_id", "{nosuch}"), ("content", "A reply")),
    # comments
    "comment": post("tickets/{ticket}/comment.json", ("comment", "A note")),
    "comment empty": post("tickets/{ticket}/comment.json", ("comment", "")),
    "comment missing ticket": post("tickets/{nosuch}/comment.json", ("comment", "A note")),
    "comment record": post(
        "records/comment/create.json",
        ("fields[target__context]", "ticket"),
        ("fields[target_id]", "{ticket}"),
        ("fields[comment]", "A note"),
    ),
    "comment record no target": post("records/comment/create.json", ("fields[comment]", "A note")),
    "create unknown record": post("records/nonesuch/create.json", ("fields[name]", "x")),
    # files: uploaded, listed per message, downloaded
    # (a file new to the server, then the same again: Cerb's `file_id` is a number the first time, text the second)
    "upload": post("attachments/upload.json", *UPLOAD),
    "upload again": post("attachments/upload.json", *UPLOAD),
    "upload no content": post("attachments/upload.json", ("file_name", "note.txt"), ("mime_type", "text/plain")),
    "upload no name": post("attachments/upload.json", ("mime_type", "text/plain"), ("content", "abc")),
    "attachment missing": ("GET", "attachments/{nosuch}.json", [], None),
    "download missing": ("GET", "attachments/{nosuch}/download.json", [], None),
    "files of a message": search("attachment", ("q", "on.message:(id:{message})")),
    "reply with options": post(
        "tickets/reply.json",
        ("message_id", "{message}"),
        ("content", "With copies"),
        ("cc", "cc@example.com"),
        ("bcc", "bcc@example.com"),
        ("status", "2"),
        ("reopen_at", "tomorrow"),
    ),
    # messages, comments, workers, groups, buckets, contexts
    "messages": search("message", ("q", "ticket.id:{ticket}")),
    "messages expanded": search("message", ("q", "ticket.id:{ticket}"), ("expand", "content,sender_")),
    "comments": search("comment", ("q", "on.ticket:(id:{ticket})"), ("expand", "author_")),
    "workers": search("worker", ("limit", "50")),
    "workers with email": search("worker", ("limit", "50"), ("expand", "address_")),
    "me": ("GET", "workers/me.json", [], None),
    "me with email": ("GET", "workers/me.json", [("expand", "address_")], None),
    "worker missing": ("GET", "workers/{nosuch}.json", [], None),
    "groups": search("group", ("limit", "50")),
    "buckets": search("bucket", ("limit", "100")),
    "buckets of a group": search("bucket", ("q", "group.id:{group}")),
    "contexts": ("GET", "contexts/list.json", [], None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_sandbox_answers_like_cerb(servers, case):
    method, path, params, data = CASES[case]
    shapes = [shape(send(s, method, path, params=params, data=data), s.facts) for s in servers]
    assert not differences(*shapes), "\n".join(differences(*shapes))


def stale_date() -> str:
    return formatdate(0, usegmt=True)


AUTH_CASES = {
    "no credentials": (None, {}),
    "unknown access key": ("unknown-key", {}),
    "wrong secret": ("wrong-secret", {}),
    "stale date": ("stale-date", {}),
    "no date": ("no-date", {}),
    "header without a colon": (None, {"Cerb-Auth": "just-a-key"}),
    "unknown bearer token": ("bearer", {}),
}


def auth_for(server: Server, how: str | None):
    if how == "unknown-key":
        return CerbSignatureAuth("no-such-key", server.secret)
    if how == "wrong-secret":
        return CerbSignatureAuth(server.access_key, "wrong")
    if how == "stale-date":
        return CerbSignatureAuth(server.access_key, server.secret, clock=stale_date)
    if how == "no-date":
        return CerbSignatureAuth(server.access_key, server.secret, clock=lambda: "")
    if how == "bearer":
        return BearerAuth("no-such-token")
    return None


@pytest.mark.parametrize("case", list(AUTH_CASES))
def test_auth_failures_answer_like_cerb(servers, case):
    how, headers = AUTH_CASES[case]
    shapes = []
    for server in servers:
        auth = auth_for(server, how)
        if auth is None:  # no signature at all: a client that signs nothing
            auth = NoAuth()
        shapes.append(shape(send(server, "GET", "workers/me.json", auth=auth, headers=headers), server.facts))
    assert not differences(*shapes), "\n".join(differences(*shapes))


class NoAuth(CerbSignatureAuth):
    def __init__(self) -> None:
        super().__init__("", "")

    def auth_flow(self, request):
        yield request
