"""A subset of NXQL (Nuxeo's query language) compiled to SQLite, for the sandbox.

    SELECT * FROM Document|<Type>[, <Type>] [WHERE <condition>] [ORDER BY <prop> [ASC|DESC], ...]

Conditions join with AND / OR / NOT and parentheses; a comparison is `<prop> <op> <value>` where op is one of
= != <> < <= > >= LIKE NOT LIKE ILIKE NOT ILIKE STARTSWITH IN NOT IN IS NULL IS NOT NULL, and a value is a quoted
string ('..' or "..", backslash escapes), a number, `TIMESTAMP '..'`/`DATE '..'`, a `?` filled from the
`queryParams`, or a parenthesised list (IN).

A tokenizer feeds a small recursive-descent parser; the result is a SQL WHERE/ORDER BY over the sandbox's
`documents` table with every value passed as a parameter, never spliced into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.sandbox.nuxeo.doctypes import SCHEMA_FIELDS, SCHEMA_PREFIXES, is_known_property, types_with_facet


class NxqlError(ValueError):
    """A query that is not valid (in this subset of) NXQL; the message says where."""


@dataclass
class Token:
    kind: str  # "word", "string", "number", "op", "punct", "placeholder", "end"
    value: str
    pos: int


KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "ILIKE",
    "IN",
    "STARTSWITH",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "IS",
    "NULL",
    "TIMESTAMP",
    "DATE",
    "BETWEEN",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op><>|!=|<=|>=|=|<|>)
  | (?P<punct>[(),*])
  | (?P<placeholder>\?)
  | (?P<word>[A-Za-z_][\w:./\-\[\]]*)
    """,
    re.VERBOSE,
)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match:
            raise NxqlError(f"unexpected character {query[pos]!r} at position {pos}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "string":
            # unescape \' \" \\ (NXQL's backslash escapes)
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind != "space":
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(query)))
    return tokens


@dataclass
class Compiled:
    """A query turned into SQL pieces: `where` (with `params`) and `order_by` over the documents table."""

    types: list[str] = field(default_factory=list)  # [] = every type ("Document")
    where: str = "1"
    params: list[object] = field(default_factory=list)
    order_by: list[str] = field(default_factory=list)


# Properties that live in their own columns; anything else with a prefix is read from the properties JSON.
COLUMNS = {
    "ecm:uuid": "uid",
    "ecm:id": "uid",
    "ecm:parentId": "parent_uid",
    "ecm:path": "path",
    "ecm:name": "name",
    "ecm:primaryType": "type",
    "ecm:currentLifeCycleState": "state",
    "ecm:isTrashed": "is_trashed",
    "ecm:isVersion": "is_version",
    "ecm:isCheckedInVersion": "is_version",
    "ecm:isCheckedOut": "checked_out",
    "ecm:lockOwner": "lock_owner",
    "ecm:lockCreated": "lock_created",
    "ecm:pos": "pos",
    "ecm:changeToken": "change_token",
    "dc:title": "title",
    "dc:modified": "modified",
    "dc:created": "created",
}
ALWAYS_FALSE = {"ecm:isProxy"}
# The latest version of its series (the same live document), by when it was made, as Nuxeo marks it at each check-in
# and again when a version is removed; the latest major version is the latest of those whose minor number is 0.
_MINOR_IS_0 = "json_extract({t}properties, '$.\"uid:minor_version\"') = 0"
_NONE_LATER = (
    "(is_version = 1{mine} AND NOT EXISTS (SELECT 1 FROM documents AS later WHERE later.is_version = 1"
    " AND later.version_of = documents.version_of{theirs} AND (later.created > documents.created"
    " OR (later.created = documents.created AND later.rowid > documents.rowid))))"
)
LATEST_VERSION_FLAGS = {
    "ecm:isLatestVersion": _NONE_LATER.format(mine="", theirs=""),
    "ecm:isLatestMajorVersion": _NONE_LATER.format(
        mine=" AND " + _MINOR_IS_0.format(t=""), theirs=" AND " + _MINOR_IS_0.format(t="later.")
    ),
}
# Columns holding 0/1, which a query may compare with 'true' or 'false'
BOOLEAN_COLUMNS = {
    "ecm:isTrashed",
    "ecm:isVersion",
    "ecm:isCheckedInVersion",
    "ecm:isCheckedOut",
    *LATEST_VERSION_FLAGS,
}
# A name without a prefix is looked up, as Nuxeo does, only in the schemas declared without one (their JSON keys use
# the schema name instead): `content` is file:content, `note` is note:note, `uid` is uid:uid (the uid schema's own
# field, empty on every document here, so `uid = '...'` matches nothing). dublincore has the prefix dc: `title` is
# no property at all.
UNPREFIXED_FIELDS: dict[str, str] = {
    key.split(":", 1)[1]: key
    for schema, fields in SCHEMA_FIELDS.items()
    if SCHEMA_PREFIXES[schema] == schema
    for key in fields
}


