"""The sandbox's document repository: SQLite tables for documents, blobs, upload batches and tokens.

Documents keep their hierarchy as a parent uid plus a materialised path (moves rewrite the subtree's paths in
one UPDATE); `dc:title`, `dc:created` and `dc:modified` are mirrored in columns so that children pages and searches
sort and page in SQL (ORDER BY + LIMIT/OFFSET over an index on the parent). Blobs are stored once per MD5 digest.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import struct
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tui.sandbox.nuxeo.nxql import FOLDERISH_TYPES, Compiled

PRODUCT_VERSION = "2023.12"
REPOSITORY = "default"
USERS = {
    "Administrator": {
        "password": "Administrator",
        "firstName": "Ada",
        "lastName": "Administrator",
        "email": "administrator@example.com",
        "company": "Example Corp",
        "groups": ["administrators"],
        "isAdministrator": True,
    }
}
ADMIN_PERMISSIONS = [
    "Everything",
    "Read",
    "Write",
    "ReadWrite",
    "ReadRemove",
    "Remove",
    "AddChildren",
    "RemoveChildren",
]

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
_FOLDER = (["common", "dublincore"], ["Folderish", "NXTag", "SuperSpace"])
TYPES: dict[str, tuple[list[str], list[str]]] = {
    "Root": (["common", "dublincore"], ["Folderish", "NotCollectionMember"]),
    "Domain": (["common", "dublincore"], ["Folderish", "NotCollectionMember", "SuperSpace"]),
    "WorkspaceRoot": (["common", "dublincore"], ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "SectionRoot": (["common", "dublincore"], ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "TemplateRoot": (["common", "dublincore"], ["Folderish", "NotCollectionMember", "HiddenInCreation"]),
    "Workspace": _FOLDER,
    "Folder": (["common", "dublincore"], ["Folderish", "NXTag"]),
    "OrderedFolder": (["common", "dublincore"], ["Folderish", "NXTag", "Orderable"]),
    "Section": (["common", "dublincore"], ["Folderish", "SuperSpace", "PublishSpace"]),
    "File": (
        ["common", "dublincore", "file", "files"],
        ["Downloadable", "Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
    "Note": (
        ["common", "dublincore", "note", "files"],
        ["Versionable", "Publishable", "Commentable", "HasRelatedText", "NXTag"],
    ),
}
assert all("Folderish" in TYPES[t][1] for t in FOLDERISH_TYPES)


def types_with_facet(facet: str) -> list[str]:
    return [name for name, (_, facets) in TYPES.items() if facet in facets]


class NuxeoHTTPError(Exception):
    """An error the sandbox answers as Nuxeo does: `{"entity-type": "exception", "status", "message"}`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


_TAGS = re.compile(r"<[^>]+>")


def fulltext_of(title: str, properties: dict[str, Any], blob_texts: Iterable[str] = ()) -> str:
    """What `ecm:fulltext` searches: title, description, note body and the text of text blobs, lower-cased."""
    parts = [title, str(properties.get("dc:description") or ""), _TAGS.sub(" ", str(properties.get("note:note") or ""))]
    parts.extend(blob_texts)
    # words separated by single spaces, with a space at each end, so a word matches as `% word %`
    words = re.findall(r"\w+", " ".join(parts).lower())
    return (" " + " ".join(words) + " ")[:200_000]


@dataclass
class Doc:
    """One row of the documents table, properties decoded."""

    uid: str
    parent_uid: str | None
    path: str
    name: str
    type: str
    state: str
    title: str
    properties: dict[str, Any]
    change_token: int
    created: str
    modified: str
    pos: int
    is_trashed: bool

    @property
    def folderish(self) -> bool:
        return "Folderish" in TYPES.get(self.type, ([], []))[1]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Doc:
        return cls(
            uid=row["uid"],
            parent_uid=row["parent_uid"],
            path=row["path"],
            name=row["name"],
            type=row["type"],
            state=row["state"],
            title=row["title"],
            properties=json.loads(row["properties"]),
            change_token=row["change_token"],
            created=row["created"],
            modified=row["modified"],
            pos=row["pos"],
            is_trashed=bool(row["is_trashed"]),
        )


