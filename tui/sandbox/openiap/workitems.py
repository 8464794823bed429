"""Work item queues, kept as documents so that a Query sees them too.

Queue settings are `_type: "workitemqueue"` documents in `mq`; items are `_type: "workitem"` documents in
`workitems`. Push -> `new`; Pop takes the lowest priority `new` item whose `nextrun` has come, making it
`processing`; Update sets `successful`, `failed`, `processing` or `retry` (back to `new` with `retries + 1` after
`retrydelay` seconds, or `failed` at `maxretries`). A successful or failed item is copied to the queue's
`success_wiq` / `failed_wiq` when it names one.
"""

from __future__ import annotations

import json
import time
from datetime import UTC
from typing import Any

from tui.sandbox.common import iso_utc, parse_iso
from tui.sandbox.openiap.connection import Caller, username
from tui.sandbox.openiap.documents import Documents
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document, parse_json_arg
from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb

DEFAULT_MAXRETRIES = 3
STATES = ("new", "processing", "successful", "failed", "retry")


def _stamp(message: Message, name: str) -> str | None:
    """A Timestamp field as ISO text; None when unset (a zero Timestamp counts as unset)."""
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return iso_utc(stamp.ToDatetime(tzinfo=UTC))


def workitem_pb(doc: Document) -> pb.Workitem:
    item = pb.Workitem(
        _id=doc["_id"],
        name=doc.get("name", ""),
        payload=json.dumps(doc.get("payload")),
        priority=int(doc.get("priority") or 0),
        state=doc.get("state", ""),
        wiq=doc.get("wiq", ""),
        wiqid=doc.get("wiqid", ""),
        retries=int(doc.get("retries") or 0),
        username=doc.get("username", ""),
        success_wiq=doc.get("success_wiq", ""),
        failed_wiq=doc.get("failed_wiq", ""),
        errormessage=doc.get("errormessage", "") or "",
        errorsource=doc.get("errorsource", "") or "",
        errortype=doc.get("errortype", "") or "",
    )
    for name in ("nextrun", "lastrun"):
        moment = parse_iso(doc.get(name))
        if moment is not None:
            getattr(item, name).FromDatetime(moment)
    return item


class Workitems:
    def __init__(self, documents: Documents):
        self.documents = documents
        self.store = documents.store

    def queue(self, name: str, wiq_id: str = "") -> Document:
        """A work item queue's settings, by id or else by name."""
        if wiq_id:
            doc = self.store.get("mq", wiq_id)
            if doc is not None and doc.get("_type") == "workitemqueue":
                return doc
        for doc in self.store.find("mq", {"_type": "workitemqueue", "name": name}, top=1):
            return doc
        raise RequestError(f"Work item queue {name or wiq_id} not found", 404)

    def create(
        self,
        caller: Caller,
        wiq: Document,
        name: str,
        payload: Any,
        priority: int,
        nextrun: str | None,
        success_wiq: str = "",
        failed_wiq: str = "",
    ) -> Document:
        if nextrun is None:
            nextrun = iso_utc(time.time() + int(wiq.get("initialdelay") or 0))
        doc = {
            "_type": "workitem",
            "name": name or "workitem",
            "payload": payload,
            "priority": priority,
            "state": "new",
            "wiq": wiq["name"],
            "wiqid": wiq["_id"],
            "retries": 0,
            "nextrun": nextrun,
            "lastrun": None,
            "username": username(caller),
            "errormessage": "",
            "errorsource": "",
            "errortype": "",
            "success_wiq": success_wiq or wiq.get("success_wiq", ""),
            "failed_wiq": failed_wiq or wiq.get("failed_wiq", ""),
            "files": [],
        }
        return self.documents.insert(caller, "workitems", doc)

    def push(self, caller: Caller, request: pb.PushWorkitemRequest | None) -> pb.PushWorkitemResponse:
        if request is None or not (request.wiq or request.wiqid):
            raise RequestError("wiq or wiqid is mandatory", 400)
        wiq = self.queue(request.wiq, request.wiqid)
        payload = parse_json_arg(request.payload, "payload", {})
        doc = self.create(
            caller,
            wiq,
            request.name,
            payload,
            request.priority or 2,
            _stamp(request, "nextrun"),
            request.success_wiq,
            request.failed_wiq,
        )
        return pb.PushWorkitemResponse(workitem=workitem_pb(doc))

    def pop(self, caller: Caller, request: pb.PopWorkitemRequest | None) -> pb.PopWorkitemResponse:
        if request is None or not (request.wiq or request.wiqid):
            raise RequestError("wiq or wiqid is mandatory", 400)
        wiq = self.queue(request.wiq, request.wiqid)
        now = time.time()
        due = iso_utc(now)
        candidates = [
            d
            for d in self.store.all("workitems")
            if d.get("wiq") == wiq["name"] and d.get("state") == "new" and _is_due(d.get("nextrun"), now)
        ]
        if not candidates:
            return pb.PopWorkitemResponse()  # an empty Any value: "nothing to do"
        candidates.sort(key=lambda d: (int(d.get("priority") or 0), d.get("_created", "")))
        doc = candidates[0]
        doc.update(state="processing", lastrun=due)
        doc = self.documents.replace(caller, "workitems", doc)
        return pb.PopWorkitemResponse(workitem=workitem_pb(doc))

    def update(self, caller: Caller, request: pb.UpdateWorkitemRequest | None) -> pb.UpdateWorkitemResponse:
        if request is None or not request.workitem._id:
            raise RequestError("workitem._id is mandatory", 400)
        item = request.workitem
        doc = self.store.get("workitems", item._id)
        if doc is None or doc.get("_type") != "workitem":
            raise RequestError(f"Work item {item._id} not found", 404)
        previous = doc.get("state", "new")
        state = item.state or previous
        if state not in STATES:
            raise RequestError(f"Invalid state {state}: use successful, failed, retry or processing", 400)
        wiq = self.queue(doc.get("wiq", ""), doc.get("wiqid", ""))
        if item.name:
            doc["name"] = item.name
        if item.payload:
            doc["payload"] = parse_json_arg(item.payload, "payload", doc.get("payload"))
        if item.priority:
            doc["priority"] = item.priority
        doc["errormessage"] = item.errormessage
        doc["errorsource"] = item.errorsource
        doc["errortype"] = item.errortype
        if state == "retry":
            retries = int(doc.get("retries") or 0) + 1
            doc["retries"] = retries
            if retries >= int(wiq.get("maxretries") or DEFAULT_MAXRETRIES) and not request.ignoremaxretries:
                state = "failed"
            else:
                state = "new"
                doc["nextrun"] = iso_utc(time.time() + int(wiq.get("retrydelay") or 0))
        doc["state"] = state
        doc = self.documents.replace(caller, "workitems", doc)
        follow = doc.get("success_wiq") if state == "successful" else doc.get("failed_wiq") if state == "failed" else ""
        if state == previous:
            follow = ""  # an edit of a finished item: it was copied on when it finished
        if follow:
            try:
                priority = int(doc.get("priority") or 2)
                self.create(caller, self.queue(follow), doc.get("name", ""), doc.get("payload"), priority, None)
            except RequestError:
                pass  # a follow-up queue that does not exist: the item itself is still updated
        return pb.UpdateWorkitemResponse(workitem=workitem_pb(doc))


def _is_due(nextrun: Any, now: float) -> bool:
    moment = parse_iso(nextrun)
    return moment is None or moment.timestamp() <= now
