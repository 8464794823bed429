"""What got in a new user's way in the Queues pane: a request/reply without a reply, the filter's count, the status
line while disconnected, the collections browser on opening, the work item table at 140 columns, the mark of a
followed work item queue, and the message for a priority that is not a number."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static, TextArea

from tests.conftest import make_app, wait_for
from tests.openiap.test_pane import (
    SIZE,
    client_for,
    started,
    unique,
)
from tui.drafts import DraftStore
from tui.services.openiap.dialogs import PublishDialog
from tui.services.openiap.pane import QueuesPane


@pytest.fixture
async def other(box):
    """A second client: the consumer that never answers, the producer."""
    client = client_for(box)
    await client.connect()
    yield client
    await client.aclose()


def status_of(tail) -> str:
    return str(tail.status.render())


async def test_a_request_without_a_reply_is_sent_once_and_says_so(box, other, tmp_path, monkeypatch):
    """The message was delivered: "Sent; no reply within …", not "Not sent", and no draft to send a second time."""
    monkeypatch.setattr(QueuesPane, "REPLY_SECONDS", 1.0, raising=False)  # 15 s in use
    queue = unique("silent")
    consumer = await other.register_queue(queue)  # takes the request, never replies
    drafts = DraftStore(tmp_path / "drafts")
    try:
        app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
            dialog = app.screen
            dialog.query_one("#publish-queue", Input).value = queue
            dialog.query_one("#publish-payload", TextArea).text = '{"question": 42}'
            dialog.query_one("#publish-wait", Checkbox).value = True
            key = pane.context.draft_key("openiap", "publish")
            assert drafts.load(key) is not None
            await pilot.press("ctrl+s")
            status = dialog.query_one("#publish-status", Static)
            await wait_for(pilot, lambda: "Sent; no reply within 1 s" in str(status.render()), timeout=5)
            assert "Not sent" not in str(dialog.query_one("#form-error", Static).render())
            assert drafts.load(key) is None, "a delivered message leaves no draft to send again"
            assert consumer.drain(10) and not consumer.drain(10)  # exactly one request arrived
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, PublishDialog))
            assert any("no reply came within 1 s" in str(n.message) for n in app._notifications)
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
            assert not app.screen.query("#publish-restored")
    finally:
        await consumer.close()
