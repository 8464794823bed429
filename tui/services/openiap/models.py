"""What the OpenIAP client hands back: typed objects, never protobuf messages or raw dicts of the wire; and the
conversions between the two."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb


@dataclass
class QueueMessage:
    queuename: str
    correlation_id: str
    replyto: str
    routingkey: str
    exchangename: str
    data: Any  # parsed JSON, or the raw string when it is not JSON
    raw: str
    received_at: float  # time.time() when it arrived
    seq: int  # arrival counter of its subscription, from 1


@dataclass
class WatchEvent:
    watch_id: str
    collection: str
    operation: str  # insert | update | replace | delete
    document: dict[str, Any]
    received_at: float


@dataclass
class Workitem:
    id: str
    name: str
    payload: Any
    priority: int
    state: str
    wiq: str
    wiqid: str
    retries: int
    errormessage: str
    nextrun: datetime | None
    lastrun: datetime | None
    username: str


@dataclass
class Collection:
    name: str
    type: str


@dataclass
class SignedInUser:
    id: str
    name: str
    username: str
    roles: list[str] = field(default_factory=list)


def parse_json_text(text: str) -> Any:
    """Queue data is a JSON string on the wire; anything that is not JSON is kept as the string it is."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _timestamp_to_datetime(message: Message, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def _parse_iso(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def workitem_from_pb(item: pb.Workitem) -> Workitem:
    return Workitem(
        id=item._id,
        name=item.name,
        payload=parse_json_text(item.payload),
        priority=item.priority,
        state=item.state,
        wiq=item.wiq,
        wiqid=item.wiqid,
        retries=item.retries,
        errormessage=item.errormessage,
        nextrun=_timestamp_to_datetime(item, "nextrun"),
        lastrun=_timestamp_to_datetime(item, "lastrun"),
        username=item.username,
    )


def workitem_from_document(doc: dict[str, Any]) -> Workitem:
    """A work item as the `workitems` collection stores it (what a Query returns)."""
    return Workitem(
        id=str(doc.get("_id", "")),
        name=str(doc.get("name", "")),
        payload=doc.get("payload"),
        priority=int(doc.get("priority") or 0),
        state=str(doc.get("state", "")),
        wiq=str(doc.get("wiq", "")),
        wiqid=str(doc.get("wiqid", "")),
        retries=int(doc.get("retries") or 0),
        errormessage=str(doc.get("errormessage") or ""),
        nextrun=_parse_iso(doc.get("nextrun")),
        lastrun=_parse_iso(doc.get("lastrun")),
        username=str(doc.get("username") or doc.get("_createdby") or ""),
    )


def workitem_to_pb(item: Workitem) -> pb.Workitem:
    message = pb.Workitem(
        _id=item.id,
        name=item.name,
        payload=json.dumps(item.payload),
        priority=item.priority,
        state=item.state,
        wiq=item.wiq,
        wiqid=item.wiqid,
        retries=item.retries,
        errormessage=item.errormessage,
        username=item.username,
    )
    if item.nextrun is not None:
        message.nextrun.FromDatetime(item.nextrun)
    if item.lastrun is not None:
        message.lastrun.FromDatetime(item.lastrun)
    return message


def queue_message_from_pb(event: pb.QueueEvent, received_at: float, seq: int) -> QueueMessage:
    return QueueMessage(
        queuename=event.queuename,
        correlation_id=event.correlationId,
        replyto=event.replyto,
        routingkey=event.routingkey,
        exchangename=event.exchangename,
        data=parse_json_text(event.data),
        raw=event.data,
        received_at=received_at,
        seq=seq,
    )


def watch_event_from_pb(event: pb.WatchEvent, collection: str, received_at: float) -> WatchEvent:
    document = parse_json_text(event.document)
    return WatchEvent(
        watch_id=event.id,
        collection=collection,
        operation=event.operation,
        document=document if isinstance(document, dict) else {"value": document},
        received_at=received_at,
    )
