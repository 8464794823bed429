"""Cerb's search query language, the subset the sandbox serves, turned into SQL.

`status:o group.id:2 subject:"*refund*" sort:-updated` -> a WHERE clause with parameters and an ORDER BY.
Filters are looked up in a per-record table (`FilterSet`), so tickets, messages, comments and the small records
share one tokenizer. `parse(..., strict=True)` explains a mistake (`QueryError`); the server parses leniently, as Cerb
does: a filter it does not know, or a value it cannot read, matches nothing, and an unknown sort is ignored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TOKEN = re.compile(
    r"""\s*(?:
        (?P<key>[A-Za-z_][\w.]*):(?P<value>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\((?:[^()]|\([^()]*\))*\)|\S*)
      | (?P<word>"(?:[^"\\]|\\.)*"|\S+)
    )""",
    re.VERBOSE,
)

STATUS_LETTERS = {"o": 0, "open": 0, "w": 1, "waiting": 1, "c": 2, "closed": 2, "d": 3, "deleted": 3}


class QueryError(ValueError):
    """A query the server cannot run; the message is shown to the person who typed it."""


@dataclass
class Query:
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (column, ascending)
    limit: int | None = None
    page: int | None = None

    def add(self, clause: str, *params: object) -> None:
        self.where.append(clause)
        self.params.extend(params)

    def where_sql(self) -> str:
        return " AND ".join(f"({w})" for w in self.where) if self.where else "1"


Filter = Callable[[Query, str], None]


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def values_of(value: str) -> tuple[list[str], bool]:
    """`[a,b]` -> ([a, b], False); `!c` -> ([c], True); `a` -> ([a], False)."""
    negate = value.startswith("!")
    if negate:
        value = value[1:]
    value = unquote(value)
    if value.startswith("[") and value.endswith("]"):
        items = [unquote(v.strip()) for v in value[1:-1].split(",") if v.strip()]
    else:
        items = [value]
    return items, negate


def like_pattern(text: str) -> str:
    """Cerb's `*` wildcards; without any, the text matches anywhere (as Cerb's text filters do)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if "*" in text:
        return escaped.replace("*", "%")
    return f"%{escaped}%"


def ids_filter(column: str) -> Filter:
    def apply(query: Query, value: str) -> None:
        items, negate = values_of(value)
        try:
            ids = [int(v) for v in items]
        except ValueError:
            raise QueryError(f"'{value}' is not a record id (use a number or a list like [1,2]).") from None
        marks = ",".join("?" * len(ids))
        query.add(f"{column} {'NOT ' if negate else ''}IN ({marks})", *ids)

    return apply


def text_filter(column: str) -> Filter:
    def apply(query: Query, value: str) -> None:
        items, negate = values_of(value)
        clause = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in items)
        query.add(f"NOT ({clause})" if negate else clause, *(like_pattern(v) for v in items))

    return apply


def number_filter(column: str) -> Filter:
    """`>50`, `<=10`, `5`, `10..40`."""

    def apply(query: Query, value: str) -> None:
        value = unquote(value)
        match = re.fullmatch(r"(>=|<=|>|<|=|!)?\s*(-?\d+)(?:\.\.(-?\d+))?", value)
        if not match:
            raise QueryError(f"'{value}' is not a number filter (try >50, <10 or 10..40).")
        op, low, high = match.groups()
        if high is not None:
            query.add(f"{column} BETWEEN ? AND ?", int(low), int(high))
        else:
            query.add(f"{column} {'!=' if op == '!' else (op or '=')} ?", int(low))

    return apply


def status_filter(column: str) -> Filter:
    def apply(query: Query, value: str) -> None:
        items, negate = values_of(value)
        try:
            ids = [STATUS_LETTERS[v.lower()] for v in items]
        except KeyError:
            raise QueryError(f"'{value}' is not a ticket status (use o, w, c or d).") from None
        query.add(f"{column} {'NOT ' if negate else ''}IN ({','.join('?' * len(ids))})", *ids)

    return apply


UNITS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
UNITS |= {"month": 2592000, "year": 31536000}


def moment(text: str, now: float) -> int:
    """One end of a date range as Cerb reads it: now, today, yesterday, tomorrow, "-1 week", "+2 days",
    "3 hours ago", a date ("2024-05-01", "2024-05-01 14:30") or Unix seconds."""
    text = text.strip().lower()
    midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    named = {"now": now, "today": midnight.timestamp(), "yesterday": (midnight - timedelta(days=1)).timestamp()}
    named["tomorrow"] = (midnight + timedelta(days=1)).timestamp()
    if text in named:
        return int(named[text])
    if text.isdigit():
        return int(text)
    match = re.fullmatch(r"([+-]?)\s*(\d+)\s*([a-z]+?)s?(\s+ago)?", text)
    if match and match.group(3) in UNITS:
        sign = -1 if match.group(1) == "-" or match.group(4) else 1
        return int(now + sign * int(match.group(2)) * UNITS[match.group(3)])
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return int(datetime.strptime(text, form).timestamp())
        except ValueError:
            pass
    raise QueryError(f'\'{text}\' is not a date (try "-1 week", "today to now" or 2024-05-01).')


