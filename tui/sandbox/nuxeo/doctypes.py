"""The sandbox's document type model: which schemas and facets each type has, every schema field's empty value and
its type as Nuxeo's `config` endpoints describe it.

The repository (what a type may hold), the JSON rendering (which fields to list), the NXQL compiler (which types
carry a facet) and the `config/types` and `config/schemas` endpoints all read it from here. The schemas are Nuxeo's
own (dublincore, common, file, files, note, uid, relatedtext for the HasRelatedText facet, webcontainer and
publishing on workspaces), with their field types; blob fields of webcontainer are left out.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

# Which schemas each type carries, with every field's empty value (a real server returns them all, as nulls).
SCHEMA_PREFIXES = {
    "common": "common",
    "dublincore": "dc",
    "file": "file",
    "files": "files",
    "note": "note",
    "uid": "uid",
    "relatedtext": "relatedtext",
    "webcontainer": "webc",
    "publishing": "publish",
}
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "common": {"common:icon": None, "common:icon-expanded": None, "common:size": None},
    "dublincore": {
        "dc:title": None,
        "dc:description": None,
        "dc:creator": None,
        "dc:lastContributor": None,
        "dc:contributors": [],
        "dc:created": None,
        "dc:modified": None,
        "dc:subjects": [],
        "dc:rights": None,
        "dc:source": None,
        "dc:coverage": None,
        "dc:language": None,
        "dc:format": None,
        "dc:nature": None,
        "dc:publisher": None,
        "dc:valid": None,
        "dc:issued": None,
        "dc:expired": None,
    },
    "file": {"file:content": None},
    "files": {"files:files": []},
    "note": {"note:note": None, "note:mime_type": "text/plain"},
    "uid": {"uid:uid": None, "uid:major_version": 0, "uid:minor_version": 0},
    "relatedtext": {"relatedtext:relatedtextresources": []},
    "webcontainer": {
        "webc:isWebContainer": None,
        "webc:name": None,
        "webc:url": None,
        "webc:template": None,
        "webc:theme": "sites",
        "webc:themePage": "workspace",
        "webc:themePerspective": None,
        "webc:email": None,
        "webc:welcomeText": None,
        "webc:baseline": None,
        "webc:useCaptcha": None,
        "webc:moderationType": "aposteriori",
    },
    "publishing": {"publish:sections": []},
}
# Each field's type as `GET api/v1/config/schemas` writes it: a primitive name ("string", "long", "double", "boolean",
# "date"), with "[]" for a list, "blob" for a binary, or {"type": "complex" | "complex[]", "fields": {...}}.
_STRING = "string"
FIELD_TYPES: dict[str, dict[str, Any]] = {
    "common": {"common:icon": _STRING, "common:icon-expanded": _STRING, "common:size": "long"},
    "dublincore": {
        **{f"dc:{name}": _STRING for name in ("title", "description", "creator", "lastContributor", "rights")},
        **{f"dc:{name}": _STRING for name in ("source", "coverage", "language", "format", "nature", "publisher")},
        "dc:contributors": "string[]",
        "dc:subjects": "string[]",
        **{f"dc:{name}": "date" for name in ("created", "modified", "valid", "issued", "expired")},
    },
    "file": {"file:content": "blob"},
    "files": {"files:files": {"type": "complex[]", "fields": {"file": "blob"}}},
    "note": {"note:note": _STRING, "note:mime_type": _STRING},
    "uid": {"uid:uid": _STRING, "uid:major_version": "long", "uid:minor_version": "long"},
    "relatedtext": {
        "relatedtext:relatedtextresources": {
            "type": "complex[]",
            "fields": {"relatedtextid": _STRING, "relatedtext": _STRING},
        }
    },
    "webcontainer": {
        **{key: _STRING for key in SCHEMA_FIELDS["webcontainer"]},
        "webc:isWebContainer": "boolean",
        "webc:useCaptcha": "boolean",
    },
    "publishing": {"publish:sections": "string[]"},
}
_CONTAINER = ["common", "dublincore"]
_WORKSPACE = [*_CONTAINER, "webcontainer", "publishing"]
# type -> (schemas, facets)
TYPES: dict[str, tuple[list[str], list[str]]] = {
    "Root": (_CONTAINER, ["Folderish", "NotCollectionMember"]),
    "Domain": (_CONTAINER, ["Folderish", "NotCollectionMember", "SuperSpace"]),
    "WorkspaceRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "SectionRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "TemplateRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "Workspace": (_WORKSPACE, ["Folderish", "NXTag", "SuperSpace"]),
    "Folder": (_CONTAINER, ["Folderish", "NXTag"]),
    "OrderedFolder": (_CONTAINER, ["Folderish", "NXTag", "Orderable"]),
    "Section": (_CONTAINER, ["Folderish", "SuperSpace", "PublishSpace"]),
    "File": (
        ["common", "dublincore", "file", "uid", "files", "relatedtext"],
        ["Downloadable", "Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
    "Note": (
        ["common", "dublincore", "note", "uid", "files", "relatedtext"],
        ["Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
}
# The type each one extends (`parent` in `config/types`); "Document" is the root of them all.
PARENT_TYPES = {"Workspace": "Folder", "OrderedFolder": "Folder"}
# What an unknown type (a row written by another version) is rendered with.
UNKNOWN_TYPE: tuple[list[str], list[str]] = (["dublincore"], [])


def schemas_of(type_name: str) -> list[str]:
    return TYPES.get(type_name, UNKNOWN_TYPE)[0]


def facets_of(type_name: str) -> list[str]:
    return TYPES.get(type_name, UNKNOWN_TYPE)[1]


def is_folderish(type_name: str) -> bool:
    return "Folderish" in facets_of(type_name)


def types_with_facet(facet: str) -> list[str]:
    return [name for name, (_, facets) in TYPES.items() if facet in facets]


def allowed_properties(type_name: str) -> set[str]:
    """Every property key the type's schemas define."""
    return {key for schema in TYPES[type_name][0] for key in SCHEMA_FIELDS[schema]}


