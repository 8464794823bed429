"""Work item queues managed through the client against the sandbox: add, list with counts by state, update (rename,
settings, purge), delete (refused while the queue has items unless purging), and editing or deleting one item."""

from __future__ import annotations

import uuid

import pytest

from tui.http import ConflictError, NotFoundError
from tui.services.openiap.client import OpenIAPClient, WorkitemQueue


@pytest.fixture
async def client(connection):
    client = OpenIAPClient.from_connection(connection, connection.secret)
    await client.connect()
    yield client
    await client.aclose()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_add_list_count_update_purge_delete(client):
    done = await client.add_workitem_queue(WorkitemQueue(unique("done")))
    queue = await client.add_workitem_queue(
        WorkitemQueue(unique("orders"), maxretries=5, retrydelay=30, initialdelay=2, success_wiq=done.name)
    )
    assert queue.id and (queue.maxretries, queue.retrydelay, queue.initialdelay) == (5, 30, 2)
    assert queue.success_wiq == done.name
    listed = {q.name: q for q in await client.workitem_queues()}
    assert listed[queue.name] == queue and {"demo-wiq", "default-wiq"} <= set(listed)

    for n in range(3):
        await client.push_workitem(queue.name, f"item {n}", {"n": n}, nextrun=None)
    assert (await client.workitem_counts(queue))["new"] == 3

    queue.name, queue.maxretries = unique("renamed"), 7
    renamed = await client.update_workitem_queue(queue)
    assert (renamed.name, renamed.maxretries, renamed.id) == (queue.name, 7, queue.id)
    assert len(await client.workitems(renamed.name)) == 3  # the items follow the new name

    with pytest.raises(ConflictError, match="purge"):
        await client.delete_workitem_queue(renamed)
    await client.purge_workitem_queue(renamed)
    assert sum((await client.workitem_counts(renamed)).values()) == 0
    await client.delete_workitem_queue(renamed)
    await client.delete_workitem_queue(done, purge=True)
    names = {q.name for q in await client.workitem_queues()}
    assert renamed.name not in names and done.name not in names


async def test_names_are_unique_and_follow_up_queues_must_exist(client):
    name = unique("once")
    await client.add_workitem_queue(WorkitemQueue(name))
    with pytest.raises(ConflictError, match="already exists"):
        await client.add_workitem_queue(WorkitemQueue(name))
    with pytest.raises(NotFoundError, match="not found"):
        await client.add_workitem_queue(WorkitemQueue(unique("broken"), failed_wiq="no-such-queue"))


async def test_pushing_to_a_missing_queue_is_refused(client):
    with pytest.raises(NotFoundError, match=r"Work item queue .* not found"):
        await client.push_workitem(unique("missing"), "item", {})


async def test_edit_and_delete_one_work_item(client):
    queue = await client.add_workitem_queue(WorkitemQueue(unique("edits")))
    item = await client.push_workitem(queue.name, "before", {"v": 1}, priority=3)
    item.name, item.payload, item.priority = "after", {"v": 2, "more": [1, 2]}, 1
    edited = await client.update_workitem(item)
    assert (edited.name, edited.payload, edited.priority, edited.state) == ("after", {"v": 2, "more": [1, 2]}, 1, "new")
    await client.delete_workitem(item.id)
    assert await client.workitems(queue.name) == []
    with pytest.raises(NotFoundError):
        await client.delete_workitem(item.id)
    await client.delete_workitem_queue(queue)
