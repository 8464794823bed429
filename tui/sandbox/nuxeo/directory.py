"""The user and group directory: the seeded users of `users.USERS` plus the users and groups made through the REST
API, in the repository's SQLite file so they outlive a restart.

Seeded users and groups are written once (a new seeded user appears on the next start; a deleted one stays deleted:
its row is kept, marked deleted). Membership is one table, read from both sides as Nuxeo shows it: a user's `groups`
are the groups listing it in `memberUsers`; a group's `memberGroups` are its sub-groups, and a user belongs to the
parents of its groups too (`extendedGroups`). Passwords are kept salted and hashed, and never shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox.nuxeo.users import USERS

ADMINISTRATORS = "administrators"
# A fresh server's groups, with the labels Nuxeo gives them.
SEEDED_GROUPS = {"administrators": "Administrators group", "members": "Members group", "powerusers": "Power users"}
USER_FIELDS = ("username", "firstName", "lastName", "email", "company", "groups", "tenantId")
GROUP_FIELDS = ("groupname", "grouplabel", "description", "tenantId")

DIRECTORY_SQL = """
CREATE TABLE IF NOT EXISTS directory_users (
    username TEXT PRIMARY KEY, salt TEXT NOT NULL, password_hash TEXT NOT NULL, properties TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS directory_groups (
    groupname TEXT PRIMARY KEY, properties TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS directory_members (
    groupname TEXT NOT NULL, member TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    PRIMARY KEY (groupname, kind, member)
);
"""


def password_hash(salt: str, password: str) -> str:
    return hashlib.sha256((salt + "\0" + password).encode("utf-8")).hexdigest()


@dataclass
class User:
    username: str
    properties: dict[str, Any]  # firstName, lastName, email, company, tenantId (no password, no groups)
    groups: list[str]
    all_groups: list[str]  # with the parents of its groups

    @property
    def is_administrator(self) -> bool:
        return ADMINISTRATORS in self.all_groups


@dataclass
class Group:
    groupname: str
    properties: dict[str, Any]  # grouplabel, description, tenantId
    member_users: list[str] = field(default_factory=list)
    member_groups: list[str] = field(default_factory=list)
    parent_groups: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.properties.get("grouplabel") or self.groupname)


class UserDirectory:
    """Users and groups over the repository's SQLite connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.executescript(DIRECTORY_SQL)
        self._seed()

    def _seed(self) -> None:
        for name, label in SEEDED_GROUPS.items():
            self.db.execute(
                "INSERT OR IGNORE INTO directory_groups (groupname, properties) VALUES (?, ?)",
                (name, json.dumps({"grouplabel": label})),
            )
        for name, seed in USERS.items():
            salt = secrets.token_hex(8)
            props = {k: seed.get(k) for k in ("firstName", "lastName", "email", "company")}
            added = self.db.execute(
                "INSERT OR IGNORE INTO directory_users (username, salt, password_hash, properties) VALUES (?, ?, ?, ?)",
                (name, salt, password_hash(salt, str(seed["password"])), json.dumps(props)),
            ).rowcount
            if added:
                for group in seed.get("groups") or []:
                    self.db.execute(
                        "INSERT OR IGNORE INTO directory_groups (groupname, properties) VALUES (?, ?)",
                        (group, json.dumps({"grouplabel": f"{group.capitalize()} group"})),
                    )
                    self._add_member(group, name, "user")

    # -- reading ------------------------------------------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> bool:
        row = self.db.execute(
            "SELECT salt, password_hash FROM directory_users WHERE username = ? AND deleted = 0", (username,)
        ).fetchone()
        return bool(row) and hmac.compare_digest(row["password_hash"], password_hash(row["salt"], password))

    def user(self, username: str) -> User | None:
        row = self.db.execute(
            "SELECT properties FROM directory_users WHERE username = ? AND deleted = 0", (username,)
        ).fetchone()
        if row is None:
            return None
        groups = self._column(
            "SELECT groupname FROM directory_members WHERE member = ? AND kind = 'user' ORDER BY groupname", username
        )
        return User(username, json.loads(row["properties"]), groups, self._with_parents(groups))

    def group(self, groupname: str) -> Group | None:
        row = self.db.execute(
            "SELECT properties FROM directory_groups WHERE groupname = ? AND deleted = 0", (groupname,)
        ).fetchone()
        if row is None:
            return None
        members = "SELECT member FROM directory_members WHERE groupname = ? AND kind = ? ORDER BY rowid"
        return Group(
            groupname,
            json.loads(row["properties"]),
            self._column(members, groupname, "user"),
            self._column(members, groupname, "group"),
            self._column(
                "SELECT groupname FROM directory_members WHERE member = ? AND kind = 'group' ORDER BY groupname",
                groupname,
            ),
        )

    def search_users(self, text: str) -> list[User]:
        """Users whose name, first or last name or email starts with `text` (any case); all for "" or "*"."""
        names = self._column("SELECT username FROM directory_users WHERE deleted = 0 ORDER BY username")
        users = [u for u in (self.user(n) for n in names) if u is not None]
        wanted = text.strip().strip("*").lower()
        fields = ("firstName", "lastName", "email")
        return [
            u
            for u in users
            if not wanted
            or u.username.lower().startswith(wanted)
            or any(str(u.properties.get(f) or "").lower().startswith(wanted) for f in fields)
        ]

    def search_groups(self, text: str) -> list[Group]:
        names = self._column("SELECT groupname FROM directory_groups WHERE deleted = 0 ORDER BY groupname")
        groups = [g for g in (self.group(n) for n in names) if g is not None]
        wanted = text.strip().strip("*").lower()
        return [
            g
            for g in groups
            if not wanted or g.groupname.lower().startswith(wanted) or g.label.lower().startswith(wanted)
        ]

    def _column(self, sql: str, *params: Any) -> list[str]:
        return [str(row[0]) for row in self.db.execute(sql, params)]

    def _with_parents(self, groups: list[str]) -> list[str]:
        seen = list(groups)
        queue = list(groups)
        while queue:
            for parent in self._column(
                "SELECT groupname FROM directory_members WHERE member = ? AND kind = 'group'", queue.pop(0)
            ):
                if parent not in seen:
                    seen.append(parent)
                    queue.append(parent)
        return seen

    # -- writing ------------------------------------------------------------------------------------------------------

    def save_user(self, username: str, properties: dict[str, Any], *, creating: bool) -> None:
        """Create a user, or change the given properties of one (`password` and `groups` included)."""
        props = dict(properties)
        password = props.pop("password", None)
        groups = props.pop("groups", None)
        props.pop("username", None)
        current = self.user(username)
        stored = {} if creating or current is None else dict(current.properties)
        stored.update({k: v for k, v in props.items() if k in USER_FIELDS})
        salt = secrets.token_hex(8)
        if creating:
            self.db.execute(
                "INSERT OR REPLACE INTO directory_users (username, salt, password_hash, properties, deleted)"
                " VALUES (?, ?, ?, ?, 0)",
                # no password: a hash nothing matches, so the user cannot sign in until given one
                (username, salt, password_hash(salt, str(password)) if password else "-", json.dumps(stored)),
            )
            self.db.execute("DELETE FROM directory_members WHERE member = ? AND kind = 'user'", (username,))
        else:
            self.db.execute(
                "UPDATE directory_users SET properties = ? WHERE username = ?", (json.dumps(stored), username)
            )
            if password:
                self.db.execute(
                    "UPDATE directory_users SET salt = ?, password_hash = ? WHERE username = ?",
                    (salt, password_hash(salt, str(password)), username),
                )
        if groups is not None:
            self.db.execute("DELETE FROM directory_members WHERE member = ? AND kind = 'user'", (username,))
            for group in groups if isinstance(groups, list) else [groups]:
                self._add_member(str(group), username, "user")

    def delete_user(self, username: str) -> None:
        self.db.execute("UPDATE directory_users SET deleted = 1 WHERE username = ?", (username,))
        self.db.execute("DELETE FROM directory_members WHERE member = ? AND kind = 'user'", (username,))

    def save_group(
        self,
        groupname: str,
        properties: dict[str, Any],
        *,
        creating: bool,
        member_users: list[str] | None = None,
        member_groups: list[str] | None = None,
        parent_groups: list[str] | None = None,
    ) -> None:
        """Create a group, or change it; a member list left out (None) stays as it was."""
        current = self.group(groupname)
        stored = {} if creating or current is None else dict(current.properties)
        stored.update({k: v for k, v in properties.items() if k in GROUP_FIELDS and k != "groupname"})
        if creating:
            self.db.execute(
                "INSERT OR REPLACE INTO directory_groups (groupname, properties, deleted) VALUES (?, ?, 0)",
                (groupname, json.dumps(stored)),
            )
            self.db.execute("DELETE FROM directory_members WHERE groupname = ?", (groupname,))
        else:
            self.db.execute(
                "UPDATE directory_groups SET properties = ? WHERE groupname = ?", (json.dumps(stored), groupname)
            )
        for kind, members in (("user", member_users), ("group", member_groups)):
            if members is not None:
                self.db.execute("DELETE FROM directory_members WHERE groupname = ? AND kind = ?", (groupname, kind))
                for member in members:
                    self._add_member(groupname, member, kind)
        if parent_groups is not None:
            self.db.execute("DELETE FROM directory_members WHERE member = ? AND kind = 'group'", (groupname,))
            for parent in parent_groups:
                self._add_member(parent, groupname, "group")

    def delete_group(self, groupname: str) -> None:
        self.db.execute("UPDATE directory_groups SET deleted = 1 WHERE groupname = ?", (groupname,))
        self.db.execute(
            "DELETE FROM directory_members WHERE groupname = ? OR (member = ? AND kind = 'group')",
            (groupname, groupname),
        )

    def _add_member(self, groupname: str, member: str, kind: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO directory_members (groupname, member, kind) VALUES (?, ?, ?)",
            (groupname, member, kind),
        )


def user_json(user: User, directory: UserDirectory) -> dict[str, Any]:
    """A user as `/api/v1/me` and `/api/v1/user/{name}` write it: the user schema's fields but the password."""
    properties: dict[str, Any] = {"username": user.username}
    for key in ("firstName", "lastName", "email", "company"):
        properties[key] = user.properties.get(key)
    properties["groups"] = list(user.groups)
    properties["tenantId"] = user.properties.get("tenantId")
    extended = []
    for name in user.all_groups:
        group = directory.group(name)
        extended.append({"name": name, "label": group.label if group else name, "url": f"group/{name}"})
    return {
        "entity-type": "user",
        "id": user.username,
        "properties": properties,
        "extendedGroups": extended,
        "isAdministrator": user.is_administrator,
        "isAnonymous": False,
    }


def group_json(group: Group, fetched: set[str]) -> dict[str, Any]:
    """A group as `/api/v1/group/{name}` writes it; member lists only when asked for (`fetch-group`)."""
    out: dict[str, Any] = {
        "entity-type": "group",
        "groupname": group.groupname,
        "grouplabel": group.properties.get("grouplabel"),
        "id": group.groupname,
        "properties": {
            "groupname": group.groupname,
            "grouplabel": group.properties.get("grouplabel"),
            "description": group.properties.get("description"),
            "tenantId": group.properties.get("tenantId"),
        },
    }
    for name, members in (
        ("memberUsers", group.member_users),
        ("memberGroups", group.member_groups),
        ("parentGroups", group.parent_groups),
    ):
        if name in fetched:
            out[name] = list(members)
    return out


def login_json(user: User) -> dict[str, Any]:
    """What the `login` operation answers."""
    return {
        "entity-type": "login",
        "id": user.username,
        "name": user.username,
        "username": user.username,
        "isAdministrator": user.is_administrator,
        "groups": list(user.groups),
    }
