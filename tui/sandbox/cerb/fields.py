"""What a ticket change may say, read from a request's fields with the checks and error texts of Cerb 10.4.

`record_changes` reads `PUT records/ticket/N.json` (`fields[status]=c`), `legacy_changes` reads `PUT tickets/N.json`
(`status_id=2`), and `reply_options` / `compose_options` read the extra fields of a reply or a new ticket. The store
checks what needs the database (does that owner exist?) with `CerbStore.validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox.cerb.records import STATUS_IDS

# what `fields[...]` of a ticket may name, and the column it writes
EDITABLE = {
    "status_id": "status_id",
    "owner_id": "owner_id",
    "group_id": "group_id",
    "bucket_id": "bucket_id",
    "org_id": "org_id",
    "importance": "importance",
    "subject": "subject",
    "reopen_date": "reopen_date",
    "spam_training": "spam_training",
    "spam_score": "spam_score",
}
RECORD_IDS = ("owner_id", "group_id", "bucket_id", "org_id")


class CerbError(Exception):
    """A controller error: HTTP 200 with `__status: error`, as Cerb sends it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> CerbError:
    return CerbError("ERROR_PARAM_INVALID", message)


def php_int(value: str | None) -> int:
    """PHP's `(int)`: the leading digits of the text, else 0 ("12abc" -> 12, "abc" -> 0)."""
    match = re.match(r"\s*[-+]?\d+", value or "")
    return int(match.group()) if match else 0


def _number(name: str, value: str, column: str | None = None) -> int:
    if not re.fullmatch(r"-?\d+", value.strip()):
        raise invalid(f"'{column or name}' must be a number (string: \"{value}\").")
    return int(value)


def record_changes(fields: dict[str, str]) -> dict[str, Any]:
    """The changes of `PUT records/ticket/N.json`; every field checked as Cerb checks it."""
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if not (key.startswith("fields[") and key.endswith("]")):
            continue
        name = key[len("fields[") : -1].lower()
        if name == "status":
            if value.lower() not in STATUS_IDS:
                raise invalid("Status must be: open, waiting, closed, or deleted.")
            changes["status_id"] = STATUS_IDS[value.lower()]
        elif name not in EDITABLE:
            raise invalid(f"'{name}' is not an editable field.")
        elif name in RECORD_IDS:
            if not re.fullmatch(r"\d+", value.strip()):
                raise invalid(f"'{name}' must be an ID or URI.")
            changes[name] = int(value)
        elif name == "subject":
            if not value.strip():
                raise invalid("'subject' must not be blank.")
            changes["subject"] = value
        elif name == "spam_training":
            if value not in ("", "N", "S"):
                raise invalid("'spam_training' must be one of: , N, S")
            changes["spam_training"] = value
        elif name == "spam_score":
            try:
                changes["spam_score"] = float(value)
            except ValueError:
                raise invalid(f"'spam_score' must be a number (string: \"{value}\").") from None
        else:  # status_id, importance, reopen_date: numbers with a range
            number = _number(name, value, "reopen_at" if name == "reopen_date" else None)
            limits = {"status_id": 3, "importance": 100}
            if name in limits and number > limits[name]:
                raise invalid(f"'{name}' must be <= {limits[name]} ({number})")
            if number < 0:
                raise invalid(f"'{name}' must be >= 0 ({number})")
            changes[name] = number
    return changes


def legacy_changes(fields: dict[str, str]) -> dict[str, Any]:
    """The changes of `PUT tickets/N.json`: `status_id`, `owner_id`, `group_id`, `bucket_id`, `org_id`, `subject`
    (Cerb's legacy endpoint reads nothing else, importance included). Its errors use ERROR_PERMISSIONS, as Cerb's do."""
    changes: dict[str, Any] = {}
    if fields.get("subject"):
        changes["subject"] = fields["subject"]
    if fields.get("group_id") or fields.get("bucket_id"):
        if not php_int(fields.get("group_id")):
            raise CerbError("ERROR_PERMISSIONS", "The 'group_id' field is required.")
        changes["legacy_group_id"] = php_int(fields.get("group_id"))
        changes["bucket_id"] = php_int(fields.get("bucket_id"))
    for name in ("owner_id", "org_id"):
        if fields.get(name, "") != "":
            changes[name] = php_int(fields[name])
    if fields.get("status_id", "") != "":
        status = php_int(fields["status_id"])
        changes["status_id"] = status if status in (1, 2, 3) else 0
    return changes


@dataclass
class MailOptions:
    """What a compose or a reply may add: its status, when a waiting ticket reopens, copies and attached files."""

    status: int | None = None
    reopen_at: int = 0
    cc: str = ""
    bcc: str = ""
    file_ids: list[int] = field(default_factory=list)


def mail_options(fields: dict[str, str], files: list[str], *, reply: bool) -> MailOptions:
    """Cerb reads `status` as a number (a letter is 0: open). A reply sets it (open when not given: 0); a new ticket
    only takes a non-zero one. `reopen_at` is a date Cerb parses; the sandbox takes Unix seconds or +N hours."""
    status: int | None = php_int(fields.get("status"))
    if status not in ((0, 1, 2, 3) if reply else (1, 2, 3)):
        status = None  # a reply leaves the status as it is; a new ticket is open
    options = MailOptions(
        status=status,
        cc=fields.get("cc", ""),
        bcc=fields.get("bcc", ""),
        file_ids=sorted({php_int(f) for f in files if php_int(f) > 0}),
    )
    reopen = fields.get("reopen_at", "").strip()
    if reopen.isdigit():
        options.reopen_at = int(reopen)
    return options
