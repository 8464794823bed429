"""Screenshot scenes of the Queues pane: the live tail with the inspector open, the publish dialog, a collection's
watch stream, and a work item queue by state. A second client plays the rest of the world (producers, workers)."""

from __future__ import annotations

import random

from tests.conftest import wait_for

PRODUCTS = ["widget", "gadget", "sprocket", "gizmo", "doohickey"]


def _pane(pilot):
    from tui.services.openiap.pane import QueuesPane

    return pilot.app.query_one(QueuesPane)


async def _live(pilot):
    pane = _pane(pilot)
    await wait_for(pilot, lambda: pane.connection_state == "connected", timeout=20)
    await wait_for(pilot, lambda: all(s.status == "live" for s in pane.sources if s.kind != "wiq"), timeout=20)
    return pane


def _world(pane):
    from tui.services.openiap.client import OpenIAPClient

    return OpenIAPClient(pane.client.url, "admin", "admin")


def _order(i: int, rng: random.Random) -> dict:
    return {
        "order": 1000 + i,
        "product": rng.choice(PRODUCTS),
        "qty": rng.randint(1, 9),
        "price": round(rng.uniform(2, 200), 2),
        "customer": {"id": f"C-{rng.randint(100, 999)}", "tier": rng.choice(["gold", "basic"])},
    }


async def _orders(pane, count: int) -> None:
    rng = random.Random(7)
    world = _world(pane)
    await world.connect()
    try:
        for i in range(count):
            await world.queue_message(
                "demo", _order(i, rng), correlation_id=f"order-{1000 + i}", replyto="billing" if i % 5 == 0 else ""
            )
    finally:
        await world.aclose()


async def _drawn(pilot, pane, count: int) -> None:
    """Until `count` messages arrived and the tail drew them all (it draws a trickle once a second)."""
    tail = pane.queue_tail
    await wait_for(
        pilot, lambda: tail.buffer.messages >= count and len(tail.view.rows) == len(tail.buffer.items), timeout=20
    )


async def queues(pilot) -> None:
    """The live tail of queue `demo`, a message selected and inspected."""
    pane = await _live(pilot)
    await _orders(pane, 120)
    await _drawn(pilot, pane, 120)
    await pilot.pause(0.2)
    pane.queue_tail.view.focus()
    await pilot.press("up", "up", "up", "up", "up", "enter")
    await pilot.pause(0.3)


async def queues_publish(pilot) -> None:
    """The publish dialog: a queue, a JSON payload, a correlation id, waiting for the reply."""
    from textual.widgets import Checkbox, Input, TextArea

    from tui.services.openiap.dialogs import PublishDialog

    pane = await _live(pilot)
    await _orders(pane, 30)
    await _drawn(pilot, pane, 30)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PublishDialog))
    dialog = pilot.app.screen
    dialog.query_one(
        "#publish-payload", TextArea
    ).text = (
        '{\n  "order": 2001,\n  "product": "sprocket",\n  "qty": 3,\n  "customer": {"id": "C-314", "tier": "gold"}\n}'
    )
    dialog.query_one("#publish-correlation", Input).value = "order-2001"
    dialog.query_one("#publish-wait", Checkbox).value = True
    await pilot.pause(0.3)


async def queues_watch(pilot) -> None:
    """Change events of collection `demo` as they happen: inserts, updates, a delete."""
    pane = await _live(pilot)
    pane._highlight("watch:demo")
    await pilot.pause(0.2)
    pane.watch_tail.view.focus()
    rng = random.Random(3)
    world = _world(pane)
    await world.connect()
    try:
        docs = []
        for i in range(14):
            docs.append(
                await world.insert_one(
                    "demo",
                    {
                        "_type": "order",
                        "name": f"Order {3000 + i}",
                        "status": "open",
                        "amount": round(rng.uniform(5, 500), 2),
                    },
                )
            )
            if i % 3 == 2:
                doc = docs[rng.randrange(len(docs))]
                doc["status"] = rng.choice(["paid", "shipped"])
                await world.update_one("demo", doc)
        await world.delete_one("demo", docs[0]["_id"])
    finally:
        await world.aclose()
    await wait_for(pilot, lambda: pane.watch_tail.buffer.messages >= 19, timeout=20)
    await pilot.pause(0.3)


async def queues_workitems(pilot) -> None:
    """Work item queue `demo-wiq` by state after a worker popped, finished, failed and retried some items."""
    pane = await _live(pilot)
    world = _world(pane)
    await world.connect()
    try:
        for i in range(9):
            await world.push_workitem(
                "demo-wiq", f"Invoice {4100 + i}", {"invoice": 4100 + i, "amount": 40 + i * 7}, priority=1 + i % 3
            )
        for outcome in ("successful", "successful", "failed", "retry", "successful", None):
            item = await world.pop_workitem("demo-wiq")
            if item is not None and outcome is not None:
                await world.update_workitem(
                    item,
                    state=outcome,
                    errormessage="Upstream system did not answer" if outcome != "successful" else "",
                )
    finally:
        await world.aclose()
    pane._highlight("wiq:demo-wiq")
    view = pane.workitems_view
    await wait_for(pilot, lambda: view.wiq == "demo-wiq" and view.loads >= 1, timeout=20)
    view.table.focus()
    await pilot.press("down", "down")
    await pilot.pause(0.3)


SCENES = [
    ("queues", queues),
    ("queues-publish", queues_publish),
    ("queues-watch", queues_watch),
    ("queues-workitems", queues_workitems),
]
