"""The framing of the websocket: each envelope is a 4-byte little-endian length and the protobuf body, and the
socket is a byte stream (a length and its body may come in one websocket message or in several); and what a reply
must be to be believed."""

from __future__ import annotations

import struct
from typing import TypeVar

from tui.http import ProtocolError
from tui.services.openiap.errors import SERVICE
from tui.services.openiap.wire import DecodeError, Message
from tui.services.openiap.wire import openiap_pb2 as pb

MAX_FRAME_BYTES = 64 * 1024 * 1024  # the largest envelope either side accepts
ReplyT = TypeVar("ReplyT", bound=Message)
_length = struct.Struct("<I").unpack_from


class StreamOutOfStep(ProtocolError):
    """The byte stream can no longer be trusted (a length no server sends, a frame that is not an envelope, a reply
    of another request's type): the only way back is a new socket."""


def length_prefix(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little")


def framed(body: bytes) -> bytes:
    """The length and the body together: one websocket message (two would cost a round trip of delayed ACK)."""
    return length_prefix(body) + body


class FrameBuffer:
    """Bytes in, whole frame bodies out. A declared length over `max_bytes` is refused before anything is buffered
    for it."""

    def __init__(self, max_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self.max_bytes = max_bytes

    @property
    def waiting(self) -> int:
        """Bytes received that do not make a whole frame yet."""
        return len(self._buffer)

    def feed_all(self, chunks: list[bytes]) -> list[bytes]:
        """The bodies of several websocket messages in a row. The common case, one whole envelope per message
        with nothing left over, takes no copy."""
        if self._buffer:
            return [body for chunk in chunks for body in self.feed(chunk)]
        bodies: list[bytes] = []
        append = bodies.append
        limit = self.max_bytes
        for index, chunk in enumerate(chunks):
            size = len(chunk) - 4
            if size >= 0 and _length(chunk)[0] == size <= limit:
                append(chunk[4:])
                continue
            for rest in chunks[index:]:  # a length and its body apart, or several in one message: the slow way
                bodies.extend(self.feed(rest))
            break
        return bodies

    def feed(self, chunk: bytes) -> list[bytes]:
        """Raises StreamOutOfStep for a length over the maximum; the buffer is useless after that."""
        self._buffer += chunk
        bodies = []
        offset = 0
        end = len(self._buffer)
        view = memoryview(self._buffer)
        try:
            while end - offset >= 4:
                size = int.from_bytes(view[offset : offset + 4], "little")
                if size > self.max_bytes:
                    raise StreamOutOfStep(
                        f"OpenIAP declared a frame of {size:,} bytes (the limit is {self.max_bytes:,}); "
                        "the stream is out of step.",
                        service=SERVICE,
                    )
                if end - offset < 4 + size:
                    break
                bodies.append(bytes(view[offset + 4 : offset + 4 + size]))
                offset += 4 + size
        finally:
            view.release()
        if offset:
            del self._buffer[:offset]
        return bodies


def type_name(envelope: pb.Envelope) -> str:
    """The message name of an envelope's Any (`type.googleapis.com/openiap.<Name>` -> `Name`)."""
    return envelope.data.type_url.rsplit("/", 1)[-1].removeprefix("openiap.")


def unpack(envelope: pb.Envelope) -> Message | None:
    """The message inside an envelope's Any, by its type URL; None when it is empty or of a type we do not know."""
    if not envelope.data.type_url:
        return None
    cls = getattr(pb, type_name(envelope), None)
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        return None
    message = cls()
    try:
        message.ParseFromString(envelope.data.value)
    except DecodeError:
        raise ProtocolError("OpenIAP sent a message that could not be decoded.", service=SERVICE) from None
    return message


def reply_message(envelope: pb.Envelope, expected: type[ReplyT], command: str, *, empty_ok: bool = False) -> ReplyT:
    """The reply to `command`, which must be an `expected`. An empty reply is one only where `empty_ok` says so
    ("nothing to do"); another known type is a StreamOutOfStep; anything else is a ProtocolError."""
    if not envelope.data.type_url:
        if empty_ok:
            return expected()
        raise ProtocolError(f"OpenIAP answered {command} with an empty reply.", service=SERVICE)
    name = type_name(envelope)
    wanted = expected.DESCRIPTOR.name
    if name != wanted:
        cls = getattr(pb, name, None)
        if isinstance(cls, type) and issubclass(cls, Message):
            raise StreamOutOfStep(f"OpenIAP answered {command} with a {name}, not a {wanted}.", service=SERVICE)
        raise ProtocolError(f"OpenIAP answered {command} with a message this client does not know.", service=SERVICE)
    message = expected()
    try:
        message.ParseFromString(envelope.data.value)
    except DecodeError:
        raise ProtocolError(
            f"OpenIAP answered {command} with a {name} that could not be decoded.", service=SERVICE
        ) from None
    return message