DOC_COLUMNS = (
    "uid, parent_uid, path, name, type, state, title, properties, change_token, created, modified, pos, is_trashed"
)

SCHEMA_SQL = """
CREATE TABLE documents (
    uid TEXT PRIMARY KEY,
    parent_uid TEXT,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    folderish INTEGER NOT NULL,
    properties TEXT NOT NULL,
    change_token INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    pos INTEGER NOT NULL DEFAULT 0,
    is_trashed INTEGER NOT NULL DEFAULT 0,
    fulltext TEXT NOT NULL DEFAULT ''
);
CREATE TABLE blobs (digest TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE batches (batch_id TEXT PRIMARY KEY, created TEXT NOT NULL);
CREATE TABLE batch_files (
    batch_id TEXT NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
    file_idx TEXT NOT NULL,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    length INTEGER NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (batch_id, file_idx)
);
CREATE TABLE tokens (
    token TEXT PRIMARY KEY, username TEXT NOT NULL, application TEXT, device_id TEXT, permission TEXT, created TEXT
);
"""
# The children orders, uid last: a page is read from the index alone (no sort, no table rows for skipped entries).
INDEXES_SQL = """
CREATE INDEX IF NOT EXISTS documents_children_by_title ON documents (parent_uid, folderish DESC, title COLLATE NOCASE, uid);
CREATE INDEX IF NOT EXISTS documents_children_by_position ON documents (parent_uid, pos, uid);
"""


