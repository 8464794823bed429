"""The sandbox's users, and how the REST API and Automation describe a user.

Administrator may do everything; jdoe is a member who may read and write documents but, unlike an administrator,
cannot save a document someone else has locked, nor take their lock off it.
"""

from __future__ import annotations

from typing import Any

USERS: dict[str, dict[str, Any]] = {
    "Administrator": {
        "password": "Administrator",
        "firstName": "Ada",
        "lastName": "Administrator",
        "email": "administrator@example.com",
        "company": "Example Corp",
        "groups": ["administrators"],
        "isAdministrator": True,
    },
    "jdoe": {
        "password": "jdoe",
        "firstName": "John",
        "lastName": "Doe",
        "email": "jdoe@example.com",
        "company": "Example Corp",
        "groups": ["members"],
        "isAdministrator": False,
    },
}
# What the `permissions` enricher lists: an administrator may do everything everywhere.
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


def is_administrator(username: str) -> bool:
    user = USERS.get(username)
    return bool(user and user["isAdministrator"])


def user_entity(username: str) -> dict[str, Any]:
    """`/api/v1/me` and `/api/v1/user/{name}`."""
    user = USERS[username]
    return {
        "entity-type": "user",
        "id": username,
        "properties": {
            "username": username,
            "firstName": user["firstName"],
            "lastName": user["lastName"],
            "email": user["email"],
            "company": user["company"],
            "groups": list(user["groups"]),
            "tenantId": None,
        },
        "extendedGroups": [
            {"name": g, "label": f"{g.capitalize()} group", "url": f"group/{g}"} for g in user["groups"]
        ],
        "isAdministrator": bool(user["isAdministrator"]),
        "isAnonymous": False,
    }


def login_entity(username: str) -> dict[str, Any]:
    """What the `login` operation answers."""
    user = USERS[username]
    return {
        "entity-type": "login",
        "id": username,
        "name": username,
        "username": username,
        "isAdministrator": bool(user["isAdministrator"]),
        "groups": list(user["groups"]),
    }