def date_filter(column: str) -> Filter:
    """`created:"-1 week"` (since then), `updated:"today to now"`, `closed:"2024-01-01 to 2024-02-01"`."""

    def apply(query: Query, value: str) -> None:
        now = time.time()
        start, _, end = unquote(value).partition(" to ")
        query.add(f"{column} BETWEEN ? AND ?", moment(start, now), moment(end, now) if end else int(now))

    return apply


def related_name(column: str, table: str) -> str:
    """A condition on the name of the record `column` points at, with its own `?` for the pattern."""
    return f"{column} IN (SELECT id FROM {table} WHERE name LIKE ? ESCAPE '\\')"


def name_filter(column: str, table: str) -> Filter:
    """`group:(name:Sales)`: the name of the related record."""

    def apply(query: Query, value: str) -> None:
        items, negate = values_of(value)
        clause = " OR ".join(related_name(column, table) for _ in items)
        query.add(f"NOT ({clause})" if negate else clause, *(like_pattern(v) for v in items))

    return apply


def prefix_filter(column: str) -> Filter:
    """Cerb's mask filter: the text starts the value (`mask:ABC` finds ABC-12345-678)."""

    def apply(query: Query, value: str) -> None:
        items, negate = values_of(value)
        patterns = [like_pattern(v) if "*" in v else like_pattern(v + "*") for v in items]
        clause = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in items)
        query.add(f"NOT ({clause})" if negate else clause, *patterns)

    return apply


def deep_filter(inner: dict[str, Filter], text_column: str | None = None) -> Filter:
    """`on.ticket:(id:5)`, `group:(id:2)`: a parenthesised sub-query on the same row; `group:Sales` (a bare word)
    searches the related record's name (`text_column`), as Cerb does."""

    def apply(query: Query, value: str) -> None:
        if not (value.startswith("(") and value.endswith(")")):
            if text_column is None:
                raise QueryError(f"'{value}' needs a sub-query in parentheses, like (id:5).")
            value = f"({value})"
        sub = parse(
            value[1:-1], FilterSet(inner, text_columns=[text_column] if text_column else [], sorts={}), strict=True
        )
        query.where.extend(sub.where)
        query.params.extend(sub.params)

    return apply


@dataclass
class FilterSet:
    filters: dict[str, Filter]
    text_columns: list[str]  # what bare words search: columns, or conditions with their own `?` for the pattern
    sorts: dict[str, str]  # sort field -> column
    default_sort: list[tuple[str, bool]] = field(default_factory=list)


def parse(text: str, filters: FilterSet, *, strict: bool = True) -> Query:
    """The query as SQL. Strict: a mistake raises `QueryError`; lenient (Cerb's way): it matches nothing."""
    query = Query()
    position = 0
    text = text or ""
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
        key, value, word = match.group("key"), match.group("value"), match.group("word")
        if word is not None:
            word = unquote(word)
            if not word:
                continue
            if not filters.text_columns:
                raise QueryError(f"'{word}' needs a filter name here (like id:{word}).")
            clause = " OR ".join(c if "?" in c else f"{c} LIKE ? ESCAPE '\\'" for c in filters.text_columns)
            query.add(clause, *([like_pattern(word)] * len(filters.text_columns)))
            continue
        key = key.lower()
        if key == "sort":
            query.sort = []
            for part in unquote(value).split(","):
                part = part.strip()
                if not part:
                    continue
                ascending = not part.startswith("-")
                name = part.lstrip("+-")
                if name not in filters.sorts:
                    if strict:
                        raise QueryError(f"Cannot sort by '{name}' (try {', '.join(sorted(filters.sorts))}).")
                    continue
                query.sort.append((filters.sorts[name], ascending))
            continue
        if key in ("limit", "page"):
            try:
                setattr(query, key, int(unquote(value)))
            except ValueError:
                if strict:
                    raise QueryError(f"{key}:{value} needs a number.") from None
            continue
        handler = filters.filters.get(key)
        try:
            if handler is None:
                raise QueryError(f"Unknown search filter '{key}'.")
            handler(query, value)
        except QueryError:
            if strict:
                raise
            query.add("0")  # what Cerb does with a filter it cannot use: nothing matches
    return query


def order_sql(query: Query, filters: FilterSet, fallback: list[tuple[str, bool]] | None = None) -> str:
    sort = query.sort or fallback or filters.default_sort
    parts = [f"{column} {'ASC' if asc else 'DESC'}" for column, asc in sort]
    # A unique tie-breaker keeps pages stable: a row never shows up on two pages or on none.
    direction = "ASC" if (not sort or sort[0][1]) else "DESC"
    parts.append(f"id {direction}")
    return ", ".join(parts)


