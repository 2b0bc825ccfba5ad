"""The websocket personas (GET /containers/{id}/attach/ws), chosen by the `ws` param:
RFC 6455 frames, well-formed or broken."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Callable

from .wire import STALL_LIMIT, Conn, Req

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_accept(key: str) -> str:
    """The Sec-WebSocket-Accept for `key` (RFC 6455)."""

    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def ws_frame(
    opcode: int,
    payload: bytes = b"",
    fin: bool = True,
    mask: bytes | None = None,
    length: int | None = None,
    rsv: int = 0,
) -> bytes:
    """A server frame (unmasked unless `mask` is given; `length` may lie)."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv << 4 | opcode
    bit = 0x80 if mask is not None else 0
    if size < 126:
        head = struct.pack(">BB", first, bit | size)
    elif size < 1 << 16:
        head = struct.pack(">BBH", first, bit | 126, size)
    else:
        head = struct.pack(">BBQ", first, bit | 127, size)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_read(c: Conn) -> tuple[int, bytes, bool] | None:
    """The client's next frame: (opcode, unmasked payload, was it masked); None at EOF."""
    while (frame := _ws_take(c.buffer)) is None:
        if not c.fill(STALL_LIMIT):
            return None
    return frame


def _ws_take(buffer: bytearray) -> tuple[int, bytes, bool] | None:
    """Cut one whole frame out of `buffer` (None if it is not all there yet)."""
    if len(buffer) < 2:
        return None
    size, pos = buffer[1] & 0x7F, 2
    if size >= 126:
        pos = 4 if size == 126 else 10
        if len(buffer) < pos:
            return None
        size = int.from_bytes(buffer[2:pos], "big")
    masked = bool(buffer[1] & 0x80)
    start = pos + (4 if masked else 0)
    if len(buffer) < start + size:
        return None
    payload = bytes(buffer[start : start + size])
    if masked:
        mask = (bytes(buffer[pos:start]) * (size // 4 + 1))[:size]
        value = int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")
        payload = value.to_bytes(size, "big")
    opcode = buffer[0] & 0x0F
    del buffer[: start + size]
    return opcode, payload, masked


def ws_close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack(">H", code) + reason


WS_OUTPUT = [b"out1\n", b"err1\n", b"out2\n"]  # what the "output" persona sends


def websocket_upgrade(c: Conn, req: Req) -> bool:
    """A websocket attach; the `ws` param names the persona that says how it behaves."""
    persona = c.server.params.get("ws", "output")
    if persona in ("refuse_200", "refuse_400", "refuse_404"):
        status, message = {
            "refuse_200": ("200 OK", "no upgrade header found"),
            "refuse_400": ("400 Bad Request", "bad parameter"),
            "refuse_404": ("404 Not Found", "page not found"),
        }[persona]
        return c.respond(status, json.dumps({"message": message}).encode())
    key = req.header("sec-websocket-key") or ""
    problems = []
    if (req.header("upgrade") or "").lower() != "websocket":
        problems.append("Upgrade is not websocket")
    if req.header("sec-websocket-version") != "13":
        problems.append("Sec-WebSocket-Version is not 13")
    if len(base64.b64decode(key + "==")) != 16:
        problems.append("the key is not 16 random bytes")
    if problems:
        return c.respond("400 Bad Request", json.dumps({"message": "; ".join(problems)}).encode())
    accept = "d3JvbmcgYWNjZXB0IGtleSE=" if persona == "bad_accept" else ws_accept(key)
    c.send(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: %b\r\n\r\n" % accept.encode()
    )
    with c.server.lock:
        c.server.ws_keys.append(key)
    _WS_PERSONAS[persona](c)
    return False


def _ws_output(c: Conn) -> None:
    """Three binary frames, then a close 1000; the client's close reply is checked."""
    c.send(b"".join(ws_frame(2, data) for data in WS_OUTPUT) + ws_frame(8, ws_close_payload(1000)))
    _ws_expect_close(c)


def _ws_expect_close(c: Conn) -> None:
    frame = ws_read(c)
    with c.server.lock:
        c.server.ws_replies.append(
            "none" if frame is None else f"{frame[0]}:{frame[1].hex()}:{frame[2]}"
        )


def _ws_echo(c: Conn) -> None:
    """Each data frame back as one binary frame, until the client closes (then: 1000);
    an unmasked client frame is answered by a close 1002 (protocol error)."""
    while (frame := ws_read(c)) is not None:
        opcode, payload, masked = frame
        if not masked:
            c.send(ws_frame(8, ws_close_payload(1002, b"unmasked client frame")))
            return
        if opcode == 8:
            c.send(ws_frame(8, payload))  # the handshake's second half, echoing the code
            return
        if opcode in (0, 1, 2):
            c.send(ws_frame(2, payload))


def _ws_fragmented(c: Conn) -> None:
    """A text message in three fragments with a ping among them; the pong reported in-band."""
    c.send(ws_frame(1, b"frag-", fin=False) + ws_frame(0, b"ment", fin=False))
    c.send(ws_frame(9, b"are you there?") + ws_frame(0, b"ed\n", fin=True))
    frame = ws_read(c)
    report = b"no pong" if frame is None else b"pong %d %b %d" % (frame[0], frame[1], frame[2])
    c.send(ws_frame(2, report) + ws_frame(8, ws_close_payload(1000)))
    _ws_expect_close(c)


def _ws_masked(c: Conn) -> None:
    c.send(ws_frame(2, b"masked", mask=b"abcd"))
    c.wait_close()


def _ws_oversize(c: Conn) -> None:
    c.send(ws_frame(2, b"x" * 10, length=1 << 40))
    c.wait_close()


def _ws_close_mid_frame(c: Conn) -> None:
    c.send(ws_frame(2, WS_OUTPUT[0]) + ws_frame(2, b"0123456789", length=100))


def _ws_abrupt_eof(c: Conn) -> None:
    c.send(b"".join(ws_frame(2, data) for data in WS_OUTPUT))


def _ws_rsv(c: Conn) -> None:
    c.send(ws_frame(2, b"compressed?", rsv=4))
    c.wait_close()


def _ws_continuation_first(c: Conn) -> None:
    c.send(ws_frame(0, b"orphan"))
    c.wait_close()


def _ws_going_away(c: Conn) -> None:
    c.send(ws_frame(2, WS_OUTPUT[0]) + ws_frame(8, ws_close_payload(1001, b"shutting down")))
    _ws_expect_close(c)


_WS_PERSONAS: dict[str, Callable[[Conn], None]] = {
    "output": _ws_output,
    "bad_accept": _ws_output,
    "echo": _ws_echo,
    "fragmented": _ws_fragmented,
    "masked": _ws_masked,
    "oversize": _ws_oversize,
    "close_mid_frame": _ws_close_mid_frame,
    "abrupt_eof": _ws_abrupt_eof,
    "rsv": _ws_rsv,
    "continuation_first": _ws_continuation_first,
    "going_away": _ws_going_away,
}
