"""The sandbox's seeded users (the directory, `directory.py`, starts from them and adds the users made through the
REST API), and what the `permissions` enricher lists.

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
