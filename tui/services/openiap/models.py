"""What the OpenIAP client hands back: typed objects, never protobuf messages or raw dicts of the wire; and the
conversions between the two."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.http import ProtocolError
from tui.services.openiap.errors import SERVICE
from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb

_UNPARSED: Any = object()


class QueueMessage:
    """One message of a queue, as it arrived: `queuename`, `correlation_id`, `replyto`, `routingkey`,
    `exchangename`, `raw` (the data as sent), `received_at` (time.time()), `seq` (the arrival counter of its
    subscription, from 1), and `data`, the parsed JSON or the raw string when it is not JSON (`malformed` says
    which). A tail takes thousands a second and shows a screenful: the fields are read from the decoded event when
    first asked for, and the JSON parsed then too."""

    __slots__ = ("_data", "_event", "_malformed", "queuename", "received_at", "seq")

    def __init__(self, event: pb.QueueEvent, queuename: str, received_at: float, seq: int):
        self._event = event
        self.queuename = queuename  # the event's: the reader has read it already, to route the message
        self.received_at = received_at
        self.seq = seq
        self._data: Any = _UNPARSED
        self._malformed = False

    @property
    def correlation_id(self) -> str:
        return self._event.correlationId

    @property
    def replyto(self) -> str:
        return self._event.replyto

    @property
    def routingkey(self) -> str:
        return self._event.routingkey

    @property
    def exchangename(self) -> str:
        return self._event.exchangename

    @property
    def raw(self) -> str:
        return self._event.data

    def _parse(self) -> None:
        self._data, self._malformed = parse_json_flagged(self._event.data)

    @property
    def data(self) -> Any:
        """The parsed JSON, or the raw string when it is not JSON."""
        if self._data is _UNPARSED:
            self._parse()
        return self._data

    @property
    def malformed(self) -> bool:
        """The data could not be parsed as JSON: `data` is the raw text."""
        if self._data is _UNPARSED:
            self._parse()
        return self._malformed

    def __repr__(self) -> str:
        return f"QueueMessage(queuename={self.queuename!r}, seq={self.seq}, raw={self.raw[:80]!r})"


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


WORKITEM_STATES = ("new", "processing", "successful", "failed", "retry")


@dataclass
class WorkitemQueue:
    name: str
    maxretries: int = 3
    retrydelay: int = 0  # seconds before a retried item runs again
    initialdelay: int = 0  # seconds before a new item runs
    success_wiq: str = ""  # where a successful item is copied to
    failed_wiq: str = ""  # where a failed item is copied to
    id: str = ""  # empty until the server made it


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
    return parse_json_flagged(text)[0]


def parse_json_flagged(text: str) -> tuple[Any, bool]:
    """(value, malformed): text that does not parse (not JSON, or nested too deep for the parser) is kept as is,
    flagged, and never raises."""
    if not text:
        return None, False
    try:
        return json.loads(text), False
    except (ValueError, RecursionError):
        return text, True


def json_document(text: str, command: str) -> dict[str, Any]:
    """A reply field that must hold one JSON object."""
    value = _json_reply(text, command)
    if not isinstance(value, dict):
        raise ProtocolError(f"OpenIAP answered {command} with something that is not a document.", service=SERVICE)
    return value


def json_documents(text: str, command: str) -> list[dict[str, Any]]:
    """A reply field that must hold a JSON array of objects (empty text: none)."""
    value = _json_reply(text, command)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
        raise ProtocolError(
            f"OpenIAP answered {command} with something that is not a list of documents.", service=SERVICE
        )
    return value


def _json_reply(text: str, command: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(f"OpenIAP answered {command} with text that is not JSON.", service=SERVICE) from None


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


def workitem_from_reply(reply: pb.PushWorkitemResponse | pb.UpdateWorkitemResponse, command: str) -> Workitem:
    if not reply.HasField("workitem") or not reply.workitem._id:
        raise ProtocolError(f"OpenIAP answered {command} without the work item.", service=SERVICE)
    return workitem_from_pb(reply.workitem)


def _whole_number(doc: dict[str, Any], name: str) -> int:
    value = doc.get(name) or 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(
            f"OpenIAP sent a {doc.get('_type') or 'document'} whose {name} is not a number.", service=SERVICE
        )
    return int(value)


def _text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ProtocolError(
            f"OpenIAP sent a {doc.get('_type') or 'document'} whose {name} is not text.", service=SERVICE
        )
    return str(value)


def workitem_from_document(doc: dict[str, Any]) -> Workitem:
    """A work item as the `workitems` collection stores it (what a Query returns); fields of the wrong type are a
    ProtocolError."""
    return Workitem(
        id=_text(doc, "_id"),
        name=_text(doc, "name"),
        payload=doc.get("payload"),
        priority=_whole_number(doc, "priority"),
        state=_text(doc, "state"),
        wiq=_text(doc, "wiq"),
        wiqid=_text(doc, "wiqid"),
        retries=_whole_number(doc, "retries"),
        errormessage=_text(doc, "errormessage"),
        nextrun=_parse_iso(doc.get("nextrun")),
        lastrun=_parse_iso(doc.get("lastrun")),
        username=_text(doc, "username") or _text(doc, "_createdby"),
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


def workitem_queue_from_pb(queue: pb.WorkItemQueue, command: str) -> WorkitemQueue:
    if not queue._id or not queue.name:
        raise ProtocolError(f"OpenIAP answered {command} without the work item queue.", service=SERVICE)
    return WorkitemQueue(
        name=queue.name,
        maxretries=queue.maxretries,
        retrydelay=queue.retrydelay,
        initialdelay=queue.initialdelay,
        success_wiq=queue.success_wiq,
        failed_wiq=queue.failed_wiq,
        id=queue._id,
    )


def workitem_queue_from_document(doc: dict[str, Any]) -> WorkitemQueue:
    """A work item queue as `mq` stores it (what a Query returns); fields of the wrong type are a ProtocolError."""
    return WorkitemQueue(
        name=_text(doc, "name"),
        maxretries=_whole_number(doc, "maxretries"),
        retrydelay=_whole_number(doc, "retrydelay"),
        initialdelay=_whole_number(doc, "initialdelay"),
        success_wiq=_text(doc, "success_wiq"),
        failed_wiq=_text(doc, "failed_wiq"),
        id=_text(doc, "_id"),
    )


def workitem_queue_to_pb(queue: WorkitemQueue) -> pb.WorkItemQueue:
    return pb.WorkItemQueue(
        _id=queue.id,
        name=queue.name,
        maxretries=queue.maxretries,
        retrydelay=queue.retrydelay,
        initialdelay=queue.initialdelay,
        success_wiq=queue.success_wiq,
        failed_wiq=queue.failed_wiq,
    )


def queue_message_from_pb(event: pb.QueueEvent, received_at: float, seq: int) -> QueueMessage:
    return QueueMessage(event, event.queuename, received_at, seq)


def watch_event_from_pb(event: pb.WatchEvent, collection: str, received_at: float) -> WatchEvent:
    document = parse_json_text(event.document)
    return WatchEvent(
        watch_id=event.id,
        collection=collection,
        operation=event.operation,
        document=document if isinstance(document, dict) else {"value": document},
        received_at=received_at,
    )
