"""The OpenIAP wire format: `openiap.proto` and the module protoc generates from it (with its `.pyi` stub).

Both the client and the sandbox import `openiap_pb2` from here; `regenerate.sh` rebuilds it. The protobuf base
classes they need are re-exported here, so the one missing-stubs gap of `google.protobuf` is handled in one place.
"""

from google.protobuf import json_format  # type: ignore[import-untyped]  # no types-protobuf here
from google.protobuf.message import DecodeError, Message  # type: ignore[import-untyped]

from tui.services.openiap.wire import openiap_pb2

__all__ = ["DecodeError", "Message", "json_format", "openiap_pb2"]
