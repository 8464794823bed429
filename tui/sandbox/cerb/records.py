"""Rows of the sandbox database as Cerb's record dictionaries: the wire shape of every record the REST API returns.

The keys and their JSON types are those of Cerb 10.4 (checked by tests/real/cerb/test_conformance.py against a real
one). Cerb flattens a related record into its parent with a prefix (`group_name`, `owner__label`) when asked with
`expand=group_`; `Expansion` says which prefixes a record offers, and `expanded` builds those flattened keys, so the
routes never spell a key by hand.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
Build = Callable[[sqlite3.Row, str], Record]  # (row, base URL) -> record

STATUS_NAMES = {0: "open", 1: "waiting", 2: "closed", 3: "deleted"}
STATUS_IDS = {"o": 0, "open": 0, "w": 1, "waiting": 1, "c": 2, "closed": 2, "d": 3, "deleted": 3}

# (context id, name, alias): what `contexts/list.json` reports
CONTEXTS = [
    ("cerberusweb.contexts.ticket", "Ticket", "ticket"),
    ("cerberusweb.contexts.message", "Message", "message"),
    ("cerberusweb.contexts.comment", "Comment", "comment"),
    ("cerberusweb.contexts.group", "Group", "group"),
    ("cerberusweb.contexts.bucket", "Bucket", "bucket"),
    ("cerberusweb.contexts.worker", "Worker", "worker"),
    ("cerberusweb.contexts.org", "Organization", "org"),
    ("cerberusweb.contexts.address", "Email Address", "address"),
    ("cerberusweb.contexts.attachment", "Attachment", "attachment"),
]
CONTEXT_IDS = {alias: context for context, _, alias in CONTEXTS}


def tagged(kind: str, **relations: str) -> Record:
    """A record's own `_context` / `_type`, and the context of each record it points at (`owner__context`)."""
    record: Record = {"_context": CONTEXT_IDS.get(kind, f"cerberusweb.contexts.{kind}"), "_type": kind}
    for prefix, alias in relations.items():
        record[f"{prefix}__context"] = CONTEXT_IDS.get(alias, f"cerberusweb.contexts.{alias}")
    return record


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() or c in ".@" else " " for c in text).split())


def worker_record(row: sqlite3.Row, base: str) -> Record:
    name = f"{row['first_name']} {row['last_name']}".strip()
    return tagged("worker", address="address", calendar="calendar") | {
        "_label": name,
        "address_id": row["id"],  # a worker's own address has the worker's id (seed.py)
        "at_mention_name": row["at_mention_name"],
        "calendar_id": row["id"],
        "dob": None,
        "first_name": row["first_name"],
        "full_name": name,
        "gender": "",
        "id": row["id"],
        "is_disabled": row["is_disabled"],
        "is_superuser": row["is_superuser"],
        "language": "en_US",
        "last_name": row["last_name"],
        "location": None if row["is_superuser"] else "Remote",
        "mobile": "",
        "phone": "",
        "record_url": f"{base}/profiles/worker/{row['id']}-{slug(name)}",
        "time_format": "D, d M Y h:i a",
        "timeout_idle_secs": 600,
        "timezone": "UTC",
        "title": row["title"],
        "updated": row["updated"],
    }


def address_record(row: sqlite3.Row, base: str) -> Record:
    """An email address. Its label ("Name <email>") is only sent when asked for by name (`sender__label`)."""
    email = row["email"]
    name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
    return tagged("address", contact="contact", org="org", worker="worker") | {
        "_label": f"{name} <{email}>" if name else email,
        "address": email,
        "contact_id": 0,
        "created_at": row["created"],
        "email": email,
        "host": email.partition("@")[2],
        "id": row["id"],
        "is_banned": 0,
        "is_contact": False,
        "is_defunct": 0,
        "is_trusted": 0,
        "mail_transport_id": 0,
        "num_nonspam": 0,
        "num_spam": 0,
        "org_id": row["org_id"] if name else None,  # a group's own address belongs to no contact: null
        "record_url": f"{base}/profiles/address/{row['id']}-{slug(email)}",
        "updated": row["created"],
        "worker_id": row["worker_id"],
    }


