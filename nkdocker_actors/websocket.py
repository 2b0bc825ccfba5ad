"""The client side of RFC 6455 (WebSocket), as GET /containers/{id}/attach/ws needs it.

The handshake rides on an ordinary HTTP/1.1 request (see `handshake_headers`); the
answer must be a 101 whose Sec-WebSocket-Accept matches our random key. Then frames:
ours masked (the RFC's rule for a client), the server's unmasked. `FrameReader` is
incremental, like the raw-stream decoder: a data frame's payload is handed on as it
arrives, a frame announcing more than `max_frame` bytes is a protocol fault before a
byte of it is kept, and only control frames (125 bytes at most) are buffered whole.
No extension is negotiated, so the RSV bits must stay clear.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import ConnectionFailed
from .http11 import Channel, ProtocolError, ResponseHead

__all__ = [
    "BINARY",
    "CLOSE",
    "MAX_FRAME",
    "PING",
    "PONG",
    "TEXT",
    "Close",
    "FrameReader",
    "Ping",
    "accept_for",
    "check_handshake",
    "close_frame",
    "data_frames",
    "encode_frame",
    "handshake_headers",
    "payloads",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_FRAME = 64 * 1024 * 1024  # the largest data frame taken (dockerd sends one per write)
NORMAL_CLOSURE = 1000
NO_STATUS = 1005  # a close frame without a code (never sent: only reported)
_NEVER_SENT = (NO_STATUS, 1006, 1015)  # RFC 6455, 7.4.1: only ever reported locally
SEND_FRAME = 1024 * 1024  # our stdin goes out in frames of at most this


def handshake_headers() -> tuple[tuple[str, str], ...]:
    """The request headers asking for a websocket, with a fresh random key."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"))


