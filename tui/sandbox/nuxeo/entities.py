"""Documents, blobs and pages as the Nuxeo REST API writes them (`entity-type` document / documents), with the
schemas and enrichers a request asks for.

Enrichers (header `enrichers-document`, `enrichers.document` or `X-NXenrichers.document`, or the same query
parameter):
- `children`: `contextParameters.children = {"childCount": n, "hasFolderishChild": bool}`; `childCount` is this
  sandbox's addition so a tree can show how many documents a folder holds without listing them.
- `hasFolderishChild`: `contextParameters.hasFolderishChild = bool`.
- `permissions`: `contextParameters.permissions = ["Everything", "Read", ...]`.
- `breadcrumb`: `contextParameters.breadcrumb` = the ancestors as a `documents` entity.

Fetch properties (header `fetch-document`, `fetch.document` or `X-NXfetch.document`, or the same query parameter,
comma-separated): `lock` adds `lockOwner` and `lockCreated` when the document is locked; `versionLabel` adds the
version label ("0.1", "1.0+", "" for a type that is not versionable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse

from tui.sandbox.common import base_url as url_of
from tui.sandbox.nuxeo.doctypes import SCHEMA_FIELDS, SCHEMA_PREFIXES, TYPES, UNKNOWN_TYPE
from tui.sandbox.nuxeo.paging import MAX_PAGE_SIZE
from tui.sandbox.nuxeo.schema import Doc
from tui.sandbox.nuxeo.store import Repository, change_token_text
from tui.sandbox.nuxeo.users import ADMIN_PERMISSIONS
from tui.sandbox.nuxeo.versioning import version_label

REPOSITORY = "default"


def wanted_schemas(header: str | None) -> set[str] | None:
    """None means every schema ("*"); otherwise the set of schema names asked for."""
    if not header or header.strip() in ("*", ""):
        return None
    return {s.strip() for s in header.split(",") if s.strip()}


def render_blob(meta: dict[str, Any], base_url: str, uid: str, xpath: str) -> dict[str, Any]:
    name = str(meta.get("name") or "file")
    return {
        "name": name,
        "mime-type": meta.get("mime-type") or "application/octet-stream",
        "encoding": None,
        "digestAlgorithm": "MD5",
        "digest": meta.get("digest"),
        "length": str(meta.get("length", 0)),  # a string, as Nuxeo sends it
        "data": f"{base_url}/nuxeo/nxfile/{REPOSITORY}/{uid}/{xpath}/{quote(name)}",
    }


def render(
    doc: Doc,
    *,
    base_url: str,
    schemas: set[str] | None = None,
    context: dict[str, Any] | None = None,
    fetched: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    doc_schemas, facets = TYPES.get(doc.type, UNKNOWN_TYPE)
    visible = [s for s in doc_schemas if schemas is None or s in schemas]
    properties: dict[str, Any] = {}
    for schema in visible:
        for key, default in SCHEMA_FIELDS[schema].items():
            value = doc.properties.get(key, default)
            if key == "file:content" and isinstance(value, dict):
                value = render_blob(value, base_url, doc.uid, "file:content")
            elif key == "files:files":
                value = [
                    {
                        "file": render_blob(item["file"], base_url, doc.uid, f"files:files/{i}/file")
                        if item.get("file")
                        else None
                    }
                    for i, item in enumerate(value or [])
                ]
            properties[key] = value
    out: dict[str, Any] = {
        "entity-type": "document",
        "repository": REPOSITORY,
        "uid": doc.uid,
        "path": doc.path or None,  # "" only for an orphan version (`as_live`)
        "type": doc.type,
        "state": doc.state,
        "parentRef": doc.parent_uid,
        "isCheckedOut": doc.checked_out,
        "isRecord": False,
        "retainUntil": None,
        "hasLegalHold": False,
        "isUnderRetentionOrLegalHold": False,
        "isVersion": doc.is_version,
        "isProxy": False,
    }
    if doc.is_version:
        out["versionableId"] = doc.version_of
    out.update(changeToken=change_token_text(doc.change_token), isTrashed=doc.is_trashed, title=doc.title)
    if "versionLabel" in fetched:
        out["versionLabel"] = version_label(doc)
    if "lock" in fetched and doc.lock_owner:
        out["lockOwner"] = doc.lock_owner
        out["lockCreated"] = doc.lock_created
    modified = doc.properties.get("dc:modified")
    if modified:
        out["lastModified"] = modified
    out["properties"] = properties
    out["facets"] = list(facets)
    out["schemas"] = [{"name": s, "prefix": SCHEMA_PREFIXES[s]} for s in doc_schemas]
    if context:  # Nuxeo writes the object only when an enricher asked for added something to it
        out["contextParameters"] = context
    return out


def page_entity(entries: list[dict[str, Any]], total: int, page_index: int, page_size: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / page_size)) if page_size else 1
    return {
        "entity-type": "documents",
        "isPaginable": True,
        "resultsCount": total,
        "pageSize": page_size,
        "maxPageSize": MAX_PAGE_SIZE,
        "resultsCountLimit": -1,
        "currentPageSize": len(entries),
        "currentPageIndex": page_index,
        "currentPageOffset": page_index * page_size,
        "numberOfPages": pages,
        "isPreviousPageAvailable": page_index > 0,
        "isNextPageAvailable": page_index + 1 < pages,
        "isLastPageAvailable": page_index + 1 < pages,
        "isSortable": True,
        "hasError": False,
        "errorMessage": None,
        "totalSize": total,
        "pageIndex": page_index,
        "pageCount": pages,
        "entries": entries,
    }


def option(request: Request, *names: str) -> str | None:
    """Nuxeo reads these settings from a header or a query parameter, interchangeably."""
    for name in names:
        value = request.headers.get(name)
        if value is None:
            value = request.query_params.get(name)
        if value is not None:
            return value
    return None


@dataclass
class Rendering:
    """What a request asks documents to be rendered with: schemas (None: all), enrichers, and the URL for links."""

    schemas: set[str] | None
    enrichers: set[str]
    base_url: str
    fetched: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, request: Request) -> Rendering:
        raw = option(request, "enrichers-document", "enrichers.document", "X-NXenrichers.document") or ""
        fetch = option(request, "fetch-document", "fetch.document", "X-NXfetch.document") or ""
        return cls(
            schemas=wanted_schemas(option(request, "properties", "X-NXproperties", "X-NXDocumentProperties")),
            enrichers={e.strip() for e in raw.split(",") if e.strip()},
            base_url=url_of(request),
            fetched=frozenset(f.strip() for f in fetch.split(",") if f.strip()),
        )


def documents_json(repo: Repository, docs: list[Doc], how: Rendering) -> list[dict[str, Any]]:
    """Render documents with the schemas and enrichers asked for (children counts in one query for the page)."""
    enrichers = how.enrichers
    stats = {}
    if enrichers & {"children", "hasFolderishChild"}:
        stats = repo.child_stats([d.uid for d in docs if d.folderish])
    out = []
    for doc in docs:
        context: dict[str, Any] = {}
        count, has_folder = stats.get(doc.uid, (0, False))
        if "children" in enrichers:
            context["children"] = {"childCount": count, "hasFolderishChild": has_folder}
        if "hasFolderishChild" in enrichers:
            context["hasFolderishChild"] = has_folder
        if "permissions" in enrichers:
            context["permissions"] = list(ADMIN_PERMISSIONS)
        if "breadcrumb" in enrichers:
            context["breadcrumb"] = breadcrumb(repo, doc, how.base_url)
        if doc.is_version:
            doc = as_live(repo, doc)
        out.append(render(doc, base_url=how.base_url, schemas=how.schemas, context=context, fetched=how.fetched))
    return out


def as_live(repo: Repository, version: Doc) -> Doc:
    """A version is shown at its live document's path, under its parent (it has neither of its own); once the live
    document is deleted, with no path ("", written as null, as Nuxeo writes an orphan version's) and no parent."""
    live = repo.by_uid(version.version_of or "")
    if live is None:
        return replace(version, path="", parent_uid=None)
    return replace(version, path=live.path, parent_uid=live.parent_uid)


def breadcrumb(repo: Repository, doc: Doc, url: str) -> dict[str, Any]:
    """The document's ancestors below the root, outermost first, as a `documents` page."""
    ancestors = []
    parent_uid = doc.parent_uid
    while parent_uid:
        parent = repo.by_uid(parent_uid)
        if parent is None or parent.parent_uid is None:
            break
        ancestors.append(render(parent, base_url=url, schemas=set()))
        parent_uid = parent.parent_uid
    return page_entity(list(reversed(ancestors)), len(ancestors), 0, max(1, len(ancestors)))


def document_response(repo: Repository, doc: Doc, request: Request, status: int = 200) -> JSONResponse:
    return JSONResponse(documents_json(repo, [doc], Rendering.of(request))[0], status_code=status)


def page_response(
    repo: Repository, docs: list[Doc], total: int, page_index: int, page_size: int, request: Request
) -> JSONResponse:
    return JSONResponse(page_entity(documents_json(repo, docs, Rendering.of(request)), total, page_index, page_size))
