"""The `config` resources of the REST API: document types and schemas with their fields, as Nuxeo describes them.

- `GET config/schemas`: a JSON array of `{"name", "@prefix", "fields"}`.
- `GET config/schemas/{name}`: one `schema` entity, `{"entity-type", "name", "prefix", "@prefix", "fields"}`.
- `GET config/types`: `{"doctypes": {type: {"parent", "facets", "schemas": [names]}}, "schemas": {name: {"@prefix",
  field: type, ...}}}`.
- `GET config/types/{type}`: one `docType` entity, `{"entity-type", "name", "parent", "facets", "schemas": [schema
  entities]}`.

A field is described by its local name (no prefix): a primitive type name ("string", "long", "boolean", "date", with
"[]" for a list), "blob", or `{"type": "complex" | "complex[]", "fields": {...}}`.
"""

from __future__ import annotations

from typing import Any

from tui.sandbox.nuxeo.doctypes import FIELD_TYPES, SCHEMA_PREFIXES, TYPES, parent_type
from tui.sandbox.nuxeo.errors import NuxeoHTTPError


def _fields(schema: str) -> dict[str, Any]:
    return {key.split(":", 1)[1]: kind for key, kind in FIELD_TYPES[schema].items()}


def schema_entity(name: str) -> dict[str, Any]:
    if name not in FIELD_TYPES:
        raise NuxeoHTTPError(404, f"No schema named {name}")
    prefix = SCHEMA_PREFIXES[name]
    return {"entity-type": "schema", "name": name, "prefix": prefix, "@prefix": prefix, "fields": _fields(name)}


def schema_list() -> list[dict[str, Any]]:
    return [{"name": name, "@prefix": SCHEMA_PREFIXES[name], "fields": _fields(name)} for name in FIELD_TYPES]


def doc_type_entity(name: str) -> dict[str, Any]:
    if name not in TYPES:
        raise NuxeoHTTPError(404, f"No document type named {name}")
    schemas, facets = TYPES[name]
    return {
        "entity-type": "docType",
        "name": name,
        "parent": parent_type(name),
        "facets": list(facets),
        "schemas": [schema_entity(schema) for schema in schemas],
    }


def doc_types() -> dict[str, Any]:
    return {
        "doctypes": {
            name: {"parent": parent_type(name), "facets": list(facets), "schemas": list(schemas)}
            for name, (schemas, facets) in TYPES.items()
        },
        "schemas": {name: {"@prefix": SCHEMA_PREFIXES[name], **_fields(name)} for name in FIELD_TYPES},
    }


def config_resource(parts: list[str]) -> Any:
    """What `GET config/...` answers; `parts` are the path segments after `config`."""
    parts = [p for p in parts if p]
    if parts == ["schemas"]:
        return schema_list()
    if parts == ["types"]:
        return doc_types()
    if len(parts) == 2 and parts[0] == "schemas":
        return schema_entity(parts[1])
    if len(parts) == 2 and parts[0] == "types":
        return doc_type_entity(parts[1])
    raise NuxeoHTTPError(404, f"No resource at /api/v1/config/{'/'.join(parts)}")
