"""The sandbox's document type model: which schemas and facets each type has, and every schema field's empty value.

The repository (what a type may hold), the JSON rendering (which fields to list) and the NXQL compiler (which types
carry a facet) all read it from here.
"""

from __future__ import annotations

from typing import Any

# Which schemas each type carries, with every field's empty value (a real server returns them all, as nulls).
SCHEMA_PREFIXES = {"common": "common", "dublincore": "dc", "file": "file", "files": "files", "note": "note"}
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
}
_CONTAINER = ["common", "dublincore"]
# type -> (schemas, facets)
TYPES: dict[str, tuple[list[str], list[str]]] = {
    "Root": (_CONTAINER, ["Folderish", "NotCollectionMember"]),
    "Domain": (_CONTAINER, ["Folderish", "NotCollectionMember", "SuperSpace"]),
    "WorkspaceRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "SectionRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "TemplateRoot": (_CONTAINER, ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "Workspace": (_CONTAINER, ["Folderish", "NXTag", "SuperSpace"]),
    "Folder": (_CONTAINER, ["Folderish", "NXTag"]),
    "OrderedFolder": (_CONTAINER, ["Folderish", "NXTag", "Orderable"]),
    "Section": (_CONTAINER, ["Folderish", "SuperSpace", "PublishSpace"]),
    "File": (
        ["common", "dublincore", "file", "files"],
        ["Downloadable", "Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
    "Note": (
        ["common", "dublincore", "note", "files"],
        ["Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
}
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