class Repository:
    def __init__(self, db_path: Path, *, archive_size: int = 10_000):
        self.db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA case_sensitive_like = ON")  # NXQL LIKE is case-sensitive; ILIKE is not
        if (
            self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone()
            is None
        ):
            self.db.executescript(SCHEMA_SQL)
        self.db.executescript(INDEXES_SQL)
        # seed only a new database (one transaction: a seed cut short leaves no root, and is redone next time)
        if self.by_path("/") is None:
            seed(self, archive_size)

    def close(self) -> None:
        self.db.close()

    # -- reading ------------------------------------------------------------------------------------------------------

    def _one(self, where: str, *params: Any) -> Doc | None:
        row = self.db.execute(f"SELECT {DOC_COLUMNS} FROM documents WHERE {where}", params).fetchone()
        return Doc.from_row(row) if row else None

    def by_uid(self, uid: str) -> Doc | None:
        return self._one("uid = ?", uid)

    def by_path(self, path: str) -> Doc | None:
        return self._one("path = ?", normalise_path(path))

    def resolve(self, ref: str) -> Doc:
        """A document by "/path", "doc:/path", "doc:uid" or bare uid; 404 when there is none."""
        ref = ref.strip()
        if ref.startswith("doc:"):
            ref = ref[4:]
        doc = self.by_path(ref) if ref.startswith("/") else self.by_uid(ref)
        if doc is None:
            raise NuxeoHTTPError(404, f"{ref}")
        return doc

    def children(
        self, parent: Doc, offset: int, limit: int, order_by: list[str] | None = None
    ) -> tuple[list[Doc], int]:
        total = self.db.execute("SELECT count(*) FROM documents WHERE parent_uid = ?", (parent.uid,)).fetchone()[0]
        if not order_by:
            order_by = ["pos ASC"] if parent.type == "OrderedFolder" else ["folderish DESC", "title COLLATE NOCASE ASC"]
        # page through the index first (uids only), then read just that page's rows
        uids = [
            row[0]
            for row in self.db.execute(
                f"SELECT uid FROM documents WHERE parent_uid = ? ORDER BY {', '.join(order_by)}, uid LIMIT ? OFFSET ?",
                (parent.uid, limit, offset),
            )
        ]
        if not uids:
            return [], total
        rows = self.db.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE uid IN ({', '.join('?' for _ in uids)})", uids
        ).fetchall()
        by_uid = {row["uid"]: row for row in rows}
        return [Doc.from_row(by_uid[uid]) for uid in uids if uid in by_uid], total

    def query(
        self, compiled: Compiled, offset: int, limit: int, order_by: list[str] | None = None
    ) -> tuple[list[Doc], int]:
        where = compiled.where
        params: list[Any] = []
        if compiled.types:
            where = f"type IN ({', '.join('?' for _ in compiled.types)}) AND ({where})"
            params.extend(compiled.types)
        order = order_by or compiled.order_by or ["title COLLATE NOCASE ASC"]
        # ORDER BY json_extract(...) parameters come after the WHERE ones in `compiled.params`
        n_order_params = sum(item.count("?") for item in compiled.order_by)
        where_params = params + compiled.params[: len(compiled.params) - n_order_params]
        order_params = compiled.params[len(compiled.params) - n_order_params :] if not order_by else []
        try:
            total = self.db.execute(f"SELECT count(*) FROM documents WHERE {where}", where_params).fetchone()[0]
            rows = self.db.execute(
                f"SELECT {DOC_COLUMNS} FROM documents WHERE {where} ORDER BY {', '.join(order)}, uid LIMIT ? OFFSET ?",
                [*where_params, *order_params, limit, offset],
            ).fetchall()
        except sqlite3.Error as exc:
            raise NuxeoHTTPError(400, f"Failed to execute query: {exc}") from None
        return [Doc.from_row(r) for r in rows], total

    def child_stats(self, uids: list[str]) -> dict[str, tuple[int, bool]]:
        """For each parent uid: (number of children, whether one of them is folderish), in one query."""
        if not uids:
            return {}
        marks = ", ".join("?" for _ in uids)
        rows = self.db.execute(
            f"SELECT parent_uid, count(*), max(folderish) FROM documents WHERE parent_uid IN ({marks}) GROUP BY parent_uid",
            uids,
        ).fetchall()
        stats = {uid: (0, False) for uid in uids}
        for parent_uid, count, folderish in rows:
            stats[parent_uid] = (count, bool(folderish))
        return stats

    def blob_data(self, digest: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM blobs WHERE digest = ?", (digest,)).fetchone()
        return bytes(row[0]) if row else None

    def blob_at(self, doc: Doc, xpath: str) -> tuple[dict[str, Any], bytes]:
        """The blob metadata and bytes at `xpath` (file:content, blobholder:0, files:files/N/file); 404 if none."""
        meta: Any = None
        if xpath in ("blobholder:0", "blobholder"):
            if doc.type == "Note":
                text = str(doc.properties.get("note:note") or "").encode("utf-8")
                mime = str(doc.properties.get("note:mime_type") or "text/plain")
                extension = ".html" if "html" in mime else ".txt"
                return {"name": doc.name + extension, "mime-type": mime, "digest": md5(text), "length": len(text)}, text
            meta = doc.properties.get("file:content")
        elif xpath == "file:content" or xpath == "content":
            meta = doc.properties.get("file:content")
        else:
            match = re.fullmatch(r"files:files/(\d+)(?:/file)?", xpath)
            if match:
                files = doc.properties.get("files:files") or []
                index = int(match.group(1))
                if index < len(files) and isinstance(files[index], dict):
                    meta = files[index].get("file")
            elif xpath.startswith("blobholder:") and doc.type != "Note":
                index = int(xpath.split(":", 1)[1] or 0) - 1
                files = doc.properties.get("files:files") or []
                if 0 <= index < len(files) and isinstance(files[index], dict):
                    meta = files[index].get("file")
        if not isinstance(meta, dict):
            raise NuxeoHTTPError(404, f"No blob at {xpath} of document {doc.uid}")
        data = self.blob_data(meta["digest"])
        if data is None:
            raise NuxeoHTTPError(404, f"The blob at {xpath} of document {doc.uid} is missing")
        return meta, data

    # -- writing ------------------------------------------------------------------------------------------------------

    def store_blob(self, data: bytes) -> str:
        digest = md5(data)
        self.db.execute("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)", (digest, data))
        return digest

    def _free_name(self, parent: Doc, name: str, exclude_uid: str = "") -> str:
        name = (name or "untitled").replace("/", "-").strip() or "untitled"
        base = parent.path.rstrip("/")
        candidate = name
        while True:
            row = self.db.execute("SELECT uid FROM documents WHERE path = ?", (f"{base}/{candidate}",)).fetchone()
            if row is None or row[0] == exclude_uid:
                return candidate
            # like Nuxeo: a clashing name gets a time-based suffix
            candidate = f"{name}.{int(time.time() * 1000)}{uuid.uuid4().hex[:4]}"

    def create(self, parent: Doc, type_name: str, name: str, properties: dict[str, Any], user: str) -> Doc:
        if type_name not in TYPES:
            raise NuxeoHTTPError(400, f"Type not found: {type_name}")
        if not parent.folderish:
            raise NuxeoHTTPError(400, f"Cannot create a document in {parent.path}: it is not a folder")
        props = default_properties(type_name)
        self._apply(type_name, props, properties, existing={})
        stamp = now_iso()
        props["dc:created"] = props.get("dc:created") or stamp
        props["dc:modified"] = stamp
        props["dc:creator"] = props.get("dc:creator") or user
        props["dc:lastContributor"] = user
        if user not in props["dc:contributors"]:
            props["dc:contributors"] = [*props["dc:contributors"], user]
        name = self._free_name(parent, name or str(props.get("dc:title") or ""))
        title = str(props.get("dc:title") or name)
        if not props.get("dc:title"):
            props["dc:title"] = title
        pos = self.db.execute(
            "SELECT coalesce(max(pos), -1) + 1 FROM documents WHERE parent_uid = ?", (parent.uid,)
        ).fetchone()[0]
        uid = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO documents (uid, parent_uid, path, name, type, state, title, folderish, properties, change_token,"
            " created, modified, pos, is_trashed, fulltext) VALUES (?, ?, ?, ?, ?, 'project', ?, ?, ?, 0, ?, ?, ?, 0, ?)",
            (
                uid,
                parent.uid,
                f"{parent.path.rstrip('/')}/{name}",
                name,
                type_name,
                title,
                int("Folderish" in TYPES[type_name][1]),
                json.dumps(props),
                props["dc:created"],
                stamp,
                pos,
                fulltext_of(title, props, self._blob_texts(props)),
            ),
        )
        return self.by_uid(uid)  # type: ignore[return-value]

    def update(self, doc: Doc, properties: dict[str, Any], user: str, change_token: str | None = None) -> Doc:
        if change_token is not None and str(change_token) != render_token(doc.change_token):
            raise NuxeoHTTPError(
                409, f"Document {doc.uid} was modified by someone else since it was loaded (stale change token)"
            )
        props = dict(doc.properties)
        self._apply(doc.type, props, properties, existing=doc.properties)
        props["dc:modified"] = now_iso()
        props["dc:lastContributor"] = user
        if user not in (props.get("dc:contributors") or []):
            props["dc:contributors"] = [*(props.get("dc:contributors") or []), user]
        title = str(props.get("dc:title") or doc.name)
        self.db.execute(
            "UPDATE documents SET properties = ?, title = ?, modified = ?, change_token = change_token + 1, fulltext = ?"
            " WHERE uid = ?",
            (
                json.dumps(props),
                title,
                props["dc:modified"],
                fulltext_of(title, props, self._blob_texts(props)),
                doc.uid,
            ),
        )
        return self.by_uid(doc.uid)  # type: ignore[return-value]

    def set_trashed(self, doc: Doc, trashed: bool) -> Doc:
        self.db.execute(
            "UPDATE documents SET is_trashed = ?, state = ?, change_token = change_token + 1 WHERE uid = ?",
            (int(trashed), "deleted" if trashed else "project", doc.uid),
        )
        return self.by_uid(doc.uid)  # type: ignore[return-value]

    def delete(self, doc: Doc) -> None:
        if doc.parent_uid is None:
            raise NuxeoHTTPError(400, "The repository root cannot be deleted")
        self.db.execute(
            "DELETE FROM documents WHERE path = ? OR path LIKE ? ESCAPE '\\'", (doc.path, like_prefix(doc.path))
        )

    def move(self, doc: Doc, target: Doc, name: str | None, user: str) -> Doc:
        if doc.parent_uid is None:
            raise NuxeoHTTPError(400, "The repository root cannot be moved")
        if not target.folderish:
            raise NuxeoHTTPError(400, f"Cannot move into {target.path}: it is not a folder")
        if target.path == doc.path or target.path.startswith(doc.path.rstrip("/") + "/"):
            raise NuxeoHTTPError(400, "Cannot move a document into itself or one of its children")
        new_name = self._free_name(target, name or doc.name, exclude_uid=doc.uid)
        new_path = f"{target.path.rstrip('/')}/{new_name}"
        stamp = now_iso()
        props = dict(doc.properties, **{"dc:modified": stamp, "dc:lastContributor": user})
        self.db.execute("BEGIN")
        try:
            # the subtree first (its paths start with the old path), then the document itself
            self.db.execute(
                "UPDATE documents SET path = ? || substr(path, ?) WHERE path LIKE ? ESCAPE '\\'",
                (new_path, len(doc.path) + 1, like_prefix(doc.path)),
            )
            pos = self.db.execute(
                "SELECT coalesce(max(pos), -1) + 1 FROM documents WHERE parent_uid = ?", (target.uid,)
            ).fetchone()[0]
            self.db.execute(
                "UPDATE documents SET path = ?, name = ?, parent_uid = ?, modified = ?, properties = ?,"
                " change_token = change_token + 1, pos = CASE WHEN parent_uid = ? THEN pos ELSE ? END WHERE uid = ?",
                (new_path, new_name, target.uid, stamp, json.dumps(props), target.uid, pos, doc.uid),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.by_uid(doc.uid)  # type: ignore[return-value]

    def _apply(self, type_name: str, props: dict[str, Any], changes: dict[str, Any], existing: dict[str, Any]) -> None:
        """Apply property changes, checking each belongs to one of the type's schemas and resolving blob values."""
        allowed = {key for schema in TYPES[type_name][0] for key in SCHEMA_FIELDS[schema]}
        for key, value in (changes or {}).items():
            if key not in allowed:
                raise NuxeoHTTPError(400, f"Property not found: {key} (type {type_name})")
            if key == "file:content":
                value = self._blob_value(value, existing.get(key))
            elif key == "files:files":
                old = existing.get(key) or []
                value = [
                    {
                        "file": self._blob_value(
                            (item or {}).get("file"), (old[i] or {}).get("file") if i < len(old) else None
                        )
                    }
                    for i, item in enumerate(value or [])
                ]
            elif key in ("dc:contributors", "dc:subjects") and isinstance(value, str):
                value = [v for v in value.split(",") if v]
            props[key] = value

    def _blob_value(self, value: Any, existing: Any) -> dict[str, Any] | None:
        if value is None or value == "":
            return None
        if isinstance(value, dict) and "upload-batch" in value:
            return self.batch_file(str(value["upload-batch"]), str(value.get("upload-fileId", "0")))
        if (
            isinstance(value, dict)
            and isinstance(existing, dict)
            and value.get("digest") in (None, existing.get("digest"))
        ):
            return existing  # a document sent back as it was loaded keeps its blob
        if isinstance(value, dict) and value.get("digest") and self.blob_data(str(value["digest"])) is not None:
            return {k: value[k] for k in ("name", "mime-type", "digest", "length") if k in value}
        raise NuxeoHTTPError(
            400, 'A blob property must reference an upload: {"upload-batch": ..., "upload-fileId": ...}'
        )

    def _blob_texts(self, props: dict[str, Any]) -> list[str]:
        texts = []
        blobs = [props.get("file:content")] + [(f or {}).get("file") for f in props.get("files:files") or []]
        for meta in blobs:
            if isinstance(meta, dict):
                texts.append(str(meta.get("name") or ""))
                if str(meta.get("mime-type", "")).startswith("text/"):
                    data = self.blob_data(meta["digest"]) or b""
                    texts.append(data[:100_000].decode("utf-8", "replace"))
        return texts

    # -- batches ------------------------------------------------------------------------------------------------------

    def new_batch(self) -> str:
        batch_id = "batchId-" + str(uuid.uuid4())
        self.db.execute("INSERT INTO batches (batch_id, created) VALUES (?, ?)", (batch_id, now_iso()))
        return batch_id

    def batch_exists(self, batch_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)).fetchone() is not None

    def add_batch_file(self, batch_id: str, file_idx: str, name: str, mime_type: str, data: bytes) -> None:
        digest = self.store_blob(data)
        self.db.execute(
            "INSERT OR REPLACE INTO batch_files (batch_id, file_idx, name, mime_type, length, digest) VALUES (?, ?, ?, ?, ?, ?)",
            (batch_id, file_idx, name, mime_type, len(data), digest),
        )

    def batch_files(self, batch_id: str) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM batch_files WHERE batch_id = ? ORDER BY CAST(file_idx AS INTEGER)", (batch_id,)
        ).fetchall()

    def batch_file(self, batch_id: str, file_idx: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT * FROM batch_files WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx)
        ).fetchone()
        if row is None:
            raise NuxeoHTTPError(404, f"Batch {batch_id} has no file {file_idx}")
        return {"name": row["name"], "mime-type": row["mime_type"], "digest": row["digest"], "length": row["length"]}

    def drop_batch(self, batch_id: str, file_idx: str | None = None) -> None:
        if file_idx is None:
            self.db.execute("DELETE FROM batch_files WHERE batch_id = ?", (batch_id,))
            self.db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))
        else:
            self.db.execute("DELETE FROM batch_files WHERE batch_id = ? AND file_idx = ?", (batch_id, file_idx))

    # -- tokens -------------------------------------------------------------------------------------------------------

    def issue_token(self, username: str, application: str, device_id: str, permission: str) -> str:
        row = self.db.execute(
            "SELECT token FROM tokens WHERE username = ? AND application = ? AND device_id = ?",
            (username, application, device_id),
        ).fetchone()
        if row:
            return row[0]
        token = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO tokens (token, username, application, device_id, permission, created) VALUES (?, ?, ?, ?, ?, ?)",
            (token, username, application, device_id, permission, now_iso()),
        )
        return token

    def revoke_token(self, username: str, application: str, device_id: str) -> None:
        self.db.execute(
            "DELETE FROM tokens WHERE username = ? AND application = ? AND device_id = ?",
            (username, application, device_id),
        )

    def token_user(self, token: str) -> str | None:
        row = self.db.execute("SELECT username FROM tokens WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None


# --------------------------------------------------------------------------------------------------------------------
# Rendering documents as Nuxeo's JSON
# --------------------------------------------------------------------------------------------------------------------


def render_token(change_token: int) -> str:
    return f"{change_token}-0"


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
) -> dict[str, Any]:
    doc_schemas, facets = TYPES.get(doc.type, (["dublincore"], []))
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
        "path": doc.path,
        "type": doc.type,
        "state": doc.state,
        "parentRef": doc.parent_uid,
        "isCheckedOut": True,
        "isRecord": False,
        "retainUntil": None,
        "hasLegalHold": False,
        "isUnderRetentionOrLegalHold": False,
        "isVersion": False,
        "isProxy": False,
        "changeToken": render_token(doc.change_token),
        "isTrashed": doc.is_trashed,
        "title": doc.title,
    }
    modified = doc.properties.get("dc:modified")
    if modified:
        out["lastModified"] = modified
    out["properties"] = properties
    out["facets"] = list(facets)
    out["schemas"] = [{"name": s, "prefix": SCHEMA_PREFIXES[s]} for s in doc_schemas]
    out["contextParameters"] = context or {}
    return out


