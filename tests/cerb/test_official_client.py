"""The official `cerbapi` library, unchanged, against the sandbox: proof the sandbox speaks real Cerb."""

from __future__ import annotations

from urllib.error import HTTPError

import pytest
from cerbapi import Cerb, CerbException


@pytest.fixture(scope="module")
def official(cerb_conn):
    return Cerb(cerb_conn.username, cerb_conn.secret, base=cerb_conn.url)


def test_connects_and_reads_the_version(official):
    assert official.version and official.build
    assert official.send("GET", "workers/me")["_label"] == "Jamie Torres"


def test_searches_gets_and_updates(official):
    found = official.search_records("ticket", 'status:o subject:"*refund*" sort:-updated', limit=5, page=1)
    assert found["total"] > 0 and 0 < found["count"] <= 5
    first = found["results"][0]
    assert first["status"] == "open" and "efund" in first["subject"]
    ticket = official.get_record("ticket", first["id"], expand=["group_", "bucket_"])
    assert ticket["mask"] == first["mask"] and ticket["group_name"] == "Support"
    updated = official.update_record("ticket", first["id"], fields={"status": "c", "owner_id": 3})
    assert (updated["status"], updated["owner_id"]) == ("closed", 3)
    legacy = official.send("PUT", f"tickets/{first['id']}", payload={"status_id": 1})
    assert legacy["status"] == "waiting"


def test_creates_a_ticket_and_replies(official):
    ticket = official.send(
        "POST",
        "tickets/compose",
        payload=(
            ("content", "Hello from the official client"),
            ("group_id", 2),
            ("subject", "Official"),
            ("to", "o@client.example"),
        ),
    )
    assert ticket["subject"] == "Official" and ticket["num_messages"] == 1
    reply = official.send(
        "POST", "tickets/reply", payload=(("content", "Reply!"), ("message_id", ticket["latest_message_id"]))
    )
    assert reply["num_messages"] == 2
    # a message's body comes only when asked for, as on a real Cerb
    messages = official.search_records("message", f"ticket.id:{ticket['id']} sort:created", expand=["content"])
    assert [m["content"] for m in messages["results"]] == ["Hello from the official client", "Reply!"]


def test_not_found_is_an_http_200_error(official):
    with pytest.raises(CerbException, match=r"Invalid record cerberusweb\.contexts\.ticket"):  # Cerb 10.4's words
        official.get_record("ticket", 99999999)


def test_wrong_secret_is_refused(cerb_conn):
    with pytest.raises(HTTPError) as info:
        Cerb(cerb_conn.username, "wrong-secret", base=cerb_conn.url)
    assert info.value.code == 401
    assert b"Invalid credentials: checksum" in info.value.read()


def test_legacy_ticket_search_with_sort_parameters(official):
    found = official.send(
        "POST",
        "tickets/search",
        payload=(("limit", 3), ("page", 1), ("q", "status:o"), ("sortAsc", 1), ("sortBy", "id")),
    )
    ids = [t["id"] for t in found["results"]]
    # Cerb's legacy search sends its total as text ("59"), as a real Cerb 10.4 does
    assert len(ids) == 3 and ids == sorted(ids) and int(found["total"]) >= 3
    assert all(t["status"] == "open" for t in found["results"])
