"""How each property of a document is edited in the form: which ones a person may change, the widget for each (a
line, a box of lines, a switch), the text it starts from, and the value that text stands for, checked against the
field's type before anything is sent.

The form works in text (what drafts keep and the conflict view compares): a list is one value per line, a date is ISO
8601 (stored as Nuxeo writes dates, UTC with milliseconds), a complex value is JSON checked against the schema's
fields, a boolean is "true" or "false". The types come from the document type's schemas (`NuxeoClient.document_type`);
when the server does not say, they are guessed from the values. No Textual here.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tui.services.nuxeo.models import Document
from tui.services.nuxeo.schemas import DocType, FieldType

# Properties the server maintains: shown in the details, never in the form.
SERVER_MAINTAINED = frozenset(
    {"dc:creator", "dc:created", "dc:modified", "dc:lastContributor", "common:icon", "common:icon-expanded"}
    | {"common:size"}
)
SERVER_MAINTAINED_PREFIXES = ("uid:",)  # the version numbers and the uid the versioning service keeps
FIRST = ("dc:title", "dc:description")
LONG_TEXT = frozenset({"dc:description", "note:note", "webc:welcomeText"})
PROPERTY_LABELS = {
    "dc:title": "Title",
    "dc:description": "Description",
    "dc:source": "Source",
    "dc:rights": "Rights",
    "dc:format": "Format",
    "dc:language": "Language",
    "dc:coverage": "Coverage",
    "dc:nature": "Nature",
    "dc:publisher": "Publisher",
    "dc:subjects": "Subjects",
    "dc:contributors": "Contributors",
    "dc:expired": "Expires",
    "dc:valid": "Valid until",
    "dc:issued": "Issued",
    "note:note": "Note text",
    "note:mime_type": "Note format",
    "relatedtext:relatedtextresources": "Related texts",
    "webc:isWebContainer": "Web container",
}
LONG_MAX = 2**63 - 1
_WHOLE = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
DATE_EXAMPLE = "2026-12-31 or 2026-12-31T17:30:00Z"


class InvalidValue(ValueError):
    """What was typed does not fit the field: `str()` is the reason, naming the field, ready for a sentence."""


def nuxeo_date(text: str) -> str:
    """An ISO 8601 date or date-time as Nuxeo writes dates (`2026-12-31T00:00:00.000Z`); without an offset it is UTC.
    ValueError when it is not one."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_kind(value: Any) -> str:
    """What a JSON value is, in words ("a number", "a list"...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    return "a list" if isinstance(value, list) else "an object"


@dataclass
class PropertyEditor:
    """One property in the form: its key, its type, and how its text and its value turn into each other."""

    key: str
    type: FieldType

    @property
    def name(self) -> str:
        """How sentences name it: "Expires (dc:expired)", or the key alone when it has no label."""
        label = PROPERTY_LABELS.get(self.key)
        return f"{label} ({self.key})" if label else self.key

    @property
    def label(self) -> str:
        """The form's label: the name, and how to type the value when it is not plain text."""
        label, hint = PROPERTY_LABELS.get(self.key), self.hint
        if label:
            return f"{label}  ({self.key}{', ' + hint if hint else ''})"
        return f"{self.key}  ({hint})" if hint else self.key

    @property
    def widget(self) -> str:
        """ "switch", "multiline" or "text"."""
        if self.type.kind == "boolean" and not self.type.is_list:
            return "switch"
        if self.type.is_list or self.type.kind == "complex" or self.key in LONG_TEXT:
            return "multiline"
        return "text"

    @property
    def hint(self) -> str:
        t = self.type
        if t.kind == "complex":
            fields = ", ".join(t.fields) or "any keys"
            return f"JSON: {'a list of objects' if t.is_list else 'an object'} with {fields}"
        if t.is_list:
            return "one per line" if t.kind == "string" else f"{_EACH.get(t.kind, 'one value')} per line"
        return {"date": f"ISO 8601, e.g. {DATE_EXAMPLE}", "double": "a number"}.get(t.kind) or (
            "a whole number" if t.kind in ("long", "integer") else ""
        )

    # -- value -> text ------------------------------------------------------------------------------------------------

    def text_of(self, value: Any) -> str:
        """The text the form shows for a value the server sent."""
        t = self.type
        if self.widget == "switch":
            return "true" if value is True or value == "true" else "false"
        if t.kind == "complex":
            if value is None:
                return "[]" if t.is_list else ""
            return json.dumps(value, indent=2, ensure_ascii=False)
        if t.is_list:
            return "\n".join(_scalar_text(v) for v in (value if isinstance(value, list) else [value]) if v is not None)
        return _scalar_text(value)

    # -- text -> value ------------------------------------------------------------------------------------------------

    def value_of(self, text: str) -> Any:
        """The value to send for what was typed; InvalidValue (naming the field and what is wrong) if it does not
        fit the field's type."""
        t = self.type
        if self.widget == "switch":
            return text == "true"
        if t.kind == "complex":
            if not text.strip():
                return [] if t.is_list else None
            try:
                value = json.loads(text)
            except ValueError as exc:
                reason = getattr(exc, "msg", "not JSON")
                where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
                raise InvalidValue(f"{self.name} is not valid JSON ({reason.lower()}{where})") from None
            return checked_shape(value, t, self.name)
        if t.is_list:
            lines = [line.strip() for line in text.splitlines()]
            item = replace(t, is_list=False)
            return [
                _scalar_value(line, item, f"{self.name}, line {n}") for n, line in enumerate(lines, 1) if line != ""
            ]
        if t.kind == "string":
            return text
        return None if not text.strip() else _scalar_value(text.strip(), t, self.name)


