"""The document query language: a Mongo-like subset evaluated in Python over JSON documents.

`matches` filters, `project` keeps or drops fields, `parse_orderby` reads an orderby argument and `sort_key` orders
mixed values without raising. A malformed query raises `BadRequest`; the server answers it with code 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.sandbox.common import BadRequest

MISSING: Any = object()  # what `get_path` gives for an absent field (None is a value a document can hold)

Document = dict[str, Any]


def get_path(doc: Any, path: str) -> Any:
    value = doc
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


def _equals(value: Any, expected: Any) -> bool:
    if value is MISSING:
        return expected is None
    if isinstance(value, list) and not isinstance(expected, list):
        return any(_equals(v, expected) for v in value)
    return bool(value == expected)


def _compare(value: Any, op: str, operand: Any) -> bool:
    candidates = value if isinstance(value, list) else [value]
    for candidate in candidates:
        if candidate is MISSING or not _comparable(candidate, operand):
            continue
        if (
            (op == "$gt" and candidate > operand)
            or (op == "$gte" and candidate >= operand)
            or (op == "$lt" and candidate < operand)
            or (op == "$lte" and candidate <= operand)
        ):
            return True
    return False


def _regex_matches(value: Any, operand: Any, options: Any) -> bool:
    flags = re.IGNORECASE if "i" in str(options or "") else 0
    try:
        pattern = re.compile(str(operand), flags)
    except re.error:
        raise BadRequest(f"invalid $regex {operand!r}") from None
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and pattern.search(t) for t in texts)


def _match_operators(value: Any, spec: Document) -> bool:
    for op, operand in spec.items():
        if op == "$eq":
            ok = _equals(value, operand)
        elif op == "$ne":
            ok = not _equals(value, operand)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            ok = _compare(value, op, operand)
        elif op == "$in":
            if not isinstance(operand, list):
                raise BadRequest("$in needs an array")
            ok = any(_equals(value, o) for o in operand)
        elif op == "$nin":
            if not isinstance(operand, list):
                raise BadRequest("$nin needs an array")
            ok = not any(_equals(value, o) for o in operand)
        elif op == "$exists":
            ok = (value is not MISSING) == bool(operand)
        elif op == "$regex":
            ok = _regex_matches(value, operand, spec.get("$options"))
        elif op == "$options":
            ok = True
        else:
            raise BadRequest(f"unsupported query operator {op}")
        if not ok:
            return False
    return True


def matches(doc: Document, query: Document) -> bool:
    for key, expected in query.items():
        if key == "$and":
            if not isinstance(expected, list) or not all(matches(doc, q) for q in expected):
                return False
        elif key == "$or":
            if not isinstance(expected, list) or not any(matches(doc, q) for q in expected):
                return False
        elif key.startswith("$"):
            raise BadRequest(f"unsupported query operator {key}")
        else:
            value = get_path(doc, key)
            if isinstance(expected, dict) and expected and all(k.startswith("$") for k in expected):
                if not _match_operators(value, expected):
                    return False
            elif not _equals(value, expected):
                return False
    return True


def sort_key(value: Any) -> tuple[int, Any]:
    # documents missing the field sort first, then by type, so mixed types never raise
    if value is MISSING or value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))


def project(doc: Document, projection: Document) -> Document:
    if not projection:
        return doc
    included = {k for k, v in projection.items() if v}
    if included:
        out = {k: v for k, v in doc.items() if k in included or k.split(".")[0] in included}
        if projection.get("_id", 1):
            out["_id"] = doc.get("_id")
        return out
    return {k: v for k, v in doc.items() if k not in projection}


def parse_orderby(text: str) -> list[tuple[str, int]]:
    if not text:
        return []
    try:
        spec = json.loads(text)
    except ValueError:
        spec = text  # a plain field name
    if spec is None:
        return []
    if isinstance(spec, str):
        return [(spec.lstrip("-"), -1 if spec.startswith("-") else 1)] if spec else []
    if isinstance(spec, dict):
        return [(k, -1 if v in (-1, "-1", "desc", "descending") else 1) for k, v in spec.items()]
    raise BadRequest("orderby must be a field name or an object")


def parse_json_arg(text: str, what: str, default: Any) -> Any:
    """A JSON string field of a request (query, item, payload); `default` when it is empty."""
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest(f"{what} is not valid JSON") from None
