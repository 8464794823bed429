"""What a document type holds: its schemas and the type of every field, read from `GET api/v1/config/types/{type}`.

Nuxeo describes a field by a primitive type name ("string", "long", "integer", "double", "boolean", "date"), with
"[]" for a list of them, "blob" / "blob[]" for binaries, or `{"type": "complex" | "complex[]", "fields": {...}}`.
No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from tui.http import ProtocolError
from tui.services.nuxeo.wire import SERVICE, Wire, checked

SCALARS = frozenset({"string", "long", "integer", "double", "boolean", "date", "blob"})
NUMBERS = frozenset({"long", "integer", "double"})


@dataclass(frozen=True)
class FieldType:
    """One field's type: `kind` is a scalar name from SCALARS or "complex"; `fields` are a complex value's own."""

    kind: str
    is_list: bool = False
    fields: dict[str, FieldType] = field(default_factory=dict)

    @property
    def holds_blob(self) -> bool:
        """A binary, or a complex value with one inside (`files:files`): edited by uploading, not by typing."""
        return self.kind == "blob" or any(f.holds_blob for f in self.fields.values())

    def describe(self) -> str:
        """ "a date", "a list of whole numbers", "an object"... for sentences about a wrong value."""
        if self.is_list:
            return "a list of " + (_PLURALS.get(self.kind) or "objects")
        return _SINGULARS.get(self.kind) or "an object"


_SINGULARS = {
    "string": "a text",
    "long": "a whole number",
    "integer": "a whole number",
    "double": "a number",
    "boolean": "true or false",
    "date": "an ISO 8601 date",
    "blob": "a file",
}
_PLURALS = {
    "string": "texts",
    "long": "whole numbers",
    "integer": "whole numbers",
    "double": "numbers",
    "boolean": "true/false values",
    "date": "dates",
    "blob": "files",
}


def field_type(desc: Any, where: str) -> FieldType:
    """The type a `config` answer describes at `where` (a ProtocolError when it makes no sense)."""
    if isinstance(desc, str):
        kind, is_list = (desc[:-2], True) if desc.endswith("[]") else (desc, False)
        if kind in SCALARS:
            return FieldType(kind, is_list)
        # a type this client does not know (a newer server's): kept as text, which Nuxeo converts
        return FieldType("string", is_list)
    if isinstance(desc, dict) and desc.get("type") in ("complex", "complex[]") and isinstance(desc.get("fields"), dict):
        fields = {str(name): field_type(sub, f"{where}/{name}") for name, sub in desc["fields"].items()}
        return FieldType("complex", desc["type"] == "complex[]", fields)
    raise ProtocolError(
        f"{SERVICE} described the field {where} in a way this client does not understand.", service=SERVICE
    )


class SchemaWire(Wire):
    name: str
    prefix: str | None = None
    at_prefix: str | None = msgspec.field(default=None, name="@prefix")
    fields: dict[str, Any] = msgspec.field(default_factory=dict)


class DocTypeWire(Wire):
    name: str
    facets: list[str] | None = None
    schemas: list[SchemaWire] = msgspec.field(default_factory=list)


@dataclass
class DocType:
    """A document type: its facets, and its fields by property key ("dc:title"), in the order of its schemas."""

    name: str
    facets: list[str]
    fields: dict[str, FieldType]

    @classmethod
    def from_reply(cls, data: Any, what: str) -> DocType:
        wire = checked(data, DocTypeWire, what)
        fields: dict[str, FieldType] = {}
        for schema in wire.schemas:
            # a schema without a prefix names its properties "schema:field", as documents show them
            prefix = schema.prefix or schema.at_prefix or schema.name
            for name, desc in schema.fields.items():
                key = f"{prefix}:{name}"
                fields[key] = field_type(desc, key)
        return cls(name=wire.name, facets=wire.facets or [], fields=fields)
