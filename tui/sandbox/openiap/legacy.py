"""Requests in the shape older OpenFlow releases defined, still sent by clients in use.

The official Python client (openiap 0.0.37) adds a work item queue with the settings at the top of
AddWorkItemQueueRequest (name as field 1, maxretries as 6, ...), where today's protocol nests them in a
`workitemqueue` message at field 1. Both use field 1 with the same wire type, so a request is read as today's first
and, when that yields no queue name, as the older shape.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from tui.services.openiap.wire import DecodeError
from tui.services.openiap.wire import openiap_pb2 as pb

_STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
_BOOL = descriptor_pb2.FieldDescriptorProto.TYPE_BOOL
_INT32 = descriptor_pb2.FieldDescriptorProto.TYPE_INT32

# (field number, name, type) of the older AddWorkItemQueueRequest; its `_acl` (13) is left out: parsing skips it
_FLAT_ADD_QUEUE_FIELDS = [
    (1, "name", _STRING),
    (2, "robotqueue", _STRING),
    (3, "amqpqueue", _STRING),
    (4, "projectid", _STRING),
    (5, "skiprole", _BOOL),
    (6, "maxretries", _INT32),
    (7, "initialdelay", _INT32),
    (8, "retrydelay", _INT32),
    (9, "success_wiqid", _STRING),
    (10, "failed_wiqid", _STRING),
    (11, "success_wiq", _STRING),
    (12, "failed_wiq", _STRING),
]
_SETTINGS = ("maxretries", "initialdelay", "retrydelay", "success_wiq", "failed_wiq")


@cache
def _flat_add_queue_class() -> Any:
    """The older message, built at run time in a pool of its own (its name would clash in the default one)."""
    file = descriptor_pb2.FileDescriptorProto(name="legacy_workitems.proto", package="legacy", syntax="proto3")
    message = file.message_type.add(name="AddWorkItemQueueRequest")
    for number, name, kind in _FLAT_ADD_QUEUE_FIELDS:
        message.field.add(name=name, number=number, type=kind, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("legacy.AddWorkItemQueueRequest"))


def add_queue_request(data: bytes) -> pb.AddWorkItemQueueRequest:
    """An AddWorkItemQueueRequest in either shape, as today's message; DecodeError when it is neither."""
    try:
        request = pb.AddWorkItemQueueRequest.FromString(data)
        if request.workitemqueue.name:
            return request
    except DecodeError:
        pass
    flat = _flat_add_queue_class().FromString(data)  # DecodeError when this fails too
    queue = pb.WorkItemQueue(name=flat.name, **{key: getattr(flat, key) for key in _SETTINGS})
    return pb.AddWorkItemQueueRequest(workitemqueue=queue, skiprole=flat.skiprole)


# message type name -> how to read it, for the types that have an older shape
READERS = {"AddWorkItemQueueRequest": add_queue_request}