_EACH = {"date": "one date", "long": "one whole number", "integer": "one whole number", "double": "one number"}


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _scalar_value(text: str, t: FieldType, where: str) -> Any:
    """A typed line as a value of scalar type `t`."""
    if t.kind in ("long", "integer"):
        if not _WHOLE.fullmatch(text) or abs(int(text)) > LONG_MAX:
            raise InvalidValue(f"{where} must be a whole number, not “{text}”")
        return int(text)
    if t.kind == "double":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidValue(f"{where} must be a number, not “{text}”")
        return number
    if t.kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise InvalidValue(f"{where} must be true or false, not “{text}”")
        return text.lower() == "true"
    if t.kind == "date":
        try:
            return nuxeo_date(text)
        except ValueError:
            raise InvalidValue(f"{where} must be an ISO 8601 date such as {DATE_EXAMPLE}, not “{text}”") from None
    return text


def checked_shape(value: Any, t: FieldType, where: str) -> Any:
    """A decoded JSON value checked against a field's type (unknown keys, wrong types): the value to send, dates in
    Nuxeo's form; InvalidValue naming the place otherwise."""
    if value is None:
        return None
    if t.is_list:
        if not isinstance(value, list):
            raise InvalidValue(f"{where} must be {t.describe()}, not {json_kind(value)}")
        item = replace(t, is_list=False)
        return [checked_shape(v, item, f"{where}, item {i}") for i, v in enumerate(value, 1)]
    if t.kind == "complex":
        if not isinstance(value, dict):
            raise InvalidValue(f"{where} must be an object, not {json_kind(value)}")
        if t.fields:
            unknown = [k for k in value if k not in t.fields]
            if unknown:
                known = ", ".join(t.fields)
                raise InvalidValue(f"{where} has no field “{unknown[0]}” (its fields are {known})")
        return {k: checked_shape(v, t.fields.get(k) or guessed_type(v), f"{where}, {k}") for k, v in value.items()}
    wrong = InvalidValue(f"{where} must be {t.describe()}, not {json_kind(value)}")
    if t.kind == "boolean":
        if not isinstance(value, bool):
            raise wrong
        return value
    if t.kind in ("long", "integer", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong
        if t.kind != "double" and not float(value).is_integer():
            raise wrong
        return int(value) if t.kind != "double" else value
    if not isinstance(value, str):
        raise wrong
    return _scalar_value(value, t, where) if t.kind == "date" else value


def guessed_type(value: Any) -> FieldType:
    """A property's type from its value, for a server that did not describe the document's type."""
    if isinstance(value, bool):
        return FieldType("boolean")
    if isinstance(value, int):
        return FieldType("long")
    if isinstance(value, float):
        return FieldType("double")
    if isinstance(value, dict):
        if "digest" in value and ("data" in value or "mime-type" in value):
            return FieldType("blob")
        return FieldType("complex", fields={k: guessed_type(v) for k, v in value.items()})
    if isinstance(value, list):
        items = [v for v in value if v is not None]
        if items and all(isinstance(v, dict) for v in items):
            fields: dict[str, FieldType] = {}
            for item in items:
                for k, v in item.items():
                    fields.setdefault(k, guessed_type(v))
            return FieldType("complex", True, fields)
        return replace(guessed_type(items[0]) if items else FieldType("string"), is_list=True)
    if isinstance(value, str) and _ISO_DATE.match(value) and "T" in value:
        return FieldType("date")
    return FieldType("string")


def editable(key: str, t: FieldType) -> bool:
    return not t.holds_blob and key not in SERVER_MAINTAINED and not key.startswith(SERVER_MAINTAINED_PREFIXES)


def editors_for(doc: Document, doc_type: DocType | None) -> list[PropertyEditor]:
    """The properties a person may edit, title and description first, then in the order of the type's schemas (and
    any property the type does not describe, its type guessed from its value)."""
    types = dict(doc_type.fields) if doc_type is not None else {}
    for key, value in doc.properties.items():
        types.setdefault(key, guessed_type(value))
    keys = [k for k in FIRST if k in types] + [k for k in types if k not in FIRST]
    return [PropertyEditor(k, types[k]) for k in keys if editable(k, types[k])]
