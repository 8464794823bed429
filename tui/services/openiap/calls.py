"""The OpenIAP calls that are one request and one reply: collections and their documents, work items and work item
queues. `OpenIAPClient` (client.py) adds the subscriptions (queues, watches) on top. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from tui.services.openiap.connection import OpenIAPConnection
from tui.services.openiap.models import (
    WORKITEM_STATES,
    Collection,
    Workitem,
    WorkitemQueue,
    json_document,
    json_documents,
    workitem_from_document,
    workitem_from_pb,
    workitem_from_reply,
    workitem_queue_from_document,
    workitem_queue_from_pb,
    workitem_queue_to_pb,
    workitem_to_pb,
)
from tui.services.openiap.wire import openiap_pb2 as pb


class OpenIAPCalls(OpenIAPConnection):
    # -- collections ---------------------------------------------------------------------------------------------------

    async def query(
        self,
        collection: str,
        query: dict[str, Any] | None = None,
        *,
        projection: dict[str, Any] | None = None,
        top: int = 100,
        skip: int = 0,
        orderby: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        request = pb.QueryRequest(
            collectionname=collection,
            query=json.dumps(query or {}),
            projection=json.dumps(projection) if projection else "",
            top=top,
            skip=skip,
            orderby=json.dumps(orderby) if orderby else "",
        )
        reply = await self._request("query", request, pb.QueryResponse)
        return json_documents(reply.results, "query")

    async def list_collections(self) -> list[Collection]:
        reply = await self._request("listcollections", pb.ListCollectionsRequest(), pb.ListCollectionsResponse)
        return [
            Collection(name=str(r.get("name", "")), type=str(r.get("type", "collection")))
            for r in json_documents(reply.results, "listcollections")
        ]

    async def count(self, collection: str, query: dict[str, Any] | None = None) -> int:
        request = pb.CountRequest(collectionname=collection, query=json.dumps(query or {}))
        reply = await self._request("count", request, pb.CountResponse)
        return reply.result

    async def insert_one(self, collection: str, item: dict[str, Any]) -> dict[str, Any]:
        request = pb.InsertOneRequest(collectionname=collection, item=json.dumps(item))
        reply = await self._request("insertone", request, pb.InsertOneResponse)
        return json_document(reply.result, "insertone")

    async def update_one(self, collection: str, item: dict[str, Any]) -> dict[str, Any]:
        request = pb.UpdateOneRequest(collectionname=collection, item=json.dumps(item))
        reply = await self._request("updateone", request, pb.UpdateOneResponse)
        return json_document(reply.result, "updateone")

    async def delete_one(self, collection: str, id: str) -> int:
        request = pb.DeleteOneRequest(collectionname=collection, id=id)
        reply = await self._request("deleteone", request, pb.DeleteOneResponse, empty_ok=True)
        return reply.affectedrows

    # -- work items ----------------------------------------------------------------------------------------------------

    async def push_workitem(
        self, wiq: str, name: str, payload: Any, *, priority: int = 2, nextrun: datetime | None = None
    ) -> Workitem:
        request = pb.PushWorkitemRequest(wiq=wiq, name=name, payload=json.dumps(payload), priority=priority)
        if nextrun is not None:
            request.nextrun.FromDatetime(nextrun if nextrun.tzinfo else nextrun.replace(tzinfo=UTC))
        reply = await self._request("pushworkitem", request, pb.PushWorkitemResponse)
        return workitem_from_reply(reply, "pushworkitem")

    async def pop_workitem(self, wiq: str) -> Workitem | None:
        reply = await self._request(
            "popworkitem", pb.PopWorkitemRequest(wiq=wiq), pb.PopWorkitemResponse, empty_ok=True
        )
        if not reply.HasField("workitem") or not reply.workitem._id:
            return None  # nothing to do
        return workitem_from_pb(reply.workitem)

    async def update_workitem(
        self, item: Workitem, *, state: str | None = None, errormessage: str = "", ignoremaxretries: bool = False
    ) -> Workitem:
        message = workitem_to_pb(item)
        if state is not None:
            message.state = state
        if errormessage:
            message.errormessage = errormessage
        reply = await self._request(
            "updateworkitem",
            pb.UpdateWorkitemRequest(workitem=message, ignoremaxretries=ignoremaxretries),
            pb.UpdateWorkitemResponse,
        )
        return workitem_from_reply(reply, "updateworkitem")

    async def workitems(self, wiq: str, state: str | None = None, top: int = 200) -> list[Workitem]:
        query: dict[str, Any] = {"_type": "workitem", "wiq": wiq}
        if state:
            query["state"] = state
        documents = await self.query("workitems", query, top=top, orderby={"_created": -1})
        return [workitem_from_document(d) for d in documents]

    async def delete_workitem(self, item_id: str) -> None:
        await self._request(
            "deleteworkitem", pb.DeleteWorkitemRequest(_id=item_id), pb.DeleteWorkitemResponse, empty_ok=True
        )

    # -- work item queues ----------------------------------------------------------------------------------------------

    async def workitem_queues(self) -> list[WorkitemQueue]:
        """Every work item queue the server has, by name (their counts are not filled in: see `workitem_counts`)."""
        documents = await self.query("mq", {"_type": "workitemqueue"}, top=1000, orderby={"name": 1})
        return [workitem_queue_from_document(d) for d in documents]

    async def workitem_counts(self, queue: WorkitemQueue) -> dict[str, int]:
        """How many items `queue` has in each state."""
        counts = await asyncio.gather(
            *(self.count("workitems", {"_type": "workitem", "wiq": queue.name, "state": s}) for s in WORKITEM_STATES)
        )
        return dict(zip(WORKITEM_STATES, counts, strict=True))

    async def add_workitem_queue(self, queue: WorkitemQueue) -> WorkitemQueue:
        request = pb.AddWorkItemQueueRequest(workitemqueue=workitem_queue_to_pb(queue))
        reply = await self._request("addworkitemqueue", request, pb.AddWorkItemQueueResponse)
        return workitem_queue_from_pb(reply.workitemqueue, "addworkitemqueue")

    async def update_workitem_queue(self, queue: WorkitemQueue, *, purge: bool = False) -> WorkitemQueue:
        """Save `queue`'s settings (found by its id); `purge` deletes every item it has."""
        request = pb.UpdateWorkItemQueueRequest(workitemqueue=workitem_queue_to_pb(queue), purge=purge)
        reply = await self._request("updateworkitemqueue", request, pb.UpdateWorkItemQueueResponse)
        return workitem_queue_from_pb(reply.workitemqueue, "updateworkitemqueue")

    async def purge_workitem_queue(self, queue: WorkitemQueue) -> WorkitemQueue:
        return await self.update_workitem_queue(queue, purge=True)

    async def delete_workitem_queue(self, queue: WorkitemQueue, *, purge: bool = False) -> None:
        """A queue that still has items is refused unless `purge` deletes them too."""
        request = pb.DeleteWorkItemQueueRequest(wiq=queue.name, wiqid=queue.id, purge=purge)
        await self._request("deleteworkitemqueue", request, pb.DeleteWorkItemQueueResponse, empty_ok=True)
