"""Documents fixtures: a Nuxeo sandbox per test module, a signed-in client, and a folder of the test's own; httpx on
the sandbox as its administrator, for the wire details no client exercises."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import start_sandbox
from tui.services.nuxeo.client import NuxeoClient

ADMIN = ("Administrator", "Administrator")  # the sandbox's administrator


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo")
    yield sandbox
    sandbox.stop()


@pytest.fixture
async def client(box):
    connection = box.profile().connection("nuxeo")
    async with NuxeoClient.from_connection(connection, connection.resolve_secret("sandbox")) as c:
        yield c


@pytest.fixture
async def workspace(client):
    """A folder of this test's own, so tests never see each other's documents."""
    return await client.create(
        "/default-domain/workspaces", type="Folder", name=f"t-{uuid.uuid4().hex[:8]}", properties={"dc:title": "Tests"}
    )


@pytest.fixture
def http(box):
    with httpx.Client(base_url=box.base_url + "/nuxeo/", auth=ADMIN, timeout=10) as client:
        yield client
