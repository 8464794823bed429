"""One Cerb sandbox for the whole Cerb test module set (seeding is the slow part)."""

from __future__ import annotations

import pytest

from tests.conftest import start_sandbox


@pytest.fixture(scope="session")
def cerb_box(tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "cerb")
    yield box
    box.stop()


@pytest.fixture(scope="session")
def cerb_conn(cerb_box):
    return cerb_box.profile().connection("cerb")