def _reply_settings(replyto_id: int) -> Record:
    return {
        "reply_html_template_id": 0,
        "reply_personal": "",
        "reply_signature_id": 0,
        "reply_signing_key_id": 0,
        "replyto_id": replyto_id,
    }


def group_record(row: sqlite3.Row, base: str) -> Record:
    return (
        tagged(
            "group",
            replyto="address",
            reply_html_template="mail.html_template",
            reply_signature="email.signature",
            reply_signing_key="gpg.private.key",
        )
        | {
            "_label": row["name"],
            "created": row["updated"],
            "id": row["id"],
            "is_default": row["is_default"],
            "is_private": row["is_private"],
            "name": row["name"],
            "record_url": f"{base}/profiles/group/{row['id']}-{slug(row['name'])}",
            "updated": row["updated"],
        }
        | _reply_settings(row["replyto_id"])
    )


def bucket_record(row: sqlite3.Row, base: str) -> Record:
    return (
        tagged("bucket", group="group", replyto="address")
        | {
            "_label": row["name"],
            "group_id": row["group_id"],
            "id": row["id"],
            "is_default": row["is_default"],
            "name": row["name"],
            "record_url": f"{base}/profiles/bucket/{row['id']}-{slug(row['name'])}",
            "updated_at": row["updated"],
        }
        | _reply_settings(0)
    )


def org_record(row: sqlite3.Row, base: str) -> Record:
    return tagged("org", email="address") | {
        "_label": row["name"],
        "city": row["city"],
        "country": row["country"],
        "created": row["updated"],
        "email_id": 0,
        "id": row["id"],
        "name": row["name"],
        "phone": "",
        "postal": "",
        "province": "",
        "record_url": f"{base}/profiles/org/{row['id']}-{slug(row['name'])}",
        "street": "",
        "updated": row["updated"],
        "website": row["website"],
    }


def ticket_record(row: sqlite3.Row, base: str) -> Record:
    url = f"{base}/profiles/ticket/{row['mask']}"
    closed = row["closed"]
    return tagged(
        "ticket",
        group="group",
        bucket="bucket",
        owner="worker",
        org="org",
        initial_message="message",
        initial_response_message="message",
        latest_message="message",
    ) | {
        "_label": f"[#{row['mask']}] {row['subject']}",
        "bucket_id": row["bucket_id"],
        "closed": closed,
        "closed_at": closed,
        "created": row["created"],
        # Cerb sends these three as strings
        "elapsed_resolution_first": str(max(0, closed - row["created"]) if closed else 0),
        "elapsed_response_first": "0",
        "elapsed_status_open": "0",
        "group_id": row["group_id"],
        "id": row["id"],
        "importance": row["importance"],
        "initial_message_id": row["initial_message_id"],
        "initial_response_message_id": 0,
        "last_opened_at": row["created"],
        "latest_message_id": row["latest_message_id"],
        "mask": row["mask"],
        "num_messages": row["num_messages"],
        "num_messages_in": row["num_messages_in"],
        "num_messages_out": row["num_messages"] - row["num_messages_in"],
        "org_id": row["org_id"],
        "owner_id": row["owner_id"],
        "record_url": url,
        "reopen_date": row["reopen_date"],
        "spam_score": row["spam_score"],
        "spam_training": row["spam_training"],
        "status": STATUS_NAMES[row["status_id"]],
        "status_id": row["status_id"],
        "subject": row["subject"],
        "updated": row["updated"],
        "url": url,
    }


def message_record(row: sqlite3.Row, base: str) -> Record:
    content = row["content"]
    return tagged("message", ticket="ticket", sender="address", worker="worker") | {
        "created": row["created"],
        "hash_header_message_id": hashlib.sha1(f"message-{row['id']}".encode()).hexdigest(),
        "html_attachment_id": 0,
        "id": row["id"],
        "is_broadcast": 0,
        "is_not_sent": 0,
        "is_outgoing": row["is_outgoing"],
        "record_url": f"{base}/profiles/message/{row['id']}",
        "response_time": 0,
        "sender_id": row["sender_id"],
        "signed_at": 0,
        "signed_key_fingerprint": "",
        "storage_size": len(content.encode()),
        "ticket_id": row["ticket_id"],
        "ticket_url": f"{base}/profiles/ticket/{row['ticket_id']}#message{row['id']}",
        "token": hashlib.sha1(f"token-{row['id']}".encode()).hexdigest()[:10],
        "was_encrypted": 0,
        "worker_id": row["worker_id"],
    }


