"""What the Nuxeo client returns: typed documents, pages, blobs, users and automation operations, each read from the
REST API's JSON (`from_json`) and tolerant of the fields older servers leave out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REPOSITORY = "default"


@dataclass
class Blob:
    """A binary attached to a document (a `file:content`-like property)."""

    name: str
    mime_type: str
    length: int
    digest: str
    data_url: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Blob:
        try:
            length = int(raw.get("length") or 0)  # Nuxeo sends the length as a string
        except (TypeError, ValueError):
            length = 0
        return cls(
            name=str(raw.get("name") or ""),
            mime_type=str(raw.get("mime-type") or "application/octet-stream"),
            length=length,
            digest=str(raw.get("digest") or ""),
            data_url=str(raw.get("data") or ""),
        )


@dataclass
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
    properties: dict[str, Any]
    context_parameters: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Document:
        return cls(
            uid=str(raw.get("uid") or ""),
            path=str(raw.get("path") or ""),
            type=str(raw.get("type") or ""),
            title=str(raw.get("title") or ""),
            state=str(raw.get("state") or ""),
            repository=str(raw.get("repository") or REPOSITORY),
            parent_ref=str(raw.get("parentRef") or ""),
            change_token=raw.get("changeToken"),
            facets=list(raw.get("facets") or []),
            last_modified=raw.get("lastModified"),
            properties=dict(raw.get("properties") or {}),
            context_parameters=dict(raw.get("contextParameters") or {}),
            raw=raw,
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
    def child_count(self) -> int | None:
        """Number of children when the `children` enricher was asked for, else None."""
        children = self.context_parameters.get("children")
        if isinstance(children, dict):
            for key in ("childCount", "resultsCount", "totalSize"):
                value = children.get(key)
                if isinstance(value, int):
                    return value
        return None

    @property
    def has_folderish_child(self) -> bool | None:
        children = self.context_parameters.get("children")
        if isinstance(children, dict) and "hasFolderishChild" in children:
            return bool(children["hasFolderishChild"])
        value = self.context_parameters.get("hasFolderishChild")
        return None if value is None else bool(value)

    @property
    def permissions(self) -> list[str]:
        return list(self.context_parameters.get("permissions") or [])

    @property
    def has_blob(self) -> bool:
        return isinstance(self.properties.get("file:content"), dict)

    @property
    def blob(self) -> Blob | None:
        content = self.properties.get("file:content")
        return Blob.from_json(content) if isinstance(content, dict) else None


@dataclass
class DocumentPage:
    entries: list[Document]
    total_size: int
    page_index: int
    page_size: int
    number_of_pages: int
    is_next_page_available: bool

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DocumentPage:
        entries = [Document.from_json(e) for e in raw.get("entries") or []]
        total = raw.get("resultsCount", raw.get("totalSize", len(entries)))
        return cls(
            entries=entries,
            total_size=int(total if total is not None and total >= 0 else len(entries)),
            page_index=int(raw.get("currentPageIndex", raw.get("pageIndex", 0)) or 0),
            page_size=int(raw.get("pageSize", len(entries)) or 0),
            number_of_pages=int(raw.get("numberOfPages", raw.get("pageCount", 1)) or 0),
            is_next_page_available=bool(raw.get("isNextPageAvailable", False)),
        )


@dataclass
class User:
    username: str
    first_name: str
    last_name: str
    email: str
    groups: list[str]
    is_administrator: bool

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> User:
        props = raw.get("properties") or {}
        return cls(
            username=str(props.get("username") or raw.get("id") or ""),
            first_name=str(props.get("firstName") or ""),
            last_name=str(props.get("lastName") or ""),
            email=str(props.get("email") or ""),
            groups=[str(g) for g in props.get("groups") or []],
            is_administrator=bool(raw.get("isAdministrator", False)),
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
    def from_json(cls, raw: dict[str, Any]) -> Operation:
        params = [
            OperationParam(
                name=str(p.get("name") or ""),
                type=str(p.get("type") or "string"),
                required=bool(p.get("required", False)),
                description=str(p.get("description") or ""),
                values=[str(v) for v in p.get("values") or []],
                order=int(p.get("order") or 0),
            )
            for p in raw.get("params") or []
        ]
        return cls(
            id=str(raw.get("id") or ""),
            label=str(raw.get("label") or raw.get("id") or ""),
            category=str(raw.get("category") or ""),
            description=str(raw.get("description") or ""),
            aliases=[str(a) for a in raw.get("aliases") or []],
            signature=[str(s) for s in raw.get("signature") or []],
            params=sorted(params, key=lambda p: (p.order, p.name)),
        )
