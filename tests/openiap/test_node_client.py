"""The official Node client (`@openiap/nodeapi`), unchanged, manages work item queues against the sandbox: add,
update, push / pop / update / delete an item, purge, refused push to a missing queue, delete.

Needs node and npm; the package is installed once into a directory under the system temp dir (or
SERVICEDECK_NODEAPI_DIR) and reused. Skipped when node or npm is missing or the install fails (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.node import npm_package
from tui.services.openiap.client import OpenIAPClient

NODEAPI = "@openiap/nodeapi@0.0.39"
SCRIPT = Path(__file__).parent / "node" / "workitem_queues.js"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    return npm_package(NODEAPI, dirname="servicedeck-nodeapi-0.0.39", env_var="SERVICEDECK_NODEAPI_DIR")


async def test_the_node_client_manages_work_item_queues(node_modules, connection):
    name = f"node-wiq-{uuid.uuid4().hex[:8]}"
    url = connection.url.replace("ws://", f"ws://{connection.username}:{connection.secret}@", 1)
    result = subprocess.run(
        ["node", str(SCRIPT), url, name],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, NODE_PATH=str(node_modules), log_with_colors="false"),
    )
    lines = {}
    for line in result.stdout.splitlines():
        tag, _, value = line.partition(" ")
        if tag.isalpha() and tag.isupper():  # the client's own log lines start with "["
            lines[tag] = value
    assert result.returncode == 0, result.stdout + result.stderr
    added, updated = json.loads(lines["ADDED"]), json.loads(lines["UPDATED"])
    assert added["name"] == name and added["maxretries"] == 4 and added["retrydelay"] == 10 and added["_id"]
    assert updated["_id"] == added["_id"] and updated["maxretries"] == 6
    assert json.loads(lines["ITEM"]) == {"pushed": "new", "popped": "from node", "done": "successful"}
    assert "Work item queue" in json.loads(lines["REFUSED"]) and "not found" in json.loads(lines["REFUSED"])
    assert json.loads(lines["DELETED"]) is True
    async with OpenIAPClient.from_connection(connection, connection.secret) as client:
        assert name not in {q.name for q in await client.workitem_queues()}
        assert await client.count("workitems", {"wiq": name}) == 0  # purged, then deleted