TICKETS = FilterSet(
    filters={
        "id": ids_filter("id"),
        "status": status_filter("status_id"),
        "group.id": ids_filter("group_id"),
        "group": deep_filter(
            {"id": ids_filter("group_id"), "name": name_filter("group_id", "groups")},
            related_name("group_id", "groups"),
        ),
        "bucket.id": ids_filter("bucket_id"),
        "bucket": deep_filter(
            {"id": ids_filter("bucket_id"), "name": name_filter("bucket_id", "buckets")},
            related_name("bucket_id", "buckets"),
        ),
        "owner.id": ids_filter("owner_id"),
        "owner": deep_filter({"id": ids_filter("owner_id")}),
        "org.id": ids_filter("org_id"),
        "mask": prefix_filter("mask"),
        "created": date_filter("created"),
        "updated": date_filter("updated"),
        "closed": date_filter("closed"),
        "spam.training": text_filter("spam_training"),
        "subject": text_filter("subject"),
        "importance": number_filter("importance"),
        "messages.count": number_filter("num_messages"),
    },
    # full text, as Cerb's: the subject, the mask and the bodies of the ticket's messages
    text_columns=[
        "subject",
        "mask",
        "EXISTS (SELECT 1 FROM messages WHERE messages.ticket_id = tickets.id AND messages.content LIKE ? ESCAPE '\\')",
    ],
    sorts={
        "id": "id",
        "created": "created",
        "updated": "updated",
        "mask": "mask",
        "subject": "subject",
        "status": "status_id",
        "status_id": "status_id",
        "group": "group_id",
        "group_id": "group_id",
        "bucket": "bucket_id",
        "bucket_id": "bucket_id",
        "importance": "importance",
        "owner": "owner_id",
        "owner_id": "owner_id",
    },
    default_sort=[("updated", False)],
)

MESSAGES = FilterSet(
    filters={
        "id": ids_filter("id"),
        "ticket.id": ids_filter("ticket_id"),
        "ticket": deep_filter({"id": ids_filter("ticket_id")}),
        "worker.id": ids_filter("worker_id"),
        "isoutgoing": number_filter("is_outgoing"),
    },
    text_columns=["content"],
    sorts={"id": "id", "created": "created"},
    default_sort=[("created", True)],
)

COMMENTS = FilterSet(
    filters={
        "id": ids_filter("id"),
        "on.ticket": deep_filter({"id": ids_filter("ticket_id")}),
        "author.worker": deep_filter({"id": ids_filter("worker_id")}),
    },
    text_columns=["comment"],
    sorts={"id": "id", "created": "created"},
    default_sort=[("created", True)],
)

GROUPS = FilterSet(
    filters={"id": ids_filter("id"), "name": text_filter("name")},
    text_columns=["name"],
    sorts={"id": "id", "name": "name"},
    default_sort=[("name", True)],
)

BUCKETS = FilterSet(
    filters={
        "id": ids_filter("id"),
        "name": text_filter("name"),
        "group.id": ids_filter("group_id"),
        "group": deep_filter(
            {"id": ids_filter("group_id"), "name": name_filter("group_id", "groups")},
            related_name("group_id", "groups"),
        ),
    },
    text_columns=["name"],
    sorts={"id": "id", "name": "name", "group": "group_id"},
    default_sort=[("group_id", True), ("is_default", False), ("name", True)],
)

WORKERS = FilterSet(
    filters={"id": ids_filter("id"), "email": text_filter("email"), "isdisabled": number_filter("is_disabled")},
    text_columns=["first_name", "last_name", "email"],
    sorts={"id": "id", "firstname": "first_name", "lastname": "last_name", "name": "first_name"},
    default_sort=[("first_name", True)],
)

ORGS = FilterSet(
    filters={"id": ids_filter("id"), "name": text_filter("name")},
    text_columns=["name"],
    sorts={"id": "id", "name": "name"},
    default_sort=[("name", True)],
)


def on_messages_filter() -> Filter:
    """`on.message:(id:5)`, `on.message:(ticket.id:9)`: files attached to the messages the sub-query finds."""

    def apply(query: Query, value: str) -> None:
        if not (value.startswith("(") and value.endswith(")")):
            raise QueryError(f"'{value}' needs a sub-query in parentheses, like (id:5).")
        sub = parse(value[1:-1], MESSAGES, strict=True)
        query.add(
            "id IN (SELECT attachment_id FROM attachment_links WHERE message_id IN"
            f" (SELECT id FROM messages WHERE {sub.where_sql()}))",
            *sub.params,
        )

    return apply


ATTACHMENTS = FilterSet(
    filters={
        "id": ids_filter("id"),
        "name": text_filter("name"),
        "mimetype": text_filter("mime_type"),
        "on.message": on_messages_filter(),
        "on.msg": on_messages_filter(),
    },
    text_columns=["name"],
    sorts={"id": "id", "name": "name", "updated": "updated"},
    default_sort=[("id", True)],
)