def quote_literal(value: str) -> str:
    """A string as an NXQL literal: single quotes, with backslash escapes for quotes and backslashes."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def json_path(prop: str) -> str:
    """`file:content/name` -> `$."file:content".name`; `files:files/0/file` -> `$."files:files"[0].file`."""
    head, *rest = prop.split("/")
    out = '$."' + head.replace('"', "") + '"'
    for part in rest:
        out += f"[{part}]" if part.isdigit() else '."' + part.replace('"', "") + '"'
    return out


class Parser:
    def __init__(self, query: str, query_params: list[str] | None = None):
        self.query = query
        self.query_params = list(query_params or [])
        self.tokens = tokenize(query)
        self.i = 0
        self.params: list[object] = []

    # -- token helpers ------------------------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, *keywords: str) -> bool:
        return self.tok.kind == "word" and self.tok.value.upper() in keywords

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def expect_keyword(self, keyword: str) -> None:
        if not self.at(keyword):
            self.fail(f"expected {keyword}")
        self.take()

    def expect_punct(self, value: str) -> None:
        if not (self.tok.kind == "punct" and self.tok.value == value):
            self.fail(f"expected {value!r}")
        self.take()

    def fail(self, what: str) -> None:
        found = self.tok.value or "the end of the query"
        raise NxqlError(f"{what} at position {self.tok.pos}, found {found!r}")

    # -- grammar ------------------------------------------------------------------------------------------------------

    def parse(self) -> Compiled:
        compiled = Compiled()
        self.expect_keyword("SELECT")
        self.select_list()
        self.expect_keyword("FROM")
        compiled.types = self.from_list()
        if self.at("WHERE"):
            self.take()
            compiled.where = self.or_expr()
        if self.at("ORDER"):
            self.take()
            self.expect_keyword("BY")
            compiled.order_by = self.order_list()
        if self.tok.kind != "end":
            self.fail("expected the end of the query")
        compiled.params = self.params
        return compiled

    def select_list(self) -> None:
        if self.tok.kind == "punct" and self.tok.value == "*":
            self.take()
            return
        while True:
            if self.tok.kind != "word" or self.tok.value.upper() in KEYWORDS:
                self.fail("expected * or a property to select")
            self.take()
            if not (self.tok.kind == "punct" and self.tok.value == ","):
                return
            self.take()

    def from_list(self) -> list[str]:
        types: list[str] = []
        while True:
            if self.tok.kind != "word" or self.tok.value.upper() in KEYWORDS:
                self.fail("expected a document type after FROM")
            name = self.take().value
            if name != "Document":
                types.append(name)
            else:
                return self.rest_of_from([])  # Document is every type
            if not (self.tok.kind == "punct" and self.tok.value == ","):
                return types
            self.take()

    def rest_of_from(self, types: list[str]) -> list[str]:
        while self.tok.kind == "punct" and self.tok.value == ",":
            self.take()
            if self.tok.kind != "word" or self.tok.value.upper() in KEYWORDS:
                self.fail("expected a document type after ','")
            self.take()
        return types

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.at("OR"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.not_expr()]
        while self.at("AND"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_expr(self) -> str:
        if self.at("NOT"):
            self.take()
            return "(NOT " + self.not_expr() + ")"
        if self.tok.kind == "punct" and self.tok.value == "(":
            self.take()
            inner = self.or_expr()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> str:
        if self.tok.kind != "word" or self.tok.value.upper() in KEYWORDS:
            self.fail("expected a property name")
        prop = self.take().value
        negate = False
        if self.at("NOT"):
            self.take()
            negate = True
            if not self.at("LIKE", "ILIKE", "IN"):
                self.fail("expected LIKE, ILIKE or IN after NOT")
        if self.tok.kind == "op":
            op = self.take().value
            return self.compare(prop, "!=" if op == "<>" else op, self.value())
        if self.at("LIKE", "ILIKE"):
            op = self.take().value.upper()
            return self.like(prop, op, self.value(), negate)
        if self.at("STARTSWITH"):
            self.take()
            return self.startswith(prop, self.value())
        if self.at("IN"):
            self.take()
            return self.in_list(prop, self.value_list(), negate)
        if self.at("IS"):
            self.take()
            is_not = False
            if self.at("NOT"):
                self.take()
                is_not = True
            self.expect_keyword("NULL")
            return f"({self.column(prop)} IS {'NOT ' if is_not else ''}NULL)"
        if self.at("BETWEEN"):
            self.take()
            low = self.value()
            self.expect_keyword("AND")
            high = self.value()
            return f"({self.compare(prop, '>=', low)} AND {self.compare(prop, '<=', high)})"
        self.fail("expected an operator")
        raise AssertionError  # unreachable

    def value(self) -> object:
        if self.at("TIMESTAMP", "DATE"):
            self.take()
            if self.tok.kind != "string":
                self.fail("expected a quoted date")
        token = self.tok
        if token.kind == "string":
            self.take()
            return token.value
        if token.kind == "placeholder":
            self.take()
            if not self.query_params:
                raise NxqlError(f"the ? at position {token.pos} has no value in queryParams")
            return self.query_params.pop(0)
        if token.kind == "number":
            self.take()
            return float(token.value) if "." in token.value else int(token.value)
        if token.kind == "word" and token.value.lower() in ("true", "false"):
            self.take()
            return 1 if token.value.lower() == "true" else 0
        self.fail("expected a value")
        raise AssertionError  # unreachable

    def value_list(self) -> list[object]:
        self.expect_punct("(")
        values = [self.value()]
        while self.tok.kind == "punct" and self.tok.value == ",":
            self.take()
            values.append(self.value())
        self.expect_punct(")")
        return values

    def order_list(self) -> list[str]:
        items = []
        while True:
            if self.tok.kind != "word" or self.tok.value.upper() in KEYWORDS:
                self.fail("expected a property to order by")
            column = self.column(self.take().value, ordering=True)
            direction = "ASC"
            if self.at("ASC", "DESC"):
                direction = self.take().value.upper()
            items.append(f"{column} {direction}")
            if not (self.tok.kind == "punct" and self.tok.value == ","):
                return items
            self.take()

    # -- translation ----------------------------------------------------------------------------------------------

    def column(self, prop: str, ordering: bool = False) -> str:
        if prop in COLUMNS:
            column = COLUMNS[prop]
            return f"{column} COLLATE NOCASE" if ordering and column == "title" else column
        if prop in ALWAYS_FALSE:
            return "0"
        if prop in LATEST_VERSION_FLAGS:
            return LATEST_VERSION_FLAGS[prop]
        if prop.startswith("ecm:"):
            raise NxqlError(f"unknown property {prop}")
        head, sep, rest = prop.partition("/")
        field = prop
        if ":" not in head:
            if head not in UNPREFIXED_FIELDS:
                raise NxqlError(f"No such property: {prop} (dublincore properties are written dc:title)")
            field = UNPREFIXED_FIELDS[head] + sep + rest
        if not is_known_property(field):  # Nuxeo refuses the query (400) rather than match nothing
            raise NxqlError(f"No such property: {prop}")
        self.params.append(json_path(field))
        return "json_extract(properties, ?)"

    def param(self, value: object) -> str:
        self.params.append(value)
        return "?"

    def compare(self, prop: str, op: str, value: object) -> str:
        if prop == "ecm:fulltext" or prop.startswith("ecm:fulltext."):
            if op not in ("=", "!="):
                raise NxqlError("ecm:fulltext only supports =")
            # every word must appear; "word*" matches words starting with it
            words = re.findall(r"\w+\*?", str(value).lower())
            if not words:
                return "1" if op == "=" else "0"
            patterns = [f"% {w[:-1]}%" if w.endswith("*") else f"% {w} %" for w in words]
            clause = " AND ".join(
                f"fulltext LIKE {self.param(p.replace('_', chr(92) + '_'))} ESCAPE '\\'" for p in patterns
            )
            return f"({clause})" if op == "=" else f"(NOT ({clause}))"
        if prop == "ecm:mixinType":
            return self.mixin(op, value)
        column = self.column(prop)
        if isinstance(value, str) and prop in BOOLEAN_COLUMNS and value.lower() in ("true", "false"):
            value = 1 if value.lower() == "true" else 0
        return f"({column} {op} {self.param(value)})"

    def mixin(self, op: str, value: object) -> str:
        if op not in ("=", "!="):
            raise NxqlError("ecm:mixinType only supports = and !=")
        facet = str(value)
        if facet == "Folderish":
            return "(folderish = 1)" if op == "=" else "(folderish = 0)"
        if facet == "HiddenInNavigation":  # nothing in the sandbox is hidden
            return "0" if op == "=" else "1"
        types = types_with_facet(facet)
        if not types:
            return "0" if op == "=" else "1"
        marks = ", ".join(self.param(t) for t in types)
        return f"(type {'IN' if op == '=' else 'NOT IN'} ({marks}))"

    def like(self, prop: str, op: str, value: object, negate: bool) -> str:
        column = self.column(prop)
        if op == "ILIKE":
            sql = f"(lower({column}) LIKE lower({self.param(value)}))"
        else:
            sql = f"({column} LIKE {self.param(value)})"
        return f"(NOT {sql})" if negate else sql

    def startswith(self, prop: str, value: object) -> str:
        if prop != "ecm:path":
            raise NxqlError("STARTSWITH only applies to ecm:path")
        prefix = "/" + str(value).strip("/")
        if prefix == "/":  # every document but the root; versions have no path of their own
            return "(path LIKE '/_%')"
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"(path LIKE {self.param(escaped + '/%')} ESCAPE '\\')"

    def in_list(self, prop: str, values: list[object], negate: bool) -> str:
        column = self.column(prop)
        marks = ", ".join(self.param(v) for v in values)
        return f"({column} {'NOT IN' if negate else 'IN'} ({marks}))"


def compile_nxql(query: str, query_params: list[str] | None = None) -> Compiled:
    """Parse `query` and return its SQL pieces; raises NxqlError for anything outside the subset.

    `query_params` fill the query's `?` placeholders in order, each as a quoted string (Nuxeo's `queryParams`).
    """
    if not query or not query.strip():
        raise NxqlError("the query is empty")
    return Parser(query, query_params).parse()