def default_properties(type_name: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for schema in TYPES[type_name][0]:
        for key, default in SCHEMA_FIELDS[schema].items():
            props[key] = list(default) if isinstance(default, list) else default
    return props


def normalise_path(path: str) -> str:
    """Collapse repeated slashes ("path//@children" reaches us as "//"), drop a trailing one; "" is the root."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


def like_prefix(path: str) -> str:
    escaped = path.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


# --------------------------------------------------------------------------------------------------------------------
# Seed: a fresh server's tree plus demo content
# --------------------------------------------------------------------------------------------------------------------

ARCHIVE_PATH = "/default-domain/workspaces/Archive"
ARCHIVE_TOPICS = ["Invoice", "Contract", "Meeting minutes", "Report", "Proposal", "Memo", "Specification", "Letter"]


def make_png(width: int = 32, height: int = 32) -> bytes:
    """A small real PNG (a colour gradient), built by hand so no imaging library is needed."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A tiny one-page PDF with a few lines of text (readable as text too)."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in [title, *lines])
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


class _Seeder:
    def __init__(self, repo: Repository):
        self.repo = repo
        self.rows: list[tuple] = []
        self.blobs: dict[str, bytes] = {}
        self.paths: dict[str, str] = {}  # path -> uid
        self.positions: dict[str, int] = {}
        self.clock = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

    def tick(self, minutes: int = 37) -> str:
        self.clock += timedelta(minutes=minutes)
        return _iso(self.clock)

    def blob(self, name: str, mime: str, data: bytes) -> dict[str, Any]:
        digest = md5(data)
        self.blobs[digest] = data
        return {"name": name, "mime-type": mime, "digest": digest, "length": len(data)}

    def add(self, parent_path: str | None, name: str, type_name: str, title: str, **props: Any) -> str:
        uid = str(uuid.uuid4())
        path = "/" if parent_path is None else f"{parent_path.rstrip('/')}/{name}"
        parent_uid = None if parent_path is None else self.paths[parent_path]
        stamp = self.tick()
        # only the fields that have a value are stored: rendering fills in the schema's empty values
        values: dict[str, Any] = {}
        creator = props.pop("creator", "Administrator")
        values.update(
            {
                "dc:title": title,
                "dc:created": stamp,
                "dc:modified": stamp,
                "dc:creator": creator,
                "dc:lastContributor": creator,
                "dc:contributors": [creator],
            }
        )
        values.update({k.replace("__", ":"): v for k, v in props.items()})
        texts = []
        content = values.get("file:content")
        if isinstance(content, dict) and content["mime-type"].startswith("text/"):
            texts = [content["name"], self.blobs[content["digest"]].decode("utf-8", "replace")]
        position = self.positions.get(parent_uid or "", 0)
        self.positions[parent_uid or ""] = position + 1
        self.rows.append(
            (
                uid,
                parent_uid,
                path,
                "" if parent_path is None else name,
                type_name,
                "project",
                title,
                int("Folderish" in TYPES[type_name][1]),
                json.dumps(values),
                stamp,
                stamp,
                position,
                fulltext_of(title, values, texts),
            )
        )
        self.paths[path] = uid
        return path

    def write(self) -> None:
        db = self.repo.db
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO documents (uid, parent_uid, path, name, type, state, title, folderish, properties, created,"
            " modified, pos, fulltext) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.rows,
        )
        db.executemany("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)", list(self.blobs.items()))
        db.execute("COMMIT")


