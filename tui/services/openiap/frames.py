"""The framing of the websocket: each envelope is a 4-byte little-endian length and the protobuf body, and the
socket is a byte stream (a length and its body may come in one websocket message or in several)."""

from __future__ import annotations

from tui.http import ProtocolError
from tui.services.openiap.errors import SERVICE
from tui.services.openiap.wire import DecodeError, Message
from tui.services.openiap.wire import openiap_pb2 as pb


def length_prefix(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little")


class FrameBuffer:
    """Bytes in, whole frame bodies out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        bodies = []
        while len(self._buffer) >= 4:
            size = int.from_bytes(self._buffer[:4], "little")
            if len(self._buffer) < 4 + size:
                break
            bodies.append(bytes(self._buffer[4 : 4 + size]))
            del self._buffer[: 4 + size]
        return bodies


def unpack(envelope: pb.Envelope) -> Message | None:
    """The message inside an envelope's Any, by its type URL (`type.googleapis.com/openiap.<Name>`)."""
    type_url = envelope.data.type_url
    if not type_url:
        return None
    name = type_url.rsplit("/", 1)[-1].removeprefix("openiap.")
    cls = getattr(pb, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        return None
    message = cls()
    try:
        message.ParseFromString(envelope.data.value)
    except DecodeError:
        raise ProtocolError("OpenIAP sent a message that could not be decoded.", service=SERVICE) from None
    return message
