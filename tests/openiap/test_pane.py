"""The Queues pane, driven through the real app against the OpenIAP sandbox over a real websocket.

Every test tails queues, watches and work item queues of its own (unique names), so tests never see each other's
messages even though they share one sandbox.
"""

from __future__ import annotations

import asyncio
import json
import uuid

from textual.widgets import Checkbox, DataTable, Input, Static, TextArea

from tests.conftest import make_app, wait_for
from tests.openiap.conftest import client_for
from tui.drafts import DraftStore
from tui.sandbox import Sandbox
from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.dialogs import PromptDialog, PublishDialog
from tui.services.openiap.pane import QueuesPane
from tui.services.openiap.tail_buffer import TailMarker

SIZE = (140, 42)


def drop_connections(sandbox) -> int:
    """Close every websocket on the server side, as a network failure would."""
    return next(s for s in sandbox.services if s.kind == "openiap").drop_connections()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def pane_of(app) -> QueuesPane:
    return app.query_one(QueuesPane)


def messages_in(tail) -> list:
    """What the tail draws, markers left out."""
    return [row for row in tail.view.rows if not isinstance(row, TailMarker)]


def source(pane: QueuesPane, kind: str, name: str):
    return next((s for s in pane.sources if s.kind == kind and s.name == name), None)


async def started(pilot) -> QueuesPane:
    pane = pane_of(pilot.app)
    await wait_for(pilot, lambda: pane.connection_state == "connected")
    return pane


async def add_source(pilot, key: str, name: str) -> None:
    """Add a queue (a), watch (w) or work item queue (i) through its prompt, as a person would."""
    pane = pane_of(pilot.app)
    pane.focus()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
    pilot.app.screen.query_one(Input).value = name
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog))


async def tail_queue(pilot, name: str) -> QueuesPane:
    pane = await started(pilot)
    await add_source(pilot, "a", name)
    await wait_for(pilot, lambda: (s := source(pane, "queue", name)) is not None and s.status == "live")
    return pane


async def publish(client: OpenIAPClient, queue: str, count: int, make=lambda i: {"order": i}) -> None:
    for i in range(count):
        await client.queue_message(queue, make(i), correlation_id=f"c-{i}")


# -- the tail --------------------------------------------------------------------------------------------------------


async def test_tail_shows_each_message_as_one_line(box, other, tmp_path):
    queue = unique("orders")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 40, lambda i: {"order": i, "item": "widget"})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 40)
        assert [m.data["order"] for m in messages_in(tail)] == list(range(40))
        last = tail.view.line_text(len(tail.view.rows) - 1)
        assert queue[:10] in last and "c-39" in last and '{"order": 39, "item": "widget"}' in last
        assert "● live" in str(tail.status.render()) and "40 received" in str(tail.status.render())
        # the side list counts what each source brought in
        await wait_for(pilot, lambda: "40" in str(pane.side_list.get_option(f"queue:{queue}").prompt))


async def test_pause_holds_the_view_and_counts_new_messages(box, other, tmp_path):
    queue = unique("pause")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 5)
        await wait_for(pilot, lambda: len(messages_in(tail)) == 5)
        await pilot.press("space")
        assert tail.paused
        await publish(other, queue, 7)
        await wait_for(pilot, lambda: tail.buffer.messages == 12)
        await wait_for(pilot, lambda: "+7 new" in str(tail.status.render()))
        assert len(messages_in(tail)) == 5, "a paused tail must not move"
        assert "paused" in str(tail.status.render())
        await pilot.press("space")
        await wait_for(pilot, lambda: len(messages_in(tail)) == 12)
        assert "● live" in str(tail.status.render())


async def test_scrolling_up_holds_the_tail_and_end_follows_again(box, other, tmp_path):
    queue = unique("scroll")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 60)
        await wait_for(pilot, lambda: len(messages_in(tail)) == 60)
        tail.view.focus()
        await pilot.press("up", "up", "up")
        assert tail.scrolled and tail.view.cursor == len(tail.view.rows) - 3
        await publish(other, queue, 4)
        await wait_for(pilot, lambda: "+4 new" in str(tail.status.render()))
        assert len(messages_in(tail)) == 60
        await pilot.press("end")
        await wait_for(pilot, lambda: len(messages_in(tail)) == 64 and not tail.held)