def seed(repo: Repository, archive_size: int) -> None:
    s = _Seeder(repo)
    root = s.add(None, "", "Root", "")
    domain = s.add(root, "default-domain", "Domain", "Domain")
    sections = s.add(domain, "sections", "SectionRoot", "Sections")
    s.add(domain, "templates", "TemplateRoot", "Templates")
    workspaces = s.add(domain, "workspaces", "WorkspaceRoot", "Workspaces")

    public = s.add(sections, "public", "Section", "Public", dc__description="Documents published for everyone.")
    s.add(
        public,
        "press-release",
        "Note",
        "Press release: Apollo launch",
        note__note="Apollo, our new document platform, launches on 1 December.",
    )

    projects = s.add(workspaces, "Projects", "Workspace", "Projects", dc__description="Active projects.")
    apollo = s.add(projects, "Apollo", "Folder", "Apollo", dc__description="The document platform project.")
    design = s.add(apollo, "Design", "Folder", "Design")
    wireframes = s.add(design, "Wireframes", "Folder", "Wireframes")
    s.add(
        wireframes,
        "sketch-notes",
        "Note",
        "Sketch notes",
        note__note="Tree on the left, details on the right.\nKeyboard first: arrows, enter, backspace.",
    )
    s.add(
        design,
        "logo",
        "File",
        "Logo",
        file__content=s.blob("logo.png", "image/png", make_png()),
        dc__description="The project logo, a 32x32 gradient.",
    )
    s.add(
        apollo,
        "kickoff",
        "Note",
        "Kickoff meeting",
        creator="Administrator",
        note__note="Attendees: Ada, Grace, Linus.\nDecisions: weekly demo on Fridays; release in December.",
    )
    s.add(
        apollo,
        "requirements",
        "File",
        "Requirements",
        file__content=s.blob(
            "requirements.txt",
            "text/plain",
            b"Requirements\n============\n1. Browse the repository as a tree.\n"
            b"2. Edit titles and descriptions in place.\n3. Upload and download files.\n",
        ),
        dc__description="What the platform must do.",
    )
    s.add(
        apollo,
        "budget",
        "File",
        "Budget 2027",
        file__content=s.blob(
            "budget-2027.pdf",
            "application/pdf",
            make_pdf("Budget 2027", ["Licences: 12,000", "Hosting: 8,400", "Training: 3,000"]),
        ),
    )
    hermes = s.add(projects, "Hermes", "Folder", "Hermes", dc__description="Messaging gateway.")
    s.add(hermes, "status", "Note", "Weekly status", note__note="Gateway throughput doubled after the queue change.")
    s.add(
        hermes,
        "contract",
        "File",
        "Supplier contract",
        file__content=s.blob(
            "supplier-contract.pdf",
            "application/pdf",
            make_pdf("Supplier contract", ["Term: 24 months", "Notice: 3 months"]),
        ),
    )

    team = s.add(workspaces, "Team", "Workspace", "Team", dc__description="Team handbook and meetings.")
    procedures = s.add(team, "procedures", "OrderedFolder", "Procedures")
    s.add(
        procedures,
        "onboarding",
        "Note",
        "Onboarding checklist",
        note__note="1. Laptop\n2. Accounts\n3. Read the handbook\n4. Meet the team",
    )
    s.add(procedures, "expenses", "Note", "Expense policy", note__note="Receipts within 30 days.")
    s.add(
        team,
        "meeting-2026-11-02",
        "Note",
        "Meeting notes 2026-11-02",
        note__note="Quarter planning; hiring two people.",
    )
    s.add(
        team,
        "welcome",
        "File",
        "Welcome",
        file__content=s.blob("welcome.txt", "text/plain", b"Welcome to the team workspace!\n"),
    )

    archive = s.add(
        workspaces,
        "Archive",
        "Folder",
        "Archive",
        dc__description=f"{archive_size} archived records, for browsing and search at scale.",
    )
    for i in range(1, archive_size + 1):
        topic = ARCHIVE_TOPICS[i % len(ARCHIVE_TOPICS)]
        title = f"{topic} {i:05d}"
        name = f"record-{i:05d}"
        s.clock += timedelta(minutes=1)
        if i % 10 == 0:
            data = f"{title}\nArchived {topic.lower()} number {i}.\n".encode()
            s.add(archive, name, "File", title, file__content=s.blob(f"{name}.txt", "text/plain", data))
        else:
            s.add(archive, name, "Note", title, note__note=f"Archived {topic.lower()} number {i}.")
    s.write()
