"""Rows of the sandbox database as Cerb's record dictionaries: the wire shape of every record the REST API returns.

Cerb flattens a related record into its parent with a prefix (`group_name`, `owner__label`): `expand=group_` asks for
the group's fields inside each ticket. Those flattened keys are built here, so the routes never spell a key by hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

Record = dict[str, Any]

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
]


def worker_record(row: sqlite3.Row) -> Record:
    return {
        "_context": "cerberusweb.contexts.worker",
        "_type": "worker",
        "_label": f"{row['first_name']} {row['last_name']}",
        "id": row["id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "full_name": f"{row['first_name']} {row['last_name']}",
        "email": row["email"],
        "address_address": row["email"],
        "title": row["title"],
        "is_superuser": row["is_superuser"],
        "is_disabled": row["is_disabled"],
        "at_mention_name": row["at_mention_name"],
        "updated": row["updated"],
    }


def group_record(row: sqlite3.Row) -> Record:
    return {
        "_context": "cerberusweb.contexts.group",
        "_type": "group",
        "_label": row["name"],
        "id": row["id"],
        "name": row["name"],
        "is_default": row["is_default"],
        "is_private": row["is_private"],
        "updated": row["updated"],
    }


def bucket_record(row: sqlite3.Row) -> Record:
    return {
        "_context": "cerberusweb.contexts.bucket",
        "_type": "bucket",
        "_label": row["name"],
        "id": row["id"],
        "name": row["name"],
        "group_id": row["group_id"],
        "group__context": "cerberusweb.contexts.group",
        "is_default": row["is_default"],
        "updated": row["updated"],
    }


def org_record(row: sqlite3.Row) -> Record:
    return {
        "_context": "cerberusweb.contexts.org",
        "_type": "org",
        "_label": row["name"],
        "id": row["id"],
        "name": row["name"],
        "city": row["city"],
        "country": row["country"],
        "website": row["website"],
        "updated": row["updated"],
    }


# what each expandable prefix of a ticket names: (the table its id points into, how that record looks)
TICKET_EXPANSIONS: dict[str, tuple[str, Callable[[sqlite3.Row], Record]]] = {
    "group_": ("groups", group_record),
    "bucket_": ("buckets", bucket_record),
    "owner_": ("workers", worker_record),
    "org_": ("orgs", org_record),
}


def ticket_record(row: sqlite3.Row, base_url: str, related: Mapping[str, Mapping[int, sqlite3.Row]]) -> Record:
    """A ticket; `related` holds, per expanded prefix ("owner_"), the rows its id may point at."""
    record: Record = {
        "_context": "cerberusweb.contexts.ticket",
        "_type": "ticket",
        "_label": f"[#{row['mask']}] {row['subject']}",
        "id": row["id"],
        "mask": row["mask"],
        "subject": row["subject"],
        "status": STATUS_NAMES[row["status_id"]],
        "status_id": row["status_id"],
        "importance": row["importance"],
        "group_id": row["group_id"],
        "group__context": "cerberusweb.contexts.group",
        "bucket_id": row["bucket_id"],
        "bucket__context": "cerberusweb.contexts.bucket",
        "owner_id": row["owner_id"],
        "owner__context": "cerberusweb.contexts.worker",
        "org_id": row["org_id"],
        "org__context": "cerberusweb.contexts.org",
        "created": row["created"],
        "updated": row["updated"],
        "closed": row["closed"],
        "initial_message_id": row["initial_message_id"],
        "latest_message_id": row["latest_message_id"],
        "num_messages": row["num_messages"],
        "url": f"{base_url}/profiles/ticket/{row['mask']}",
    }
    for prefix, rows in related.items():
        found = rows.get(row[prefix + "id"])
        if found is None:  # unassigned, or no organisation: Cerb still sends an empty label
            record[prefix + "_label"] = ""
            continue
        for key, value in TICKET_EXPANSIONS[prefix][1](found).items():
            if key in ("_context", "_type"):
                continue
            record[prefix + ("_label" if key == "_label" else key)] = value
    return record


def message_record(row: sqlite3.Row, sender: sqlite3.Row | None) -> Record:
    label = f"{sender['first_name']} {sender['last_name']}".strip() if sender else ""
    return {
        "_context": "cerberusweb.contexts.message",
        "_type": "message",
        "_label": label,
        "id": row["id"],
        "ticket_id": row["ticket_id"],
        "ticket__context": "cerberusweb.contexts.ticket",
        "sender_id": row["sender_id"],
        "sender__context": "cerberusweb.contexts.address",
        "sender__label": label,
        "sender_email": sender["email"] if sender else "",
        "worker_id": row["worker_id"],
        "created": row["created"],
        "is_outgoing": row["is_outgoing"],
        "content": row["content"],
    }


def comment_record(row: sqlite3.Row, author: sqlite3.Row | None) -> Record:
    return {
        "_context": "cerberusweb.contexts.comment",
        "_type": "comment",
        "_label": row["comment"][:64],
        "id": row["id"],
        "comment": row["comment"],
        "created": row["created"],
        "author_id": row["worker_id"],
        "author__context": "cerberusweb.contexts.worker",
        "author__label": f"{author['first_name']} {author['last_name']}" if author else "",
        "target_context": "cerberusweb.contexts.ticket",
        "target_id": row["ticket_id"],
    }
