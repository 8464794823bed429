"""Reconnects: the sandbox drops websockets as a network failure would; nothing is lost, nothing arrives twice."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tui.http import AuthError, UnavailableError
from tui.services.openiap.client import OpenIAPClient


async def until(predicate, timeout: float = 10.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what or predicate}")
        await asyncio.sleep(0.01)


async def test_ten_drops_lose_nothing_and_duplicate_nothing(service, url):
    queue = f"orders-{uuid.uuid4().hex[:8]}"
    collection = f"watched-{uuid.uuid4().hex[:8]}"
    consumer = OpenIAPClient(url, "admin", "admin", agent="consumer")
    producer = OpenIAPClient(url, "admin", "admin", agent="producer")
    states: list[str] = []
    consumer.on_state(lambda state, detail: states.append(state))
    await consumer.connect()
    await producer.connect()
    subscription = await consumer.register_queue(queue)
    watch = await consumer.watch(collection)
    total = 400
    received: list[int] = []
    flooded: dict[int, list[int]] = {}
    events: list[int] = []
    burst = 300

    async def collect_messages():
        async for message in subscription:
            if "flood" in message.data:
                flooded.setdefault(message.data["round"], []).append(message.data["flood"])
            else:
                received.append(message.data["n"])

    async def collect_events():
        async for event in watch:
            events.append(event.document["round"])

    async def produce():
        for n in range(total):
            await producer.queue_message(queue, {"n": n})
            await asyncio.sleep(0.002)

    collectors = [asyncio.create_task(collect_messages()), asyncio.create_task(collect_events())]
    producing = asyncio.create_task(produce())
    try:
        for round_ in range(10):
            await until(lambda round_=round_: len(received) > round_ * 20 or producing.done(), what="messages flowing")
            # a burst queued on the consumer's connection right before the drop: most of it is still unsent
            service.flood(queue, burst, {"round": round_})
            assert service.drop_connections(agent="consumer") == 1
            await until(
                lambda round_=round_: consumer.reconnects == round_ + 1 and consumer.state == "connected",
                what=f"reconnect {round_ + 1}",
            )
            # the registrations are back on the server...
            await until(lambda: service.consumers(queue) == 1, what="queue registered again")
            assert service.watch_count() >= 1
            # ...and work: a change made now reaches the new watch
            await producer.insert_one(collection, {"_type": "marker", "round": round_})
            await until(lambda round_=round_: round_ in events, what=f"watch event of round {round_}")
        await producing
        await until(
            lambda: len(received) >= total and sum(map(len, flooded.values())) >= 10 * burst,
            timeout=30,
            what="every message",
        )
        await asyncio.sleep(0.2)  # anything extra (a duplicate) would arrive now
    finally:
        for task in (*collectors, producing):
            task.cancel()
        await consumer.aclose()
        await producer.aclose()
    assert received == list(range(total))  # all of them, once each, in order
    assert sorted(flooded) == list(range(10))
    assert all(flooded[r] == list(range(1, burst + 1)) for r in flooded)
    assert events == list(range(10))
    assert states.count("reconnecting") == 10 and states[-1] == "disconnected"
    assert subscription.queuename == queue


async def test_drop_everything_temporary_queue_gets_a_new_name(service, url):
    client = OpenIAPClient(url, "admin", "admin")
    worker = OpenIAPClient(url, "admin", "admin")
    await client.connect()
    await worker.connect()
    service_queue = f"svc-{uuid.uuid4().hex[:8]}"
    requests = await worker.register_queue(service_queue)

    async def serve():
        async for request in requests:
            await worker.queue_message(
                request.replyto, {"pong": request.data["ping"]}, correlation_id=request.correlation_id
            )

    server = asyncio.create_task(serve())
    try:
        temporary = await client.register_queue()
        first_name = temporary.queuename
        assert (await client.rpc(service_queue, {"ping": 1}, timeout=5)).data == {"pong": 1}
        for attempt in range(3):
            before = (client.reconnects, worker.reconnects)
            assert service.drop_connections() >= 2
            await until(
                lambda before=before: (
                    client.reconnects == before[0] + 1
                    and worker.reconnects == before[1] + 1
                    and client.connected
                    and worker.connected
                ),
                what="both reconnected",
            )
            await until(lambda: service.consumers(service_queue) == 1, what="worker queue back")
            assert (await client.rpc(service_queue, {"ping": attempt + 2}, timeout=5)).data == {"pong": attempt + 2}
        assert temporary.queuename.startswith("tmp.") and temporary.queuename != first_name
        await client.queue_message(temporary.queuename, "to the new name")
        assert (await asyncio.wait_for(temporary.__anext__(), 5)).data == "to the new name"
    finally:
        server.cancel()
        await client.aclose()
        await worker.aclose()


async def test_requests_wait_for_the_reconnect(service, url):
    client = OpenIAPClient(url, "admin", "admin", agent="waiter", backoff_start=0.3)
    await client.connect()
    try:
        service.drop_connections(agent="waiter")
        await until(lambda: client.state == "reconnecting", what="drop noticed")
        # sent while the socket is down: waits for the reconnect, then goes through
        assert await client.count("entities") >= 20
        assert client.state == "connected"
    finally:
        await client.aclose()


async def test_no_reconnect_when_disabled(service, url):
    client = OpenIAPClient(url, "admin", "admin", agent="one-shot", reconnect=False)
    seen: list[tuple[str, str]] = []
    client.on_state(lambda state, detail: seen.append((state, detail)))
    await client.connect()
    try:
        service.drop_connections(agent="one-shot")
        await until(lambda: client.state == "disconnected", what="disconnected")
        assert seen[-1][1]  # a reason is given
    finally:
        await client.aclose()


async def test_refused_token_on_reconnect_gives_up_with_a_reason(service, url):
    signer = OpenIAPClient(url, "admin", "admin")
    await signer.connect()
    token = signer._jwt
    await signer.aclose()
    client = OpenIAPClient(url, jwt=token, agent="jwt-only")
    details: list[str] = []
    client.on_state(lambda state, detail: details.append(f"{state}: {detail}"))
    await client.connect()
    try:
        client._jwt = client._initial_jwt = "forged.token.value"  # as if the token expired while we were away
        service.drop_connections(agent="jwt-only")
        await until(lambda: client.state == "disconnected", what="gave up")
        assert details[-1] == "disconnected: OpenIAP refused the sign-in token."
        with pytest.raises((AuthError, UnavailableError)):
            await client.count("entities")
    finally:
        await client.aclose()


async def test_sandbox_restart_on_the_same_port(tmp_path_factory):
    from tui.sandbox import Sandbox

    data_dir = tmp_path_factory.mktemp("restarting")
    first = Sandbox(data_dir=data_dir, kinds=["openiap"]).start()
    port, url = first.port, first.profile().connections["openiap"].url
    client = OpenIAPClient(url, "admin", "admin")
    states: list[str] = []
    client.on_state(lambda state, detail: states.append(state))
    await client.connect()
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    subscription = await client.register_queue(queue)
    watch = await client.watch("restarted")
    second = None
    try:
        await asyncio.get_running_loop().run_in_executor(None, first.stop)
        await until(lambda: client.state == "reconnecting", what="server gone noticed")
        await asyncio.sleep(0.3)  # a few refused attempts while nothing listens
        second = Sandbox(data_dir=data_dir, port=port, kinds=["openiap"]).start()
        await until(lambda: client.state == "connected", timeout=15, what="back after the restart")
        async with OpenIAPClient(url, "admin", "admin") as producer:
            await producer.queue_message(queue, {"after": "restart"})
            await producer.insert_one("restarted", {"_type": "x", "v": 1})
        assert (await asyncio.wait_for(subscription.__anext__(), 5)).data == {"after": "restart"}
        assert (await asyncio.wait_for(watch.__anext__(), 5)).operation == "insert"
        assert states.count("connected") == 2
    finally:
        await client.aclose()
        if second is not None:
            second.stop()


async def test_messages_sent_while_away_wait_for_the_consumer(service, url):
    queue = f"away-{uuid.uuid4().hex[:8]}"
    consumer = OpenIAPClient(url, "admin", "admin", agent="away", backoff_start=1.0)
    await consumer.connect()
    subscription = await consumer.register_queue(queue)
    try:
        async with OpenIAPClient(url, "admin", "admin") as producer:
            service.drop_connections(agent="away")
            await until(lambda: consumer.state == "reconnecting", what="consumer away")
            for n in range(3):
                await producer.queue_message(queue, {"n": n})
            assert consumer.state == "reconnecting" and service.waiting(queue) == 3
        received = [(await asyncio.wait_for(subscription.__anext__(), 10)).data["n"] for _ in range(3)]
        assert received == [0, 1, 2] and service.waiting(queue) == 0
    finally:
        await consumer.aclose()


async def test_a_flood_that_holds_up_the_pong_does_not_cut_the_connection(service, url):
    """The pong waits behind thousands of queued messages; the messages themselves prove the socket is alive."""
    queue = f"flood-{uuid.uuid4().hex[:8]}"
    total = 20_000
    client = OpenIAPClient(url, "admin", "admin", ping_interval=0.05, request_timeout=0.3)
    try:
        subscription = await client.register_queue(queue)
        flooding = asyncio.create_task(asyncio.to_thread(service.flood, queue, total))
        seen: set[int] = set()

        async def consume() -> None:
            async for message in subscription:
                seen.add(message.data["flood"])
                if len(seen) == total:
                    return

        await asyncio.wait_for(consume(), 120)
        await flooding
        assert client.reconnects == 0 and client.state == "connected"
    finally:
        await client.aclose()


async def test_requests_cancelled_while_sending_leave_the_stream_in_step(url):
    client = OpenIAPClient(url, "admin", "admin", request_timeout=5)
    try:
        await client.connect()
        for attempt in range(300):
            task = asyncio.create_task(client.count("demo"))
            for _ in range(attempt % 4):
                await asyncio.sleep(0)  # cancel at every point of the send: before, between length and body, after
            task.cancel()
        assert isinstance(await client.count("demo"), int)
        assert client.reconnects == 0
    finally:
        await client.aclose()
