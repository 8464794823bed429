"""OpenIAP fixtures. Each test module gets its own sandbox (module scope): the reconnect tests drop every
connection of theirs, and must not disturb another module's clients."""

from __future__ import annotations

import pytest

from tests.conftest import start_sandbox
from tui.profiles import Connection
from tui.services.openiap.client import OpenIAPClient


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "openiap")
    yield sandbox
    sandbox.stop()


@pytest.fixture
def service(box):
    """The OpenIAP part of the sandbox, with its test hooks (flood, drop_connections, consumers...)."""
    return next(s for s in box.services if s.kind == "openiap")


@pytest.fixture
def connection(box) -> Connection:
    return box.profile().connections["openiap"]


@pytest.fixture
def url(connection) -> str:
    return connection.url


def client_for(sandbox) -> OpenIAPClient:
    connection = sandbox.profile().connection("openiap")
    return OpenIAPClient.from_connection(connection, connection.resolve_secret("sandbox"))


@pytest.fixture
async def other(box):
    """A second client acting on the server while the pane watches: producer, responder, the other worker."""
    client = client_for(box)
    await client.connect()
    yield client
    await client.aclose()
