"""What the Queues pane costs: nothing ticks while nothing arrives, a new count redraws one line of the side list, the
garbage collector waits while a tail takes a flood and comes back after it, and a queue message's JSON is parsed
only when it is read, with a whole read's messages handed to a subscription at once."""

from __future__ import annotations

import asyncio
import gc
import time

from tests.conftest import make_app, wait_for
from tests.openiap.test_pane import SIZE, messages_in, publish, source, tail_queue, unique
from tui.services.openiap import collector, models
from tui.services.openiap.client import QueueSubscription
from tui.services.openiap.collector import FloodPause
from tui.services.openiap.tail_view import TailPanel
from tui.services.openiap.wire import openiap_pb2 as pb


async def test_an_idle_tail_runs_nothing_and_a_message_after_a_quiet_spell_is_drawn_at_once(
    box, other, tmp_path, monkeypatch
):
    flushes: list[TailPanel] = []
    flush = TailPanel.flush

    def counted(self: TailPanel) -> None:
        flushes.append(self)
        flush(self)

    monkeypatch.setattr(TailPanel, "flush", counted)
    queue = unique("idle")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        await pilot.pause(1.5)  # what the start wrote ("tailing queue ...") is drawn by now
        flushes.clear()
        await pilot.pause(1.0)
        assert flushes == []  # nothing arrived: no flush, no timer tick at all
        sent = time.monotonic()
        await publish(other, queue, 1)
        await wait_for(pilot, lambda: len(messages_in(pane.queue_tail)) == 1, timeout=5)
        assert time.monotonic() - sent < 1.0  # not held back for the trickle pace: nothing was drawn for a while
        assert len(flushes) == 1


async def test_a_new_count_redraws_only_its_line_of_the_side_list(box, other, tmp_path):
    first, second = unique("counted"), unique("quiet")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        await tail_queue(pilot, second)
        pane = await tail_queue(pilot, first)
        side = pane.side_list
        await publish(other, first, 3)
        await wait_for(pilot, lambda: "3" in str(side.get_option(f"queue:{first}").prompt))
        await pilot.pause(0.3)
        drawn: list[int] = []
        render_line = side.render_line

        def spy(y: int):  # type: ignore[no-untyped-def]
            drawn.append(y)
            return render_line(y)

        side.render_line = spy  # type: ignore[method-assign]
        await publish(other, first, 1)
        await wait_for(pilot, lambda: "4" in str(side.get_option(f"queue:{first}").prompt))
        await wait_for(pilot, lambda: drawn != [])
        await pilot.pause(0.2)
        assert len(set(drawn)) == 1, f"lines redrawn: {sorted(set(drawn))}"  # the entry of `first`, not the list
        assert "4" in side.render_line(drawn[0]).text and first[:10] in side.render_line(drawn[0]).text
        assert "0" in str(side.get_option(f"queue:{second}").prompt)


async def test_the_collector_waits_while_a_tail_takes_a_flood_and_comes_back_after(box, service, tmp_path):
    queue = unique("flood")
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        assert gc.isenabled()
        tailed = source(pane, "queue", queue)
        paused_seen: list[bool] = []
        flooding = asyncio.get_running_loop().run_in_executor(None, service.flood, queue, 30_000)

        def done() -> bool:
            paused_seen.append(not gc.isenabled())
            return tailed is not None and tailed.count >= 30_000

        await wait_for(pilot, done, timeout=60, step=0.01)
        await flooding
        assert any(paused_seen), "the collector ran all through the flood"
        await wait_for(pilot, gc.isenabled, timeout=5)  # the flood is over: collecting as usual again
        assert len(messages_in(pane.queue_tail)) == pane.queue_tail.buffer.limit
        assert pane.queue_tail.buffer.messages == 30_000


def test_the_flood_pause_leaves_a_collector_someone_else_stopped_and_collects_in_a_long_flood(monkeypatch):
    pause = FloodPause()
    gc.disable()
    try:
        pause.hold("tail")
        assert not pause.paused  # not ours to pause, and so not ours to turn back on
        pause.release("tail")
        assert not gc.isenabled()
    finally:
        gc.enable()
    collected: list[int] = []
    monkeypatch.setattr(collector.gc, "collect", lambda *args: collected.append(1) or 0)
    monkeypatch.setattr(collector, "PAUSE_SECONDS", 0.2)
    try:
        pause.hold("queues")
        pause.hold("watches")
        assert not gc.isenabled() and pause.paused
        assert collected == []
        time.sleep(0.25)
        pause.hold("queues")  # a flood that goes on past PAUSE_SECONDS: one collection, still paused
        assert collected == [1] and not gc.isenabled()
        pause.release("queues")
        assert not gc.isenabled()  # the other tail still takes its flood
        pause.release("watches")
        assert gc.isenabled() and not pause.paused
    finally:
        gc.enable()


async def test_a_batch_is_handed_over_at_once_and_its_json_parsed_only_when_read(monkeypatch):
    parsed: list[str] = []
    parse = models.parse_json_flagged

    def counted(text: str):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(models, "parse_json_flagged", counted)

    async def forget(_: QueueSubscription) -> None:
        pass

    subscription = QueueSubscription(forget, "q")
    events = [pb.QueueEvent(queuename="q", data=f'{{"n": {i}}}', correlationId=f"c{i}") for i in range(3)]
    subscription._deliver_all("q", events)
    messages = subscription.drain()
    assert [(m.seq, m.correlation_id, m.raw) for m in messages] == [(i + 1, f"c{i}", f'{{"n": {i}}}') for i in range(3)]
    assert parsed == []  # nothing parsed on arrival
    assert messages[1].data == {"n": 1} and not messages[1].malformed
    assert parsed == ['{"n": 1}']

    # a callback that fails on one message still gets the others
    got: list[int] = []

    def reply(message: models.QueueMessage) -> None:
        if message.seq == 5:
            raise RuntimeError("boom")
        got.append(message.seq)

    subscription.on_message = reply
    subscription._deliver_all("q", events)
    assert got == [4, 6]
