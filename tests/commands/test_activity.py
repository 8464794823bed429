"""`servicedeck activity …` against the MAX sandbox."""

from __future__ import annotations

import uuid

ACTIVITY_KEYS = {
    "id", "actor", "actor_name", "published", "verb", "type", "content", "contexts", "comments", "likes", "liked",
}  # fmt: skip


def test_timeline_newest_first_and_paged_past_one_request(deck, monkeypatch):
    first = deck("activity", "timeline", "--limit", "3")
    assert first.code == 0 and len(first.records) == 3
    assert all(set(r) == ACTIVITY_KEYS for r in first.records)
    monkeypatch.setattr("tui.commands.activity.PAGE_SIZE", 10)
    records = deck("activity", "timeline", "--limit", "35").records
    assert len(records) == 35 and len({r["id"] for r in records}) == 35  # four requests, nothing twice
    published = [r["published"] for r in records]
    assert published == sorted(published, reverse=True)
    assert [r["id"] for r in records[:3]] == [r["id"] for r in first.records]


def test_timeline_of_another_user(deck):
    result = deck("activity", "timeline", "--user", "elena", "--limit", "5", "--format", "table")
    assert result.code == 0 and result.out.splitlines()[0].split() == [
        "published",
        "actor",
        "content",
        "comments",
        "likes",
    ]


def test_post_from_the_argument_and_from_stdin(deck):
    text = f"from a script {uuid.uuid4().hex[:8]}"
    posted = deck("activity", "post", text)
    assert posted.code == 0 and posted.record["content"] == text and posted.record["actor"] == "admin"
    assert "Posted." in posted.err
    piped = f"piped {uuid.uuid4().hex[:8]}"
    assert deck("activity", "post", "-", stdin=piped + "\n").record["content"].strip() == piped
    assert deck("activity", "timeline", "--limit", "5").records[0]["content"].strip() == piped
    empty = deck("activity", "post", "-", stdin="  \n")
    assert empty.code == 1 and "empty" in empty.err
