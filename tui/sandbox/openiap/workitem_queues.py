"""Work item queue management as @openiap/nodeapi speaks it: AddWorkItemQueue, UpdateWorkItemQueue (optionally
purging every item), DeleteWorkItemQueue (refused while the queue has items, unless purging) and DeleteWorkitem.

A queue is a `_type: "workitemqueue"` document in `mq` (see workitems.py); its items are `_type: "workitem"`
documents in `workitems`. Names are unique; the success and failure queues must exist when they are named.
"""

from __future__ import annotations

from tui.sandbox.openiap.connection import Caller
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document
from tui.sandbox.openiap.workitems import DEFAULT_MAXRETRIES, Workitems
from tui.services.openiap.wire import openiap_pb2 as pb

DELAYS = ("maxretries", "retrydelay", "initialdelay")


def workitem_queue_pb(doc: Document) -> pb.WorkItemQueue:
    return pb.WorkItemQueue(
        _id=doc["_id"],
        name=str(doc.get("name", "")),
        maxretries=int(doc.get("maxretries") or 0),
        retrydelay=int(doc.get("retrydelay") or 0),
        initialdelay=int(doc.get("initialdelay") or 0),
        success_wiq=str(doc.get("success_wiq") or ""),
        failed_wiq=str(doc.get("failed_wiq") or ""),
    )


class WorkitemQueues:
    def __init__(self, workitems: Workitems):
        self.workitems = workitems
        self.documents = workitems.documents
        self.store = workitems.store

    def _find(self, name: str, wiq_id: str = "") -> Document | None:
        try:
            return self.workitems.queue(name, wiq_id)
        except RequestError:
            return None

    def _settings(self, request: pb.WorkItemQueue, doc: Document) -> Document:
        """The fields of `request` on `doc`, the follow-up queues checked and their ids filled in."""
        for name in DELAYS:
            value = getattr(request, name)
            if value < 0:
                raise RequestError(f"{name} cannot be negative", 400)
            doc[name] = value
        if not doc["maxretries"]:
            doc["maxretries"] = DEFAULT_MAXRETRIES
        for kind in ("success_wiq", "failed_wiq"):
            queue_name = getattr(request, kind)
            if not queue_name:
                doc[kind] = ""
                continue
            follow = self._find(queue_name)
            if follow is None:
                raise RequestError(f"Work item queue {queue_name} not found", 404)
            doc[kind] = follow["name"]
        return doc

    def add(self, caller: Caller, request: pb.AddWorkItemQueueRequest | None) -> pb.AddWorkItemQueueResponse:
        wanted = request.workitemqueue if request is not None else pb.WorkItemQueue()
        name = wanted.name.strip()
        if not name:
            raise RequestError("name is mandatory", 400)
        if self._find(name) is not None:
            raise RequestError(f"Work item queue {name} already exists", 409)
        doc = self._settings(wanted, {"_type": "workitemqueue", "name": name})
        doc = self.documents.insert(caller, "mq", doc)
        return pb.AddWorkItemQueueResponse(workitemqueue=workitem_queue_pb(doc))

    def update(self, caller: Caller, request: pb.UpdateWorkItemQueueRequest | None) -> pb.UpdateWorkItemQueueResponse:
        if request is None or not (request.workitemqueue._id or request.workitemqueue.name):
            raise RequestError("workitemqueue._id or name is mandatory", 400)
        wanted = request.workitemqueue
        doc = self._find(wanted.name, wanted._id)
        if doc is None:
            raise RequestError(f"Work item queue {wanted.name or wanted._id} not found", 404)
        old_name = doc["name"]
        new_name = wanted.name.strip() or old_name
        if new_name != old_name and self._find(new_name) is not None:
            raise RequestError(f"Work item queue {new_name} already exists", 409)
        doc = self._settings(wanted, dict(doc))
        doc["name"] = new_name
        doc = self.documents.replace(caller, "mq", doc)
        if request.purge:
            self._purge(doc)
        elif new_name != old_name:
            for item in self._items(doc["_id"], old_name):
                item["wiq"] = new_name
                self.documents.replace(caller, "workitems", item)
        return pb.UpdateWorkItemQueueResponse(workitemqueue=workitem_queue_pb(doc))

    def delete(self, caller: Caller, request: pb.DeleteWorkItemQueueRequest | None) -> pb.DeleteWorkItemQueueResponse:
        if request is None or not (request.wiq or request.wiqid):
            raise RequestError("wiq or wiqid is mandatory", 400)
        doc = self._find(request.wiq, request.wiqid)
        if doc is None:
            raise RequestError(f"Work item queue {request.wiq or request.wiqid} not found", 404)
        items = self._items(doc["_id"], doc["name"])
        if items and not request.purge:
            raise RequestError(f"Work item queue {doc['name']} has {len(items)} work items; purge it first", 409)
        self._purge(doc)
        self.documents.remove("mq", doc["_id"])
        return pb.DeleteWorkItemQueueResponse()

    def delete_item(self, caller: Caller, request: pb.DeleteWorkitemRequest | None) -> pb.DeleteWorkitemResponse:
        if request is None or not request._id:
            raise RequestError("_id is mandatory", 400)
        doc = self.store.get("workitems", request._id)
        if doc is None or doc.get("_type") != "workitem":
            raise RequestError(f"Work item {request._id} not found", 404)
        self.documents.remove("workitems", request._id)
        return pb.DeleteWorkitemResponse()

    def _items(self, wiq_id: str, name: str) -> list[Document]:
        return [
            d
            for d in self.store.all("workitems")
            if d.get("_type") == "workitem"
            and (d.get("wiqid") == wiq_id or (not d.get("wiqid") and d.get("wiq") == name))
        ]

    def _purge(self, doc: Document) -> int:
        items = self._items(doc["_id"], doc["name"])
        for item in items:
            self.documents.remove("workitems", item["_id"])
        return len(items)