async def test_filter_by_text_and_by_regex_on_the_whole_message(box, other, tmp_path):
    queue = unique("filter")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        fruits = ["apple", "banana", "cherry", "banana split"]
        await publish(other, queue, 4, lambda i: {"fruit": fruits[i]})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 4)
        await pilot.press("slash")
        box_input = tail.query_one(".tail-filter", Input)
        assert box_input.has_focus
        await pilot.press(*"BANANA")
        await wait_for(pilot, lambda: [m.data["fruit"] for m in messages_in(tail)] == ["banana", "banana split"])
        await pilot.press("enter")  # keeps the filter, back to the tail
        assert tail.view.has_focus and tail.buffer.filter is not None
        # new messages are filtered as they arrive
        await publish(other, queue, 2, lambda i: {"fruit": ["kiwi", "banana bread"][i]})
        await wait_for(pilot, lambda: tail.buffer.messages == 6)
        await wait_for(
            pilot, lambda: [m.data["fruit"] for m in messages_in(tail)] == ["banana", "banana split", "banana bread"]
        )
        # a regular expression; routing fields are part of the message too (correlation ids c-0 .. c-3, then c-0, c-1)
        tail.apply_filter(r"^(apple|cherry)$|c-1\b")
        assert tail.buffer.filter.is_regex
        await wait_for(pilot, lambda: [m.data["fruit"] for m in messages_in(tail)] == ["banana", "banana bread"])
        tail.apply_filter(r'"(apple|cherry)"')
        await wait_for(pilot, lambda: [m.data["fruit"] for m in messages_in(tail)] == ["apple", "cherry"])
        # a broken expression is searched as plain text instead of failing
        tail.apply_filter("banana (")
        assert not tail.buffer.filter.is_regex and messages_in(tail) == []
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: len(messages_in(tail)) == 6 and tail.buffer.filter is None)


async def test_inspect_copy_and_replay_a_message(box, other, tmp_path):
    queue = unique("inspect")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await other.queue_message(
            queue, {"order": 7, "lines": [{"sku": "A-1", "qty": 2}]}, correlation_id="corr-7", replyto="answers"
        )
        await publish(other, queue, 2, lambda i: {"order": 100 + i})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 3)
        tail.view.focus()
        await pilot.press("up", "up", "up", "enter")  # the first message
        assert pane.inspector.has_class("open")
        routing = str(pane.inspector.query_one("#oi-routing", Static).render())
        assert "corr-7" in routing and "answers" in routing and queue in routing
        shown = pane.inspector.query_one("#oi-inspect-json")
        assert json.loads(shown.text) == {"order": 7, "lines": [{"sku": "A-1", "qty": 2}]}
        await pilot.press("c")
        copied = json.loads(app.clipboard)
        assert copied["correlationId"] == "corr-7" and copied["data"]["order"] == 7 and copied["queuename"] == queue
        await pilot.press("r")
        await wait_for(pilot, lambda: tail.buffer.messages == 4)
        replayed = tail.buffer.items[-1]
        assert (
            replayed.data == {"order": 7, "lines": [{"sku": "A-1", "qty": 2}]} and replayed.correlation_id == "corr-7"
        )
        await pilot.press("escape")
        assert not pane.inspector.has_class("open")


# -- publish ---------------------------------------------------------------------------------------------------------


async def test_publish_refuses_invalid_json_keeps_the_draft_then_sends(box, tmp_path):
    queue = unique("publish")
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
        dialog = app.screen
        assert dialog.query_one("#publish-queue", Input).value == queue  # the highlighted queue
        dialog.query_one("#publish-payload", TextArea).text = '{"order": 1,\n "item": }'
        dialog.query_one("#publish-correlation", Input).value = "my-corr"
        await pilot.press("ctrl+s")
        error = str(dialog.query_one("#form-error", Static).render())
        assert "not valid JSON" in error and "line 2" in error
        assert isinstance(app.screen, PublishDialog), "an invalid payload must not close the dialog"
        assert tail.buffer.messages == 0
        key = pane.context.draft_key("openiap", "publish")
        assert drafts.load(key).data["payload"] == '{"order": 1,\n "item": }'
        dialog.query_one("#publish-payload", TextArea).text = '{"order": 1, "item": "gear"}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, PublishDialog))
        await wait_for(pilot, lambda: len(messages_in(tail)) == 1)
        message = messages_in(tail)[0]
        assert message.data == {"order": 1, "item": "gear"} and message.correlation_id == "my-corr"
        assert drafts.load(key) is None, "a sent message leaves no draft behind"