def default_properties(type_name: str) -> dict[str, Any]:
    """A new document's properties: every field of the type's schemas at its empty value (lists copied)."""
    props: dict[str, Any] = {}
    for schema in TYPES[type_name][0]:
        for key, default in SCHEMA_FIELDS[schema].items():
            props[key] = list(default) if isinstance(default, list) else default
    return props


def field_type(key: str) -> Any:
    """The type of a property ("dc:title" -> "string"), as `config/schemas` writes it; None for an unknown key."""
    for fields in FIELD_TYPES.values():
        if key in fields:
            return fields[key]
    return None


# The fields of a blob (Nuxeo's `content` type), which a query may name below a blob property: `file:content/name`.
BLOB_FIELDS = frozenset({"name", "mime-type", "encoding", "digest", "length", "data"})
_LIST_INDEX = re.compile(r"\d+|\*\d*")  # `files:files/0/...`, or a wildcard `*` / `*1`


def is_known_property(prop: str) -> bool:
    """Whether one of the schemas defines `prop`: a prefixed field, then the sub-path its type has ("file:content/name",
    "files:files/0/file/length", "dc:subjects/1"). Nuxeo refuses a query naming anything else ("No such property")."""
    head, *parts = prop.split("/")
    kind: Any = field_type(head)
    if kind is None:
        return False
    for part in parts:
        if isinstance(kind, dict) and kind.get("type") == "complex[]":
            if not _LIST_INDEX.fullmatch(part):
                return False
            kind = {"type": "complex", "fields": kind.get("fields") or {}}
        elif isinstance(kind, dict):
            kind = (kind.get("fields") or {}).get(part)
            if kind is None:
                return False
        elif kind == "blob":
            if part not in BLOB_FIELDS:
                return False
            kind = "string"
        elif isinstance(kind, str) and kind.endswith("[]") and _LIST_INDEX.fullmatch(part):
            kind = kind[:-2]
        else:  # below a scalar there is nothing
            return False
    return True


def parent_type(type_name: str) -> str:
    return PARENT_TYPES.get(type_name, "Document")


def checked_value(key: str, value: Any) -> Any:
    """`value` as a property of type `field_type(key)` is stored, or ValueError saying why it does not fit (the
    400 Nuxeo answers). Dates are kept as Nuxeo writes them (UTC, milliseconds, `Z`); blobs are the store's."""
    kind = field_type(key)
    if value is None or kind is None or kind == "blob":
        return value
    return _checked(key, kind, value)


def _checked(where: str, kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, dict):
        fields = kind.get("fields") or {}
        if kind.get("type") == "complex[]":
            if not isinstance(value, list):
                raise ValueError(f"{where} must be a list")
            return [_checked(f"{where}/{i}", {"type": "complex", "fields": fields}, v) for i, v in enumerate(value)]
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be an object")
        unknown = [name for name in value if name not in fields]
        if unknown:
            raise ValueError(f"{where} has no field {unknown[0]}")
        return {name: _checked(f"{where}/{name}", fields[name], v) for name, v in value.items()}
    if kind.endswith("[]"):
        if isinstance(value, str):  # automation's "k=a,b" form
            value = [v for v in value.split(",") if v]
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list")
        return [_checked(f"{where}/{i}", kind[:-2], v) for i, v in enumerate(value)]
    return _scalar(where, kind, value)


def _scalar(where: str, kind: str, value: Any) -> Any:
    if kind == "blob":
        return value
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise ValueError(f"{where} must be a string")
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{where} must be true or false, not {value!r}")
    if kind in ("long", "integer"):
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where} must be a whole number, not {value!r}") from None
    if kind == "double":
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where} must be a number, not {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{where} must be a finite number")
        return number
    if kind == "date":
        return _date(where, value)
    return value


def _date(where: str, value: Any) -> str:
    """An ISO 8601 date or date-time as Nuxeo writes dates: `2026-12-31T00:00:00.000Z` (no offset means UTC)."""
    if not isinstance(value, str):
        raise ValueError(f"{where} must be an ISO 8601 date, not {value!r}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{where} must be an ISO 8601 date, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
