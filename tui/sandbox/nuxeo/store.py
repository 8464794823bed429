"""The sandbox's document repository: SQLite tables for documents and blobs (upload batches and tokens: `batches.py`).

Documents keep their hierarchy as a parent uid plus a materialised path (moves rewrite the subtree's paths in
one UPDATE); `dc:title`, `dc:created` and `dc:modified` are mirrored in columns so that children pages and searches
sort and page in SQL (ORDER BY + LIMIT/OFFSET over an index on the parent). Blobs are stored once per MD5 digest.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.sandbox.common import iso_utc
from tui.sandbox.nuxeo.batches import Tokens, UploadBatches
from tui.sandbox.nuxeo.directory import UserDirectory
from tui.sandbox.nuxeo.doctypes import TYPES, allowed_properties, checked_value, default_properties, is_folderish
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.nxql import Compiled
from tui.sandbox.nuxeo.schema import DOC_COLUMNS, INDEXES_SQL, SCHEMA_SQL, Doc, add_missing_columns
from tui.sandbox.nuxeo.versioning import MAJOR, MINOR, is_versionable_type, refuse_change


def now_iso() -> str:
    return iso_utc(datetime.now(UTC))


def change_token_text(change_token: int) -> str:
    """A document's change token as the REST API shows it (and expects it back)."""
    return f"{change_token}-0"


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


class Repository:
    """Documents and blobs in one SQLite file; `batches` and `tokens` share its connection."""

    def __init__(self, db_path: Path):
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
        add_missing_columns(self.db)
        self.db.executescript(INDEXES_SQL)
        self.batches = UploadBatches(self.db, self.store_blob)
        self.tokens = Tokens(self.db)
        self.directory = UserDirectory(self.db)  # users and groups

    def is_empty(self) -> bool:
        """No root yet: a new database, or a seed cut short (it runs in one transaction, so it left nothing)."""
        return self.by_path("/") is None

    def close(self) -> None:
        self.db.close()

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
        """A page of a folder's children and how many there are, as the children adapter lists them (Nuxeo runs it
        through CURRENT_DOC_CHILDREN): documents in the trash are left out; versions have no parent, so are too."""
        total = self.db.execute(
            "SELECT count(*) FROM documents WHERE parent_uid = ? AND is_trashed = 0", (parent.uid,)
        ).fetchone()[0]
        if not order_by:
            order_by = ["pos ASC"] if parent.type == "OrderedFolder" else ["folderish DESC", "title COLLATE NOCASE ASC"]
        # page through the index first (uids only), then read just that page's rows
        uids = [
            row[0]
            for row in self.db.execute(
                f"SELECT uid FROM documents WHERE parent_uid = ? AND is_trashed = 0 ORDER BY {', '.join(order_by)}, uid"
                " LIMIT ? OFFSET ?",
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
        """For each parent uid: (number of children, whether one of them is folderish), in one query. Trashed
        children are not counted: the Web UI does not show them in the folder (its trash view does)."""
        if not uids:
            return {}
        marks = ", ".join("?" for _ in uids)
        rows = self.db.execute(
            f"SELECT parent_uid, count(*), max(folderish) FROM documents WHERE parent_uid IN ({marks})"
            " AND is_trashed = 0 GROUP BY parent_uid",
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
        if is_versionable_type(type_name):  # a new document is at version 0.0
            props.update({MAJOR: props.get(MAJOR) or 0, MINOR: props.get(MINOR) or 0})
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
            "INSERT INTO documents (uid, parent_uid, path, name, type, state, title, folderish, properties,"
            " change_token, created, modified, pos, is_trashed, fulltext)"
            " VALUES (?, ?, ?, ?, ?, 'project', ?, ?, ?, 0, ?, ?, ?, 0, ?)",
            (
                uid,
                parent.uid,
                f"{parent.path.rstrip('/')}/{name}",
                name,
                type_name,
                title,
                int(is_folderish(type_name)),
                json.dumps(props),
                props["dc:created"],
                stamp,
                pos,
                fulltext_of(title, props, self._blob_texts(props)),
            ),
        )
        return self.by_uid(uid)  # type: ignore[return-value]

    def update(self, doc: Doc, properties: dict[str, Any], user: str, change_token: str | None = None) -> Doc:
        refuse_change(self, doc, user)  # a version, or a document someone else has locked
        if change_token is not None and str(change_token) != change_token_text(doc.change_token):
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
            "UPDATE documents SET properties = ?, title = ?, modified = ?, change_token = change_token + 1,"
            " fulltext = ?, checked_out = 1 WHERE uid = ?",
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
        if doc.is_version:
            self.db.execute("DELETE FROM documents WHERE uid = ?", (doc.uid,))
            return
        if doc.parent_uid is None:
            raise NuxeoHTTPError(400, "The repository root cannot be deleted")
        # its versions (and those of what it holds) stay, as in Nuxeo, where a later clean-up removes orphan versions:
        # they keep no parent and a path of their own, so the delete below does not reach them
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
        allowed = allowed_properties(type_name)
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
            else:
                try:
                    value = checked_value(key, value)
                except ValueError as exc:
                    raise NuxeoHTTPError(400, f"Invalid value: {exc}") from None
            props[key] = value

    def _blob_value(self, value: Any, existing: Any) -> dict[str, Any] | None:
        if value is None or value == "":
            return None
        if isinstance(value, dict) and "upload-batch" in value:
            return self.batches.file(str(value["upload-batch"]), str(value.get("upload-fileId", "0")))
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


def normalise_path(path: str) -> str:
    """Collapse repeated slashes ("path//@children" reaches us as "//"), drop a trailing one; "" is the root."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


def like_prefix(path: str) -> str:
    escaped = path.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"
