"""What the Nuxeo client returns: typed documents, pages, blobs, users and automation operations.

Each is made `from_wire`, from a reply already checked against its shape in `wire.py`, so a value here never holds a
surprise: fields older servers leave out get a default, never a KeyError. No Textual and no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.services.nuxeo.wire import (
    BlobWire,
    ChildrenWire,
    DocumentWire,
    OperationWire,
    PageWire,
    UserWire,
)

REPOSITORY = "default"


def readable_time(value: str | None) -> str:
    """A time as Nuxeo writes it, readable: 2024-05-01T10:11:12.000Z is 2024-05-01 10:11:12 UTC."""
    if not value:
        return ""
    text = value.replace("T", " ")
    if text.endswith("Z"):
        text = text[:-1].split(".")[0] + " UTC"
    return text


@dataclass
class Blob:
    """A binary attached to a document (a `file:content`-like property)."""

    name: str
    mime_type: str
    length: int
    digest: str
    data_url: str

    @classmethod
    def from_wire(cls, wire: BlobWire) -> Blob:
        return cls(
            name=wire.name or "",
            mime_type=wire.mime_type or "application/octet-stream",
            length=wire.length or 0,
            digest=wire.digest or "",
            data_url=wire.data or "",
        )


@dataclass(slots=True)  # ten thousand of them in a big folder's tree
class Document:
    uid: str
    path: str
    type: str
    title: str
    state: str
    repository: str
    parent_ref: str
    change_token: str | None
    facets: list[str]
    last_modified: str | None
    properties: dict[str, Any]  # as the server sent them; the ones read below were checked in `wire.PropertiesWire`
    context_parameters: dict[str, Any]
    blob: Blob | None  # the main file (`file:content`), if any
    child_count: int | None  # number of children when the `children` enricher was asked for, else None
    has_folderish_child: bool | None
    permissions: list[str]
    raw: dict[str, Any] = field(repr=False)
    is_trashed: bool = False
    lock_owner: str = ""  # who holds the lock ("" when none, or when the lock was not asked for)
    lock_created: str = ""
    is_version: bool = False
    is_checked_out: bool = True
    version_label: str = ""

    @classmethod
    def from_wire(cls, wire: DocumentWire, raw: dict[str, Any]) -> Document:
        """`raw` is the JSON `wire` was checked from: kept for the raw view and for the properties not in the wire."""
        props = wire.properties
        context = wire.context_parameters
        children = context.children if context is not None else None
        folderish_child = context.has_folderish_child if context is not None else None
        if children is not None and children.has_folderish_child is not None:
            folderish_child = children.has_folderish_child
        return cls(
            uid=wire.uid,
            path=wire.path or "",
            type=wire.type or "",
            title=wire.title or "",
            state=wire.state or "",
            repository=wire.repository or REPOSITORY,
            parent_ref=wire.parent_ref or "",
            change_token=wire.change_token,
            facets=wire.facets or [],
            last_modified=wire.last_modified,
            properties=raw.get("properties") or {},
            context_parameters=raw.get("contextParameters") or {},
            blob=Blob.from_wire(props.content) if props is not None and props.content is not None else None,
            child_count=child_count(children),
            has_folderish_child=folderish_child,
            permissions=(context.permissions or []) if context is not None else [],
            raw=raw,
            is_trashed=bool(wire.is_trashed),
            lock_owner=wire.lock_owner or "",
            lock_created=wire.lock_created or "",
            is_version=bool(wire.is_version),
            is_checked_out=wire.is_checked_out is not False,
            version_label=wire.version_label or "",
        )

    @property
    def name(self) -> str:
        """The last path segment ("" for the repository root)."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_folderish(self) -> bool:
        return "Folderish" in self.facets

    @property
    def modified(self) -> str | None:
        return self.properties.get("dc:modified") or self.last_modified

    @property
    def author(self) -> str:
        return str(self.properties.get("dc:lastContributor") or self.properties.get("dc:creator") or "")

    @property
    def description(self) -> str:
        return str(self.properties.get("dc:description") or "")

    @property
    def has_blob(self) -> bool:
        return self.blob is not None


def child_count(children: ChildrenWire | None) -> int | None:
    """The sandbox says `childCount`; a server that enriches with a page of children says resultsCount/totalSize."""
    if children is None:
        return None
    for count in (children.child_count, children.results_count, children.total_size):
        if count is not None and count >= 0:
            return count
    return None


@dataclass
class DocumentPage:
    entries: list[Document]
    total_size: int
    page_index: int
    page_size: int
    number_of_pages: int
    is_next_page_available: bool

    @classmethod
    def from_wire(cls, wire: PageWire, raw: dict[str, Any]) -> DocumentPage:
        """`raw` is the JSON `wire` was checked from (its entries are kept with their documents)."""
        entries = [Document.from_wire(e, r) for e, r in zip(wire.entries, raw["entries"], strict=True)]
        total = first_of(wire.results_count, wire.total_size)
        page_size = wire.page_size
        return cls(
            entries=entries,
            total_size=total if total is not None and total >= 0 else len(entries),
            page_index=first_of(wire.current_page_index, wire.page_index) or 0,
            page_size=len(entries) if page_size is None else page_size,
            number_of_pages=first_of(wire.number_of_pages, wire.page_count, 1) or 0,
            is_next_page_available=bool(wire.is_next_page_available),
        )


def first_of(*values: int | None) -> int | None:
    """The first value the server sent (newer and older servers name the same count differently)."""
    return next((v for v in values if v is not None), None)


@dataclass
class User:
    username: str
    first_name: str
    last_name: str
    email: str
    groups: list[str]
    is_administrator: bool

    @classmethod
    def from_wire(cls, wire: UserWire) -> User:
        props = wire.properties
        return cls(
            username=(props.username if props is not None else None) or wire.id or "",
            first_name=(props.first_name if props is not None else None) or "",
            last_name=(props.last_name if props is not None else None) or "",
            email=(props.email if props is not None else None) or "",
            groups=(props.groups if props is not None else None) or [],
            is_administrator=bool(wire.is_administrator),
        )


@dataclass
class ServerInfo:
    product_version: str


@dataclass
class OperationParam:
    name: str
    type: str
    required: bool
    description: str
    values: list[str]
    order: int


@dataclass
class Operation:
    id: str
    label: str
    category: str
    description: str
    aliases: list[str]
    signature: list[str]
    params: list[OperationParam]

    @classmethod
    def from_wire(cls, wire: OperationWire) -> Operation:
        params = [
            OperationParam(
                name=p.name,
                type=p.type or "string",
                required=bool(p.required),
                description=p.description or "",
                values=p.values or [],
                order=p.order or 0,
            )
            for p in wire.params or ()
        ]
        return cls(
            id=wire.id,
            label=wire.label or wire.id,
            category=wire.category or "",
            description=wire.description or "",
            aliases=wire.aliases or [],
            signature=wire.signature or [],
            params=sorted(params, key=lambda p: (p.order, p.name)),
        )
