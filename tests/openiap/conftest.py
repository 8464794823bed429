"""OpenIAP fixtures. Each test module gets its own sandbox (module scope): the reconnect tests drop every
connection of theirs, and must not disturb another module's clients."""

from __future__ import annotations

import pytest

from tests.conftest import start_sandbox
from tui.profiles import Connection


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
