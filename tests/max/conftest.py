"""One MAX sandbox per test module, and clients signed in to it."""

from __future__ import annotations

import pytest

from tests.conftest import start_sandbox
from tui.sandbox.max.server import sandbox_for
from tui.services.max.client import MaxClient


@pytest.fixture(scope="module")
def max_box(tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "max", scale={"activities": 3000})
    yield box
    box.stop()


@pytest.fixture(scope="module")
def max_server(max_box):
    """The MAX sandbox object itself: revoke tokens, post as someone else."""
    return sandbox_for(max_box)


@pytest.fixture
def max_url(max_box) -> str:
    return max_box.base_url + "/max"


@pytest.fixture
async def client(max_box, exchange_log):
    c = MaxClient.from_connection(max_box.profile().connection("max"), "admin", exchange_log=exchange_log)
    yield c
    await c.aclose()


@pytest.fixture
async def alice(max_url):
    c = MaxClient(max_url, "alice", "alice")
    yield c
    await c.aclose()
