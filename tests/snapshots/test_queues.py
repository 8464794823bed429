"""Snapshots of the Queues pane (OpenIAP): the live tail of a queue with a few messages, the publish dialog."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.snapshots.scenes import paste, settle, steady, type_text

ORDERS = [
    ('{"order": 1001, "product": "widget", "qty": 3}', "order-1001"),
    ('{"order": 1002, "product": "gadget", "qty": 1, "customer": {"id": "C-314", "tier": "gold"}}', "order-1002"),
    ('{"order": 1003, "product": "sprocket", "qty": 9}', ""),
]


async def live(pilot: Pilot[object]) -> None:
    await settle(pilot, "● connected as admin", "● live", "0 received")


async def fill_publish_dialog(pilot: Pilot[object], payload: str, correlation_id: str) -> None:
    await pilot.press("p")
    await settle(pilot, "Publish a message", "Payload (JSON)")
    await pilot.press("f7")  # the payload has the focus: select the example in it (f7: select all), paste over it
    await paste(pilot, payload)
    if correlation_id:
        await pilot.press("tab")
        await type_text(pilot, correlation_id)


async def tail(pilot: Pilot[object]) -> None:
    await live(pilot)
    for count, (payload, correlation_id) in enumerate(ORDERS, start=1):
        await fill_publish_dialog(pilot, payload, correlation_id)
        await pilot.press("ctrl+s")
        await settle(pilot, f"{count} received", gone=("Publish a message",))
    await pilot.press("up", "up", "enter")  # inspect the second message
    await steady(pilot, "Inspector", "correlationId order-1002")


async def publish_dialog(pilot: Pilot[object]) -> None:
    await live(pilot)
    await fill_publish_dialog(pilot, '{\n  "order": 2001,\n  "product": "sprocket",\n  "qty": 3\n}', "order-2001")
    await steady(pilot, "order-2001")


def test_live_tail(shoot):
    """Queue `demo` tailed live: three messages published from the app, the second one in the inspector."""
    assert shoot("openiap", tail)


def test_publish_dialog(shoot):
    """`p`: the publish dialog with a JSON payload and a correlation id typed in."""
    assert shoot("openiap", publish_dialog)
