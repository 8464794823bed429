"""`servicedeck docs …` against the Nuxeo sandbox."""

from __future__ import annotations

import csv
import io

DOC_KEYS = {
    "uid", "path", "type", "title", "state", "modified", "author", "description", "folderish", "children", "file",
    "file_size", "mime_type",
}  # fmt: skip


def test_ls_prints_one_json_line_per_child(deck):
    result = deck("docs", "ls", "/default-domain/workspaces")
    assert result.code == 0 and result.err == ""
    records = result.records
    assert {r["path"] for r in records} >= {"/default-domain/workspaces/Projects", "/default-domain/workspaces/Team"}
    assert all(set(r) == DOC_KEYS for r in records)
    assert all(r["path"].startswith("/default-domain/workspaces/") and r["folderish"] for r in records)


def test_ls_pages_through_a_big_folder_and_stops_at_the_limit(deck):
    every = deck("docs", "ls", "/default-domain/workspaces/Archive").records
    assert len(every) > 100  # more than one page of children
    assert len({r["uid"] for r in every}) == len(every)
    limited = deck("docs", "ls", "/default-domain/workspaces/Archive", "--limit", "7").records
    assert [r["uid"] for r in limited] == [r["uid"] for r in every[:7]]


def test_ls_as_table_and_csv(deck):
    table = deck("docs", "ls", "/default-domain", "--format", "table").out.splitlines()
    assert table[0].split() == ["type", "title", "path", "modified"]
    assert any("/default-domain/workspaces" in line for line in table[1:])
    rows = list(csv.reader(io.StringIO(deck("docs", "ls", "/default-domain", "--format", "csv").out)))
    assert rows[0] == ["type", "title", "path", "modified"] and len(rows) == 4


def test_get_by_path_and_by_uid_is_the_same_document_with_its_properties(deck):
    by_path = deck("docs", "get", "/default-domain/workspaces/Projects/Apollo/budget").record
    assert by_path["type"] == "File" and by_path["file"] and by_path["file_size"] > 0
    assert by_path["properties"]["dc:title"] == by_path["title"] and "change_token" in by_path
    assert deck("docs", "get", by_path["uid"]).record["path"] == by_path["path"]


def test_ls_of_a_document_and_get_of_nothing_are_one_line_errors(deck):
    not_folder = deck("docs", "ls", "/default-domain/workspaces/Projects/Apollo/budget")
    assert not_folder.code == 1 and not_folder.out == ""
    assert not_folder.err.count("\n") == 1 and "not a folder" in not_folder.err
    missing = deck("docs", "get", "/default-domain/nothing-here")
    assert missing.code == 1 and missing.err.startswith("servicedeck: ") and missing.err.count("\n") == 1


def test_query_limits_says_how_many_there_are_and_all_streams_every_page(deck):
    limited = deck("docs", "query", "SELECT * FROM Note", "--limit", "3")
    assert limited.code == 0 and len(limited.records) == 3
    assert "3 of " in limited.err and "--all" in limited.err
    words = deck("docs", "query", "Budget").records
    assert any(r["title"] == "Budget 2027" for r in words)
    every = deck("docs", "query", "SELECT * FROM Workspace", "--all")
    assert every.err == "" and len(every.records) >= 2
    assert {r["type"] for r in every.records} == {"Workspace"}


def test_download_saves_the_file_and_refuses_to_overwrite_without_force(deck, tmp_path):
    saved = deck("docs", "download", "/default-domain/workspaces/Projects/Apollo/budget", str(tmp_path))
    assert saved.code == 0, saved.err
    record = saved.record
    path = tmp_path / record["file"].rsplit("/", 1)[-1]
    assert path.is_file() and path.stat().st_size == record["bytes"] > 0
    again = deck("docs", "download", "/default-domain/workspaces/Projects/Apollo/budget", str(tmp_path))
    assert again.code == 1 and "--force" in again.err
    forced = deck("docs", "download", "/default-domain/workspaces/Projects/Apollo/budget", str(tmp_path), "--force")
    assert forced.code == 0
    nothing = deck("docs", "download", "/default-domain/workspaces")
    assert nothing.code == 1 and "no file" in nothing.err


def test_upload_into_a_folder_makes_a_file_document_and_the_bytes_come_back(deck, tmp_path):
    local = tmp_path / "notes from the cli.txt"
    local.write_bytes(b"line one\nline two \xe2\x9c\x93\n")
    uploaded = deck("docs", "upload", str(local), "/default-domain/workspaces/Team")
    assert uploaded.code == 0, uploaded.err
    doc = uploaded.record
    assert doc["type"] == "File" and doc["path"].startswith("/default-domain/workspaces/Team/")
    assert doc["file"] == local.name and doc["file_size"] == local.stat().st_size
    back = tmp_path / "back"
    back.mkdir()
    assert deck("docs", "download", doc["uid"], str(back / "copy.txt")).code == 0
    assert (back / "copy.txt").read_bytes() == local.read_bytes()
    # the document has a file now: replacing it takes --force
    refused = deck("docs", "upload", str(local), doc["path"])
    assert refused.code == 1 and "--force" in refused.err
    assert deck("docs", "upload", str(local), doc["path"], "--force").code == 0
    missing = deck("docs", "upload", str(tmp_path / "nope.txt"), "/default-domain/workspaces/Team")
    assert missing.code == 1 and "no file" in missing.err