def comment_record(row: sqlite3.Row, base: str) -> Record:
    return tagged("comment", author="worker", target="ticket") | {
        "_label": row["comment"][:64],
        "author_id": row["worker_id"],
        "comment": row["comment"],
        "created": row["created"],
        "id": row["id"],
        "is_markdown": 0,
        "is_pinned": 0,
        "target_id": row["ticket_id"],
    }


def attachment_record(row: sqlite3.Row, base: str) -> Record:
    return tagged("attachment") | {
        "_label": row["name"],
        "id": row["id"],
        "mime_type": row["mime_type"],
        "name": row["name"],
        "record_url": f"{base}/profiles/attachment/{row['id']}-{slug(row['name'])}",
        "size": len(row["content"]),
        "storage_extension": "devblocks.storage.engine.database",
        "storage_key": str(row["id"]),
        "storage_sha1hash": row["sha1"],
        "updated": row["updated"],
        "url_download": f"{base}/files/{row['id']}/{row['name']}",
    }


@dataclass(frozen=True)
class Expansion:
    """A related record a record can carry flattened: which of its columns points at it, and how it looks."""

    column: str
    table: str
    build: Build
    label_by_name_only: bool = False  # an address's label comes only with `sender__label`, not with `sender_`


EXPANSIONS: dict[str, dict[str, Expansion]] = {
    "ticket": {
        "group_": Expansion("group_id", "groups", group_record),
        "bucket_": Expansion("bucket_id", "buckets", bucket_record),
        "owner_": Expansion("owner_id", "workers", worker_record),
        "org_": Expansion("org_id", "orgs", org_record),
    },
    "message": {
        "sender_": Expansion("sender_id", "addresses", address_record, label_by_name_only=True),
        "worker_": Expansion("worker_id", "workers", worker_record),
    },
    "comment": {"author_": Expansion("worker_id", "workers", worker_record)},
    "worker": {"address_": Expansion("id", "addresses", address_record, label_by_name_only=True)},
    "bucket": {"group_": Expansion("group_id", "groups", group_record)},
}


def wanted(kind: str, expand: str) -> dict[str, bool]:
    """The prefixes an `expand` parameter asks of a `kind` of record, each with whether its label is wanted."""
    out: dict[str, bool] = {}
    for token in (t.strip() for t in expand.split(",")):
        prefix = token.split("__", 1)[0] if "__" in token else token
        if not prefix.endswith("_"):
            prefix += "_"
        found = EXPANSIONS.get(kind, {}).get(prefix)
        if found is not None:
            out[prefix] = out.get(prefix, False) or token.endswith("__label") or not found.label_by_name_only
    return out


def expanded(record: Record, prefix: str, related: Record, with_label: bool) -> None:
    """Flatten `related` into `record` under `prefix`, as Cerb does (`_label` -> `owner__label`)."""
    for key, value in related.items():
        if key in ("_context", "_type") or key.endswith("__context"):
            continue
        if key == "_label":
            if with_label:
                record[prefix + "_label"] = value
            continue
        if key != "id":  # the parent's own `owner_id` column already says it
            record[prefix + key] = value


def with_expansions(
    kind: str, rows: list[sqlite3.Row], base: str, build: Build, expand: str, related: Mapping[str, Mapping[int, Any]]
) -> list[Record]:
    """Records of `kind`, with the related records `expand` asks for flattened in (`related`: table -> id -> row)."""
    prefixes = wanted(kind, expand)
    out = []
    for row in rows:
        record = build(row, base)
        for prefix, with_label in prefixes.items():
            spec = EXPANSIONS[kind][prefix]
            found = related.get(spec.table, {}).get(row[spec.column])
            if found is not None:  # unassigned, no organisation: Cerb sends nothing for it
                expanded(record, prefix, spec.build(found, base), with_label)
        out.append(record)
    return out


def tables_for(kind: str, expand: str) -> set[str]:
    """The tables an expansion needs loaded."""
    return {EXPANSIONS[kind][prefix].table for prefix in wanted(kind, expand)}
