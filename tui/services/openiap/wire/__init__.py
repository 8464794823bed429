"""The OpenIAP wire format: `openiap.proto` and the module protoc generates from it (with its `.pyi` stub).

Both the client and the sandbox import `openiap_pb2` from here; `regenerate.sh` rebuilds it. The protobuf base
classes they need are re-exported here (typed by the types-protobuf stubs).
"""

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from tui.services.openiap.wire import openiap_pb2

__all__ = ["DecodeError", "Message", "json_format", "openiap_pb2"]
