"""DNS over TCP framing (RFC 1035 4.2.2, RFC 7766), sans-I/O.

``TcpFramer.receive_data(bytes)`` buffers what the stream delivered; ``next_message()`` returns
the next whole message or ``NEED_DATA``; ``frame(message)`` adds the two-byte length prefix. A
zero-length frame, or one longer than ``max_message`` (the server's limit on a query), is a
protocol error (``FramingError``): the server closes the connection.
"""

from __future__ import annotations

from typing import Final


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


class FramingError(Exception):
    """The peer broke the framing; close the connection."""


class TcpFramer:
    __slots__ = ("_buffer", "max_message")

    def __init__(self, max_message: int = 0xFFFF) -> None:
        self._buffer = bytearray()
        self.max_message = max_message

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    def next_message(self) -> bytes | _NeedData:
        if len(self._buffer) < 2:
            return NEED_DATA
        length = int.from_bytes(self._buffer[:2], "big")
        if length == 0:
            raise FramingError("zero-length DNS message")
        if length > self.max_message:
            raise FramingError(f"a {length}-byte message, over the {self.max_message}-byte limit")
        if len(self._buffer) < 2 + length:
            return NEED_DATA
        message = bytes(self._buffer[2:2 + length])
        del self._buffer[:2 + length]
        return message

    @property
    def buffered(self) -> int:
        return len(self._buffer)


def frame(message: bytes) -> bytes:
    if not 0 < len(message) <= 0xFFFF:
        raise ValueError("a DNS message over TCP is 1 to 65535 bytes")
    return len(message).to_bytes(2, "big") + message
