"""What a new sandbox holds (the admin user, two work item queues, customers, orders, invoices), and the live demo
activity of `servicedeck demo`: a few JSON orders a second to queue `demo`, work items moving along in `demo-wiq`,
documents inserted and updated in collection `demo`."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox.common import iso_utc
from tui.sandbox.openiap.broker import Broker
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document
from tui.sandbox.openiap.store import Store, new_id
from tui.sandbox.openiap.workitems import Workitems
from tui.services.openiap.wire import openiap_pb2 as pb

USERNAME = "admin"
PASSWORD = "admin"
BUILTIN_COLLECTIONS = ("entities", "mq", "users", "workitems")
ADMIN_ID = "5ce94386320b9ce0bc2c3d07"
CUSTOMERS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"]
CITIES = ["Copenhagen", "Lisbon", "Oslo", "Berlin"]
PRODUCTS = ["widget", "gadget", "sprocket", "gizmo", "doohickey"]


def seed(store: Store, scale: dict[str, int]) -> None:
    """Fill a new store; `scale["openiap_docs"]` asks for more documents in `entities` (at least 20)."""
    stamp = iso_utc(time.time())

    def base(doc: Document) -> Document:
        doc.setdefault("_id", new_id())
        doc.update(_created=stamp, _modified=stamp, _createdby="Administrator", _modifiedby="Administrator", _version=0)
        return doc

    admin = {
        "_id": ADMIN_ID,
        "_type": "user",
        "name": "Administrator",
        "username": USERNAME,
        "email": "admin@sandbox.invalid",
        "roles": [
            {"_id": "5a1702fa245d9013697656fb", "name": "admins"},
            {"_id": "5a17f2bd6ba35bd8aa4ee3ab", "name": "users"},
        ],
    }
    docs: list[tuple[str, Document]] = [("users", base(admin))]
    for name in ("demo-wiq", "default-wiq"):
        queue = {"_type": "workitemqueue", "name": name, "maxretries": 3, "retrydelay": 0, "initialdelay": 0}
        docs.append(("mq", base(queue)))
    for i in range(max(20, scale.get("openiap_docs", 0))):
        entity = {
            "_type": "customer" if i % 2 == 0 else "contact",
            "name": f"{CUSTOMERS[i % len(CUSTOMERS)]} {i + 1}",
            "rank": i + 1,
            "city": CITIES[i % 4],
        }
        docs.append(("entities", base(entity)))
    for i in range(5):
        order = {"_type": "order", "name": f"Order {i + 1}", "order": i + 1, "status": "open"}
        docs.append(("demo", base({**order, "amount": round(10 + i * 7.5, 2)})))
    for i, state in enumerate(["new", "new", "new", "successful", "failed", "processing"]):
        docs.append(("workitems", base(_seed_workitem(i, state, stamp))))
    store.load(docs, {*BUILTIN_COLLECTIONS, "demo"}, {USERNAME: PASSWORD})


def _seed_workitem(i: int, state: str, stamp: str) -> Document:
    return {
        "_type": "workitem",
        "name": f"Invoice {i + 1}",
        "payload": {"invoice": 1000 + i, "amount": 100 + 25 * i},
        "priority": 2,
        "state": state,
        "wiq": "demo-wiq",
        "wiqid": "",
        "retries": 1 if state == "failed" else 0,
        "nextrun": stamp,
        "lastrun": stamp if state != "new" else None,
        "username": USERNAME,
        "errormessage": "Payment provider timed out" if state == "failed" else "",
        "errorsource": "",
        "errortype": "",
        "success_wiq": "",
        "failed_wiq": "",
        "files": [],
    }


@dataclass
class DemoActor:
    """Who the demo activity acts as: handlers only look at a caller's `user`."""

    user: dict[str, Any] = field(default_factory=lambda: {"_id": "", "name": "Demo", "username": "demo"})


class DemoActivity:
    """A few queue messages a second, work items moving along, documents changing: something to look at."""

    def __init__(self, broker: Broker, workitems: Workitems):
        self.broker = broker
        self.workitems = workitems
        self.documents = workitems.documents
        self.actor = DemoActor()

    async def run(self) -> None:
        tick = 0
        while True:
            await asyncio.sleep(0.3)
            tick += 1
            order = tick
            data = {
                "order": order,
                "product": random.choice(PRODUCTS),
                "qty": random.randint(1, 9),
                "price": round(random.uniform(2, 200), 2),
                "at": iso_utc(time.time()),
            }
            request = pb.QueueMessageRequest(queuename="demo", data=json.dumps(data), correlationId=f"order-{order}")
            self.broker.route(request)
            try:
                if tick % 7 == 0:
                    wiq = self.workitems.queue("demo-wiq")
                    invoice = {"order": order, "amount": data["price"]}
                    self.workitems.create(self.actor, wiq, f"Invoice {order}", invoice, random.randint(1, 3), None)
                if tick % 7 == 3:
                    self._move_work()
                if tick % 10 == 5:
                    self._change_documents(order)
            except (RequestError, sqlite3.Error):
                pass

    def _move_work(self) -> None:
        popped = self.workitems.pop(self.actor, pb.PopWorkitemRequest(wiq="demo-wiq"))
        if not popped.HasField("workitem"):
            return
        item = popped.workitem
        item.state = random.choice(["successful", "successful", "retry", "failed"])
        if item.state != "successful":
            item.errormessage = "Upstream system did not answer"
        self.workitems.update(self.actor, pb.UpdateWorkitemRequest(workitem=item))

    def _change_documents(self, order: int) -> None:
        existing = self.documents.store.find("demo", {"_type": "order", "status": "open"}, top=5)
        if existing and random.random() < 0.5:
            doc = random.choice(existing)
            doc["status"] = random.choice(["shipped", "paid", "open"])
            self.documents.replace(self.actor, "demo", doc)
        else:
            amount = round(random.uniform(5, 500), 2)
            doc = {"_type": "order", "name": f"Order {order}", "order": order, "status": "open", "amount": amount}
            self.documents.insert(self.actor, "demo", doc)
