"""One Cerb sandbox for the whole Cerb test module set (seeding is the slow part), and `cerb_server`: the sandbox, and
a real Cerb too when one is configured (tests/real/cerb; skipped otherwise), for the tests that must pass on both."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import start_sandbox
from tests.real.cerb.conftest import real_cerb  # noqa: F401 (the fixture, shared)
from tui.profiles import Connection, Profile
from tui.services.cerb.client import CerbClient
from tui.services.cerb.models import Worker


@pytest.fixture(scope="session")
def cerb_box(tmp_path_factory):
    box = start_sandbox(tmp_path_factory, "cerb")
    yield box
    box.stop()


@pytest.fixture(scope="session")
def cerb_conn(cerb_box):
    return cerb_box.profile().connection("cerb")


@dataclass
class CerbServer:
    """A Cerb to test against: how to reach it, and who is who there (the data of each server differ)."""

    name: str
    connection: Connection
    me: Worker
    others: list[Worker]  # other workers, at least two

    def profile(self) -> Profile:
        return Profile(name=f"{self.name}-cerb", connections={"cerb": self.connection})


async def prepared(name: str, connection: Connection) -> CerbServer:
    """Who is signed in, who else works there, and tickets of every kind the pane tests act on (a real Cerb's demo
    data has only open, assigned tickets): unassigned open ones, a waiting refund request, a closed one."""
    async with CerbClient.from_connection(connection, connection.secret) as client:
        me = await client.current_worker()
        others = [w for w in await client.workers() if w.id != me.id]
        groups = await client.groups()
        if name == "real":
            first, second = groups[0].id, groups[min(1, len(groups) - 1)].id
            for subject, group, status in (
                ("Printer offline again", first, None),
                ("Cannot sign in", second, None),
                ("Invoice question", first, None),
                ("Refund for a double charge", first, "waiting"),
                ("Thanks, all sorted", second, "closed"),
            ):
                await client.compose(
                    group_id=group, to="pane.tests@example.com", subject=subject, content="Hello", status=status
                )
            mine = await client.compose(group_id=first, to="pane.tests@example.com", subject="Mine", content="Hi")
            await client.update_ticket(mine.id, owner_id=me.id)
    return CerbServer(name, connection, me, others)


@pytest.fixture(params=["sandbox", pytest.param("real", marks=pytest.mark.real_cerb)])
async def cerb_server(request, cerb_conn) -> CerbServer:
    """The sandbox, then a real Cerb (when REAL_CERB_* or CERB_SOURCE says where; skipped otherwise)."""
    if request.param == "sandbox":
        connection = cerb_conn
    else:
        cerb = request.getfixturevalue("real_cerb")
        connection = Connection(
            kind="cerb", url=cerb.url, username=cerb.access_key, secret=cerb.secret, secret_source="memory"
        )
    key = (request.param, connection.url)  # prepared once per server and session
    if key not in _PREPARED:
        _PREPARED[key] = await prepared(request.param, connection)
    return _PREPARED[key]


_PREPARED: dict[tuple[str, str], CerbServer] = {}


@pytest.fixture
async def other_client(cerb_server):
    """Someone else, changing tickets underneath the app (or checking what the app did) on the same server."""
    async with CerbClient.from_connection(cerb_server.connection, cerb_server.connection.secret) as client:
        yield client