async def test_publish_offers_back_an_unsent_draft(box, tmp_path):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
        app.screen.query_one("#publish-queue", Input).value = "somewhere"
        app.screen.query_one("#publish-payload", TextArea).text = '{"half": "typed"'
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PublishDialog))
    app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
        assert app.screen.query_one("#publish-payload", TextArea).text == '{"half": "typed"'
        assert app.screen.query_one("#publish-queue", Input).value == "somewhere"
        assert app.screen.query("#publish-restored")


async def test_publish_and_wait_for_the_reply(box, other, tmp_path):
    service = unique("echo")
    subscription = await other.register_queue(service)

    async def respond():
        async for request in subscription:
            await other.queue_message(
                request.replyto, {"echo": request.data, "by": "responder"}, correlation_id=request.correlation_id
            )

    responder = asyncio.create_task(respond())
    try:
        app = make_app(box.profile(), tmp_path, pane="openiap")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PublishDialog))
            dialog = app.screen
            dialog.query_one("#publish-queue", Input).value = service
            dialog.query_one("#publish-payload", TextArea).text = '{"question": 42}'
            dialog.query_one("#publish-wait", Checkbox).value = True
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: dialog.reply is not None)
            assert dialog.reply.data == {"echo": {"question": 42}, "by": "responder"}
            assert json.loads(dialog.query_one("#publish-reply").text)["by"] == "responder"
            assert "Reply from" in str(dialog.query_one("#publish-status", Static).render())
    finally:
        responder.cancel()
        await subscription.close()


# -- watches and collections -----------------------------------------------------------------------------------------


async def test_watch_streams_insert_update_delete(box, other, tmp_path):
    collection = unique("things")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "w", collection)
        await wait_for(pilot, lambda: (s := source(pane, "watch", collection)) is not None and s.status == "live")
        assert pane.query_one("#oi-main").current == "oi-watches"
        tail = pane.watch_tail
        doc = await other.insert_one(collection, {"name": "first", "size": 1})
        doc["size"] = 2
        await other.update_one(collection, doc)
        await other.delete_one(collection, doc["_id"])
        await wait_for(pilot, lambda: [e.operation for e in messages_in(tail)] == ["insert", "update", "delete"])
        assert all(e.document.get("_id") == doc["_id"] for e in messages_in(tail))
        line = tail.view.line_text(len(tail.view.rows) - 2)
        assert "update" in line and doc["_id"] in line and '"size":2' in line


async def test_collections_browser_runs_a_json_query(box, other, tmp_path):
    collection = unique("browse")
    for i in range(5):
        await other.insert_one(collection, {"name": f"doc{i}", "n": i})
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("b")
        view = pane.collections_view
        await wait_for(pilot, lambda: view.loaded)
        view.query_one("#col-list").highlighted = view.query_one("#col-list").get_option_index(collection)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view.documents) == 5)
        query = view.query_one("#col-query", Input)
        query.value = '{"n": {"$gte": 3}}'
        query.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: sorted(d["name"] for d in view.documents) == ["doc3", "doc4"])
        query.value = '{"n": '
        await pilot.press("enter")
        assert "not valid JSON" in str(view.query_one("#col-status", Static).render())


# -- work items ------------------------------------------------------------------------------------------------------


async def test_work_items_by_state_push_pop_and_mark(box, other, tmp_path):
    wiq = unique("jobs")
    await other.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 3, "retrydelay": 0})
    for i in range(3):
        await other.push_workitem(wiq, f"job{i}", {"n": i}, priority=i + 1)
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "i", wiq)
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq and len(view.items) == 3)
        table = view.query_one(DataTable)
        assert table.row_count == 3 and all(i.state == "new" for i in view.items)

        def states() -> dict[str, str]:
            return {i.name: i.state for i in view.items}

        table.focus()
        await pilot.press("o")  # pop: the lowest priority value goes first
        await wait_for(pilot, lambda: states()["job0"] == "processing")
        assert view.selected().name == "job0"
        await pilot.press("s")
        await wait_for(pilot, lambda: states()["job0"] == "successful")
        await pilot.press("o")
        await wait_for(pilot, lambda: states()["job1"] == "processing")
        await pilot.press("f")
        await wait_for(pilot, lambda: states()["job1"] == "failed")
        assert next(i for i in view.items if i.name == "job1").errormessage
        await pilot.press("o")
        await wait_for(pilot, lambda: states()["job2"] == "processing")
        await pilot.press("t")  # retry: back to new with one more retry (or failed once the retries run out)
        await wait_for(pilot, lambda: states()["job2"] in ("new", "retry"))
        assert next(i for i in view.items if i.name == "job2").retries == 1
        header = str(view.query_one("#wi-header", Static).render())
        assert "successful 1" in header and "failed 1" in header
        # state filter: only the failed ones
        for _ in range(5):
            await pilot.press("v")
        assert view.state_filter == "failed" and table.row_count == 1
        # push through the dialog
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query("#field-name"))
        app.screen.query_one("#field-name", Input).value = "from the pane"
        app.screen.query_one("#field-payload", TextArea).text = '{"made": "by hand"}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "from the pane" in states())
        pushed = next(i for i in view.items if i.name == "from the pane")
        assert pushed.state == "new" and pushed.payload == {"made": "by hand"}


