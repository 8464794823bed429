"""`servicedeck tickets …` against the Cerb sandbox."""

from __future__ import annotations

import pytest

TICKET_KEYS = {
    "id", "mask", "subject", "status", "importance", "owner", "owner_id", "group", "group_id", "bucket", "bucket_id",
    "org", "messages", "created", "updated", "closed", "url",
}  # fmt: skip


def test_search_prints_tickets_as_json_lines_newest_first(deck):
    result = deck("tickets", "search", "status:o", "--limit", "5")
    assert result.code == 0
    records = result.records
    assert len(records) == 5 and all(set(r) == TICKET_KEYS for r in records)
    assert all(r["status"] == "open" for r in records)
    assert [r["updated"] for r in records] == sorted((r["updated"] for r in records), reverse=True)
    assert records[0]["updated"].endswith("Z") and "T" in records[0]["updated"]
    assert "5 of " in result.err and "--all" in result.err


def test_search_all_pages_through_every_match_without_repeats(deck, monkeypatch):
    monkeypatch.setattr("tui.commands.tickets.PAGE_SIZE", 20)  # the 80 closed tickets: four pages and more
    every = deck("tickets", "search", "status:c", "--all", "--sort", "id", "--ascending")
    assert every.code == 0 and every.err == ""
    ids = [r["id"] for r in every.records]
    assert len(ids) > 60 and ids == sorted(set(ids))  # every page, none twice
    limited = deck("tickets", "search", "status:c", "--limit", "30", "--sort", "id", "--ascending")
    assert [r["id"] for r in limited.records] == ids[:30]  # a page and a half


def test_show_by_mask_and_by_id_gives_the_ticket_with_its_conversation(deck):
    first = deck("tickets", "search", "", "--limit", "1").record
    by_mask = deck("tickets", "show", first["mask"]).record
    by_id = deck("tickets", "show", str(first["id"])).record
    assert by_mask == by_id and by_mask["id"] == first["id"]
    conversation = by_mask["conversation"]
    assert conversation and conversation[0]["type"] == "message"
    assert all(set(e) >= {"type", "id", "from", "created", "content"} for e in conversation)
    table = deck("tickets", "show", first["mask"], "--format", "table").out
    assert f"mask        {first['mask']}" in table and "(message)" in table


def test_update_changes_status_owner_and_bucket(deck):
    ticket = deck("tickets", "search", "status:o", "--limit", "1").record
    result = deck(
        "tickets", "update", ticket["mask"], "--status", "waiting", "--owner", "me", "--bucket", "Sales/Inbox"
    )
    assert result.code == 0, result.err
    updated = result.record
    assert updated["status"] == "waiting" and updated["owner_id"] and updated["bucket"] == "Inbox"
    assert updated["group"] == "Sales"
    shown = deck("tickets", "show", ticket["mask"]).record
    assert (shown["status"], shown["owner_id"], shown["bucket_id"]) == (
        "waiting", updated["owner_id"], updated["bucket_id"]
    )  # fmt: skip
    unassigned = deck("tickets", "update", str(ticket["id"]), "--owner", "nobody", "--status", "open").record
    assert unassigned["owner_id"] is None and unassigned["status"] == "open"


def test_reply_from_a_file_and_from_stdin(deck, tmp_path):
    ticket = deck("tickets", "search", "status:o", "--limit", "1").record
    before = len(deck("tickets", "show", ticket["mask"]).record["conversation"])
    reply = tmp_path / "reply.txt"
    reply.write_text("Thanks for writing, we are on it.\n")
    assert deck("tickets", "reply", ticket["mask"], "--file", str(reply)).code == 0
    assert deck("tickets", "reply", ticket["mask"], "--file", "-", stdin="And a second note from stdin.\n").code == 0
    conversation = deck("tickets", "show", ticket["mask"]).record["conversation"]
    contents = [e["content"] for e in conversation]
    assert len(conversation) == before + 2
    assert any("we are on it" in c for c in contents) and any("second note from stdin" in c for c in contents)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("show", "NOPE-00000-000"), "no ticket with the mask NOPE-00000-000"),
        (("show", "999999"), "servicedeck: "),
        (("update", "1"), "Say what to change"),
        (("update", "1", "--owner", "Nobody Known"), "No worker is called"),
        (("update", "1", "--bucket", "No Such Bucket"), "There is no bucket"),
        (("reply", "1", "--file", "-"), "The reply is empty"),
    ],
)
def test_runtime_errors_are_one_line_and_exit_1(deck, args, says):
    result = deck("tickets", *args, stdin="")
    assert result.code == 1 and result.out == ""
    assert says in result.err and result.err.count("\n") == 1 and "Traceback" not in result.err


def test_usage_errors_exit_2(deck):
    with pytest.raises(SystemExit) as exited:
        deck("tickets", "update", "1", "--status", "sleeping")
    assert exited.value.code == 2
