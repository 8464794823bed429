"""Collections and their watches: query, count, insert, update, delete, and change events pushed to watchers.

Watch `paths` are accepted and ignored: every insert, update and delete of the collection is pushed.
"""

from __future__ import annotations

import json
import uuid

from tui.sandbox.openiap.connection import Caller, ClientConnection, display_name
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document, parse_json_arg, parse_orderby
from tui.sandbox.openiap.store import Store
from tui.services.openiap.wire import openiap_pb2 as pb


def collection_name(name: str) -> str:
    if not name:
        raise RequestError("collectionname is mandatory", 400)
    return name


class Documents:
    def __init__(self, store: Store):
        self.store = store
        self.watches: dict[str, tuple[ClientConnection, str]] = {}  # watch id -> (watcher, collection)

    def query(self, request: pb.QueryRequest) -> pb.QueryResponse:
        collection = collection_name(request.collectionname)
        query = parse_json_arg(request.query, "query", {})
        projection = parse_json_arg(request.projection, "projection", {})
        if not isinstance(query, dict) or not isinstance(projection, (dict, type(None))):
            raise RequestError("query and projection must be JSON objects", 400)
        top = request.top if request.top > 0 else 100
        results = self.store.find(
            collection,
            query,
            orderby=parse_orderby(request.orderby),
            top=min(top, 10_000),
            skip=max(0, request.skip),
            projection=projection or {},
        )
        return pb.QueryResponse(results=json.dumps(results))

    def count(self, request: pb.CountRequest) -> pb.CountResponse:
        collection = collection_name(request.collectionname)
        query = parse_json_arg(request.query, "query", {})
        if not isinstance(query, dict):
            raise RequestError("query must be a JSON object", 400)
        return pb.CountResponse(result=self.store.count(collection, query))

    def list_collections(self) -> pb.ListCollectionsResponse:
        return pb.ListCollectionsResponse(
            results=json.dumps([{"name": n, "type": "collection"} for n in self.store.collections()])
        )

    def insert_one(self, caller: Caller, request: pb.InsertOneRequest) -> pb.InsertOneResponse:
        collection = collection_name(request.collectionname)
        doc = self.insert(caller, collection, self._item(request.item))
        return pb.InsertOneResponse(result=json.dumps(doc))

    def update_one(self, caller: Caller, request: pb.UpdateOneRequest) -> pb.UpdateOneResponse:
        collection = collection_name(request.collectionname)
        doc = self.replace(caller, collection, self._item(request.item))
        return pb.UpdateOneResponse(result=json.dumps(doc))

    def delete_one(self, request: pb.DeleteOneRequest) -> pb.DeleteOneResponse:
        doc = self.remove(collection_name(request.collectionname), request.id)
        return pb.DeleteOneResponse(affectedrows=1 if doc is not None else 0)

    @staticmethod
    def _item(text: str) -> Document:
        item = parse_json_arg(text, "item", None)
        if not isinstance(item, dict):
            raise RequestError("item must be a JSON object", 400)
        return item

    # -- changes that watchers hear about ------------------------------------------------------------------------------

    def insert(self, caller: Caller, collection: str, doc: Document) -> Document:
        doc = self.store.insert(collection, doc, display_name(caller))
        self.notify(collection, "insert", doc)
        return doc

    def replace(self, caller: Caller, collection: str, doc: Document) -> Document:
        doc = self.store.replace(collection, doc, display_name(caller))
        self.notify(collection, "update", doc)
        return doc

    def remove(self, collection: str, doc_id: str) -> Document | None:
        doc = self.store.delete(collection, doc_id)
        if doc is not None:
            self.notify(collection, "delete", doc)
        return doc

    # -- watches -------------------------------------------------------------------------------------------------------

    def watch(self, conn: ClientConnection, request: pb.WatchRequest) -> pb.WatchResponse:
        collection = collection_name(request.collectionname)
        watch_id = uuid.uuid4().hex
        self.watches[watch_id] = (conn, collection)
        conn.watches.add(watch_id)
        return pb.WatchResponse(id=watch_id)

    def unwatch(self, conn: ClientConnection, request: pb.UnWatchRequest) -> pb.UnWatchResponse:
        entry = self.watches.get(request.id)
        if entry is not None and entry[0] is conn:
            del self.watches[request.id]
            conn.watches.discard(request.id)
        return pb.UnWatchResponse()

    def notify(self, collection: str, operation: str, doc: Document) -> None:
        text = None
        for watch_id, (conn, watched) in list(self.watches.items()):
            if watched != collection or conn.closed:
                continue
            text = text or json.dumps(doc)
            conn.push("watchevent", pb.WatchEvent(id=watch_id, operation=operation, document=text))

    def release(self, conn: ClientConnection) -> None:
        """A connection is gone: so are its watches."""
        for watch_id in conn.watches:
            self.watches.pop(watch_id, None)
        conn.watches.clear()
