"""What got in a new user's way in the Queues pane: a request/reply without a reply, the filter's count, the status
line while disconnected, the collections browser on opening, the work item table at 140 columns, the mark of a
followed work item queue, and the message for a priority that is not a number."""

from __future__ import annotations

import asyncio

from textual.widgets import Checkbox, Input, OptionList, Static, TextArea

from tests.conftest import make_app, wait_for
from tests.openiap.test_pane import (
    SIZE,
    add_source,
    messages_in,
    publish,
    source,
    started,
    tail_queue,
    unique,
)
from tui.drafts import DraftStore
from tui.sandbox import Sandbox
from tui.services.openiap.dialogs import PublishDialog
from tui.services.openiap.pane import QueuesPane
from tui.services.openiap.source_list import source_prompt


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


async def test_the_filter_counts_messages_not_marker_lines(box, other, tmp_path):
    queue = unique("count")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 3, lambda i: {"fruit": ["apple", "banana", "cherry"][i]})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 3)
        tail.apply_filter("durian")  # the "tailing queue …" marker still shows, and is no match
        assert messages_in(tail) == [] and len(tail.view.rows) >= 1
        assert "0 shown" in status_of(tail)
        tail.apply_filter("banana")
        assert "1 shown" in status_of(tail)
        pane.queue_tail.mark("a marker that arrives while filtering")
        await publish(other, queue, 1, lambda i: {"fruit": "banana bread"})
        await wait_for(pilot, lambda: "2 shown" in status_of(tail))


async def test_a_given_up_connection_is_not_live_and_ctrl_r_brings_it_back(tmp_path_factory, tmp_path):
    data_dir = tmp_path_factory.mktemp("openiap-down")
    first = Sandbox(data_dir=data_dir, kinds=["openiap"]).start()
    port, profile = first.port, first.profile()
    await asyncio.to_thread(first.stop)
    app = make_app(profile, tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(QueuesPane)
        tail = pane.queue_tail
        await wait_for(pilot, lambda: pane.connection_state == "disconnected" and "disconnected" in status_of(tail))
        assert "○ disconnected (ctrl+r reconnects)" in status_of(tail)
        assert "live" not in status_of(tail), status_of(tail)
        second = await asyncio.to_thread(lambda: Sandbox(data_dir=data_dir, kinds=["openiap"], port=port).start())
        try:
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: pane.connection_state == "connected", timeout=20)
            await wait_for(pilot, lambda: "● live" in status_of(tail))
            assert "disconnected" not in status_of(tail) and "connecting" not in status_of(tail)
        finally:
            await asyncio.to_thread(second.stop)


async def test_the_collections_browser_opens_on_a_collection_with_its_documents(box, tmp_path):
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("b")
        view = pane.collections_view
        await wait_for(pilot, lambda: view.loaded)
        collections = view.query_one("#col-list", OptionList)
        assert collections.has_focus and collections.highlighted is not None
        highlighted = str(collections.get_option_at_index(collections.highlighted).id)
        assert view.collection == highlighted
        status = view.query_one("#col-status", Static)
        await wait_for(pilot, lambda: f"in {highlighted}" in str(status.render()))


async def test_the_work_item_table_fits_140_columns_with_the_whole_id(box, other, tmp_path):
    wiq = unique("invoices")
    await other.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 3, "retrydelay": 0})
    for i in range(40):  # more than fit in height: a scroll bar takes its share of the width
        await other.push_workitem(wiq, f"Invoice {4100 + i} for Example Trading", {"invoice": i}, priority=1 + i % 3)
    for _ in range(3):
        item = await other.pop_workitem(wiq)
        await other.update_workitem(item, state="failed", errormessage="Upstream system did not answer in time")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "i", wiq)
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq and len(view.items) == 40)
        await pilot.pause()
        table = view.table
        assert table.virtual_size.width <= table.scrollable_content_region.width, "the table is cut off on the right"
        assert sorted(table.get_column("Id")) == sorted(i.id for i in view.items)
        # names and errors are shortened to fit; the whole of them shows below the table
        failed = next(i for i in view.items if i.state == "failed")
        table.move_cursor(row=table.get_row_index(failed.id))
        await pilot.pause()
        shown = view.query_one("#wi-payload").text
        assert "Upstream system did not answer in time" in shown and "Example Trading" in shown


async def test_a_followed_work_item_queue_has_its_mark_in_the_side_list(box, other, tmp_path):
    wiq, missing = unique("marked"), unique("no-such-wiq")
    await other.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 3, "retrydelay": 0})
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)

        def prompt(name: str) -> str:
            return str(pane.side_list.get_option(f"wiq:{name}").prompt)

        await add_source(pilot, "i", wiq)
        await wait_for(pilot, lambda: source(pane, "wiq", wiq).status == "live")
        await wait_for(pilot, lambda: prompt(wiq) == source_prompt(source(pane, "wiq", wiq)))
        assert prompt(wiq).startswith(" ● ")
        await add_source(pilot, "i", missing)  # the server has no such queue: pushing to it would be refused
        await wait_for(pilot, lambda: source(pane, "wiq", missing).status == "error")
        await wait_for(pilot, lambda: prompt(missing).startswith(" ✕ "))
        await other.insert_one("mq", {"_type": "workitemqueue", "name": missing, "maxretries": 3, "retrydelay": 0})
        await add_source(pilot, "i", missing)  # following it again looks it up again
        await wait_for(pilot, lambda: prompt(missing).startswith(" ● "))


async def test_a_priority_that_is_not_a_number_says_what_a_priority_is(box, other, tmp_path):
    wiq = unique("prio")
    await other.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 3, "retrydelay": 0})
    await other.push_workitem(wiq, "existing", {"n": 1})
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "i", wiq)
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq and len(view.items) == 1)

        def form_text() -> str:
            return "\n".join(str(s.render()) for s in app.screen.query(Static))

        for key, field in (("n", "#field-name"), ("e", "#field-priority")):
            view.table.focus()
            await pilot.press(key)
            await wait_for(pilot, lambda field=field: app.screen.query(field))
            app.screen.query_one("#field-priority", Input).value = "high"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "must be a whole number" in form_text())
            assert "invalid literal" not in form_text()
            assert "The priority must be a whole number such as 2 (lower runs first), not 'high'." in form_text()
            await pilot.press("escape")
            await wait_for(pilot, lambda: not app.screen.query("#field-priority"))
        assert [(i.name, i.priority) for i in view.items] == [("existing", 2)], "nothing was pushed nor saved"
