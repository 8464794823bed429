"""The sandbox's NXQL subset: the parser accepts what Nuxeo accepts in it and says where a query goes wrong."""

from __future__ import annotations

import pytest

from tui.sandbox.nuxeo.nxql import NxqlError, compile_nxql, tokenize


def test_tokens_keep_quoted_strings_whole():
    tokens = tokenize("SELECT * FROM Document WHERE dc:title = 'it\\'s (here)' AND ecm:path STARTSWITH \"/a b\"")
    values = [t.value for t in tokens if t.kind == "string"]
    assert values == ["it's (here)", "/a b"]


def test_precedence_and_parentheses():
    compiled = compile_nxql(
        "SELECT * FROM Document WHERE dc:title = 'a' OR dc:title = 'b' AND ecm:primaryType = 'Note'"
    )
    assert compiled.where == "((title = ?) OR ((title = ?) AND (type = ?)))"
    grouped = compile_nxql(
        "SELECT * FROM Document WHERE (dc:title = 'a' OR dc:title = 'b') AND ecm:primaryType = 'Note'"
    )
    assert grouped.where == "(((title = ?) OR (title = ?)) AND (type = ?))"
    assert grouped.params == ["a", "b", "Note"]


def test_operators():
    compiled = compile_nxql(
        "SELECT * FROM Note, File WHERE dc:title LIKE 'A%' AND dc:title ILIKE '%b%' AND ecm:path STARTSWITH '/x_y' "
        "AND ecm:uuid IN ('1', '2') AND dc:description IS NOT NULL AND dc:modified > TIMESTAMP '2026-01-01T00:00:00Z' "
        "AND NOT dc:title != 'z' AND ecm:isTrashed = 0 AND ecm:isVersion = 0 ORDER BY dc:modified DESC, dc:title"
    )
    assert compiled.types == ["Note", "File"]
    assert "(title LIKE ?)" in compiled.where and "lower(title) LIKE lower(?)" in compiled.where
    assert "path LIKE ? ESCAPE" in compiled.where and "/x\\_y/%" in compiled.params
    assert "(uid IN (?, ?))" in compiled.where
    assert compiled.order_by == ["modified DESC", "title COLLATE NOCASE ASC"]


def test_other_properties_read_the_json():
    compiled = compile_nxql("SELECT * FROM Document WHERE file:content/name = 'a.txt' ORDER BY note:mime_type")
    assert compiled.where == "(json_extract(properties, ?) = ?)"
    assert compiled.params == ['$."file:content"."name"', "a.txt", '$."note:mime_type"']


def test_fulltext_matches_words():
    compiled = compile_nxql("SELECT * FROM Document WHERE ecm:fulltext = 'Quarterly repo*'")
    assert compiled.params == ["% quarterly %", "% repo%"]


def test_query_params_fill_placeholders():
    compiled = compile_nxql("SELECT * FROM Document WHERE ecm:parentId = ? AND dc:title LIKE ?", ["abc", "x%"])
    assert compiled.where == "((parent_uid = ?) AND (title LIKE ?))" and compiled.params == ["abc", "x%"]
    with pytest.raises(NxqlError, match="no value in queryParams"):
        compile_nxql("SELECT * FROM Document WHERE ecm:parentId = ?")


def test_document_means_every_type():
    assert compile_nxql("SELECT * FROM Document").types == []
    assert compile_nxql("select * from Document where dc:title = 'x'").where == "(title = ?)"


@pytest.mark.parametrize(
    "query, where",
    [
        ("", "empty"),
        ("DELETE FROM Document", "expected SELECT"),
        ("SELECT * FROM", "expected a document type"),
        ("SELECT * FROM Document WHERE", "expected a property name"),
        ("SELECT * FROM Document WHERE dc:title = ", "expected a value"),
        ("SELECT * FROM Document WHERE (dc:title = 'a'", "expected ')'"),
        ("SELECT * FROM Document WHERE dc:title = 'a' garbage", "expected the end"),
        ("SELECT * FROM Document WHERE dc:title ~ 'a'", "unexpected character"),
        ("SELECT * FROM Document WHERE ecm:nonsense = 'a'", "unknown property"),
        ("SELECT * FROM Document WHERE dc:title STARTSWITH 'a'", "STARTSWITH only applies"),
        ("SELECT * FROM Document WHERE dc:title = 'a' ORDER dc:title", "expected BY"),
        ("SELECT * FROM Document WHERE dc:title = 'unterminated", "unexpected character"),
    ],
)
def test_malformed_queries_say_what_is_wrong(query, where):
    with pytest.raises(NxqlError) as err:
        compile_nxql(query)
    assert where in str(err.value)