# -- the connection --------------------------------------------------------------------------------------------------


async def test_connection_indicator_and_tail_through_a_reconnect(box, other, tmp_path):
    queue = unique("survive")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        seen: list[str] = []
        pane.client.on_state(lambda state, detail: seen.append(state))
        indicator = pane.query_one("#oi-connection", Static)
        assert "connected" in str(indicator.render())
        await publish(other, queue, 3)
        await wait_for(pilot, lambda: len(messages_in(tail)) == 3)
        drop_connections(box)
        await wait_for(pilot, lambda: "reconnecting" in seen)
        await wait_for(pilot, lambda: pane.reconnects == 1)
        await wait_for(pilot, lambda: pane.connection_state == "connected")
        await publish(other, queue, 3, lambda i: {"after": i})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 6)
        texts = [r.text for r in tail.view.rows if isinstance(r, TailMarker)]
        assert any("connection lost" in t for t in texts) and any("reconnected" in t for t in texts)
        assert "● connected" in str(indicator.render()) and not tail.connection_note


async def test_indicator_shows_reconnecting_while_the_server_is_away(tmp_path_factory, tmp_path):
    """The server stops; the pane says so and keeps trying; the server comes back; the tail resumes untouched."""
    data_dir = tmp_path_factory.mktemp("openiap-away")
    first = Sandbox(data_dir=data_dir, kinds=["openiap"]).start()
    port = first.port
    queue = unique("away")
    app = make_app(first.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        indicator = pane.query_one("#oi-connection", Static)
        await asyncio.to_thread(first.stop)
        await wait_for(pilot, lambda: "reconnecting" in str(indicator.render()))
        assert "reconnecting" in str(tail.status.render())
        assert pane.connection_state == "reconnecting"
        second = await asyncio.to_thread(lambda: Sandbox(data_dir=data_dir, kinds=["openiap"], port=port).start())
        producer = client_for(second)
        try:
            await wait_for(pilot, lambda: "● connected" in str(indicator.render()), timeout=20)
            assert "reconnecting" not in str(tail.status.render())
            await producer.connect()
            await publish(producer, queue, 2)
            await wait_for(pilot, lambda: len(messages_in(tail)) == 2)
        finally:
            await producer.aclose()
            await asyncio.to_thread(second.stop)


# -- remembering what is tailed --------------------------------------------------------------------------------------


async def test_tailed_list_comes_back_next_start_and_remove_forgets(box, tmp_path):
    queue, wiq = unique("kept"), unique("kept-wiq")
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        defaults = [s.key for s in pane.sources]
        assert defaults == ["queue:demo", "watch:demo", "wiq:demo-wiq"]  # the sandbox's demo sources on first start
        await add_source(pilot, "a", queue)
        await add_source(pilot, "i", wiq)
        pane._highlight("queue:demo")
        await pilot.press("d")
        assert [s.key for s in pane.sources] == ["watch:demo", "wiq:demo-wiq", f"queue:{queue}", f"wiq:{wiq}"]
    app = make_app(box.profile(), tmp_path, pane="openiap", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        assert [s.key for s in pane.sources] == ["watch:demo", "wiq:demo-wiq", f"queue:{queue}", f"wiq:{wiq}"]
        await wait_for(pilot, lambda: source(pane, "queue", queue).status == "live")


async def test_a_refused_push_says_why_and_keeps_what_was_typed(box, tmp_path):
    wiq = unique("no-such-wiq")  # never created: the server refuses the push
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "i", wiq)
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query("#field-name"))
        app.screen.query_one("#field-name", Input).value = "precious"
        app.screen.query_one("#field-payload", TextArea).text = '{"typed": "carefully"}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("push the work item" in str(n.message) for n in app._notifications))
        message = next(str(n.message) for n in app._notifications if "push the work item" in str(n.message))
        assert "Traceback" not in message and wiq in message
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query("#field-name"))
        assert app.screen.query_one("#field-name", Input).value == "precious"
        assert app.screen.query_one("#field-payload", TextArea).text == '{"typed": "carefully"}'