def accept_for(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer `key` with."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def check_handshake(head: ResponseHead, key: str, where: object) -> None:
    """Raise ProtocolError unless `head` switches to a websocket for `key`."""
    if head.status != 101:
        raise ProtocolError(
            f"{where} answered the websocket handshake with {head.status} {head.reason}".strip()
            + ", not 101 Switching Protocols"
        )
    upgrade = head.headers.get("upgrade", "")
    if upgrade.lower() != "websocket":
        raise ProtocolError(f"{where} switched to {upgrade!r}, not to a websocket")
    accept = head.headers.get("sec-websocket-accept")
    if accept is None:
        raise ProtocolError(f"{where} sent no Sec-WebSocket-Accept in its handshake")
    if accept != accept_for(key):
        raise ProtocolError(f"{where} answered the handshake with a wrong Sec-WebSocket-Accept")


def _masked(payload: bytes, mask: bytes) -> bytes:
    """`payload` XOR the repeated 4-byte `mask` (one big-integer XOR: linear, in C)."""
    size = len(payload)
    if not size:
        return b""
    repeated = (mask * (size // 4 + 1))[:size]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(size, "big")


def encode_frame(opcode: int, payload: bytes = b"", fin: bool = True) -> bytes:
    """One client frame: masked with a fresh random key."""
    size = len(payload)
    first = (0x80 if fin else 0) | opcode
    if size < 126:
        head = struct.pack(">BB", first, 0x80 | size)
    elif size < 1 << 16:
        head = struct.pack(">BBH", first, 0x80 | 126, size)
    else:
        head = struct.pack(">BBQ", first, 0x80 | 127, size)
    mask = os.urandom(4)
    return head + mask + _masked(payload, mask)


def data_frames(data: bytes) -> list[bytes]:
    """`data` as one binary message: frames of at most SEND_FRAME bytes (continuations)."""
    pieces = [data[i : i + SEND_FRAME] for i in range(0, len(data), SEND_FRAME)] or [b""]
    return [
        encode_frame(BINARY if i == 0 else CONTINUATION, piece, fin=i == len(pieces) - 1)
        for i, piece in enumerate(pieces)
    ]


def close_frame(code: int = NORMAL_CLOSURE, reason: str = "") -> bytes:
    """A client close frame."""
    if code in _NEVER_SENT or not 1000 <= code < 5000:
        return encode_frame(CLOSE)  # a code only reported, never sent: a close without one
    payload = struct.pack(">H", code) + reason.encode()[:123]
    return encode_frame(CLOSE, payload)


@dataclass(frozen=True)
class Ping:
    """The server pinged: answer with a pong carrying `payload`."""

    payload: bytes


@dataclass(frozen=True)
class Close:
    """The server's close frame: its code (1005 when it gave none) and reason."""

    code: int
    reason: str = ""

    def describe(self) -> str:
        """As the stream's terminal message says it: "closed: 1000"."""
        return f"closed: {self.code}" + (f" {self.reason}" if self.reason else "")


_Event = bytes | Ping | Close


class FrameReader:
    """Decodes the server's frames: data payload pieces (bytes), Ping, then one Close."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()  # an unfinished frame header, or a control frame
        self._remaining = 0  # payload bytes of the current data frame still to come
        self._in_data = False  # inside a data frame's payload
        self._in_message = False  # a fragmented message awaits its continuations
        self.closed: Close | None = None

    def feed(self, data: bytes) -> list[_Event]:
        """The events `data` completes, in order. Nothing may follow a Close."""
        events: list[_Event] = []
        view = memoryview(data)
        pos, end = 0, len(view)
        run: list[memoryview] = []  # consecutive payload bytes, joined once
        while pos < end:
            if self.closed is not None:
                raise ProtocolError("websocket: data after the server's close frame")
            if self._in_data:
                take = min(self._remaining, end - pos)
                run.append(view[pos : pos + take])
                pos += take
                self._remaining -= take
                if not self._remaining:
                    self._in_data = False
                continue
            self._buffer += view[pos:end]
            pos = end
            while self.closed is None and not self._in_data:
                header = self._header()
                if header is None:
                    break
                opcode, length, header_size = header
                if opcode >= CLOSE:  # a control frame: whole in the buffer, or wait
                    if len(self._buffer) < header_size + length:
                        break
                    payload = bytes(self._buffer[header_size : header_size + length])
                    del self._buffer[: header_size + length]
                    if run:
                        events.append(b"".join(run))
                        run = []
                    event = self._control(opcode, payload)
                    if event is not None:
                        events.append(event)
                    continue
                del self._buffer[:header_size]
                self._remaining = length
                self._in_data = bool(length)
                if self._buffer and self._in_data:  # the payload that came with the header
                    take = min(length, len(self._buffer))
                    run.append(memoryview(bytes(self._buffer[:take])))
                    del self._buffer[:take]
                    self._remaining -= take
                    self._in_data = bool(self._remaining)
            if self.closed is not None and self._buffer:
                raise ProtocolError("websocket: data after the server's close frame")
        if run:
            events.append(b"".join(run))
        return events

    def _header(self) -> tuple[int, int, int] | None:
        """(opcode, payload length, header size) of the next frame, once its header is here."""
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise ProtocolError("websocket: a frame with RSV bits set (no extension agreed)")
        if second & 0x80:
            raise ProtocolError("websocket: the server masked a frame (servers must not)")
        opcode, fin, length = first & 0x0F, bool(first & 0x80), second & 0x7F
        size = 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, size = struct.unpack_from(">H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, size = struct.unpack_from(">Q", buffer, 2)[0], 10
            if length >> 63:
                raise ProtocolError("websocket: a frame length with its top bit set")
        if opcode >= CLOSE:
            if opcode not in (CLOSE, PING, PONG):
                raise ProtocolError(f"websocket: unknown control opcode {opcode:#x}")
            if not fin or length > 125:
                raise ProtocolError("websocket: a fragmented or oversized control frame")
            return opcode, length, size
        if opcode not in (CONTINUATION, TEXT, BINARY):
            raise ProtocolError(f"websocket: unknown data opcode {opcode:#x}")
        if length > self.max_frame:
            raise ProtocolError(
                f"websocket: a frame of {length} bytes (more than the {self.max_frame} taken)"
            )
        if opcode == CONTINUATION and not self._in_message:
            raise ProtocolError("websocket: a continuation frame with no message to continue")
        if opcode != CONTINUATION and self._in_message:
            raise ProtocolError("websocket: a new message inside a fragmented one")
        self._in_message = not fin
        return opcode, length, size

    def _control(self, opcode: int, payload: bytes) -> Ping | Close | None:
        if opcode == PING:
            return Ping(payload)
        if opcode == PONG:
            return None  # unasked pongs are allowed and mean nothing
        if len(payload) == 1:
            raise ProtocolError("websocket: a close frame with a one-byte payload")
        if not payload:
            self.closed = Close(NO_STATUS)
        else:
            reason = payload[2:].decode("utf-8", "replace")
            self.closed = Close(struct.unpack(">H", payload[:2])[0], reason)
        return self.closed

    def check_end(self) -> None:
        """At EOF: a frame (or a fragmented message) cut short is a protocol error."""
        if self._buffer or self._in_data:
            raise ProtocolError("websocket: the connection closed inside a frame")
        if self._in_message:
            raise ProtocolError("websocket: the connection closed inside a fragmented message")


def payloads(channel: Channel, head: ResponseHead, key: str) -> Iterator[bytes]:
    """A whole websocket exchange in one thread (no stdin): the data frames' payloads up
    to the server's close frame, which is answered, as pings are."""
    check_handshake(head, key, channel.address)
    frames = FrameReader()
    for piece in channel.raw_pieces():
        for event in frames.feed(piece):
            if isinstance(event, bytes):
                yield event
                continue
            if isinstance(event, Ping):
                answer = encode_frame(PONG, event.payload)
            else:
                answer = close_frame(event.code)
            with contextlib.suppress(ConnectionFailed):  # the reads say what happened
                channel.send_raw(answer)
            if isinstance(event, Close):
                return
    frames.check_end()
