"""The behaviours: a well-formed answer, or one of the faults, each breaking the
answer's framing in its own way; `BEHAVIOURS` names them for `FaultServer.set`."""

from __future__ import annotations

import base64
import json
import select
import time
from collections.abc import Callable
from typing import Any

from .checks import check_request
from .websocket import websocket_upgrade
from .wire import (
    STALL_LIMIT,
    Conn,
    Req,
    chunked,
    echo_stdin,
    frame,
    good_body,
    lines_body,
    stream_head,
)


def _good(c: Conn, req: Req) -> bool:
    body = good_body(req)
    if req.kind == "json":
        return c.respond("200 OK", body)
    if req.upgrade and req.kind == "frames":
        c.send(stream_head(req) + body)
        if req.query.get("stdin") == "1":
            echo_stdin(c)
        return False
    return c.send(stream_head(req) + chunked(body))


def _framed_start(c: Conn, req: Req, cut: bytes) -> None:
    """Send the head and `cut` as the (unfinished) start of the body, in its framing."""
    if req.kind == "json":
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
               % (len(cut) + 1000, cut))  # fmt: skip
    elif req.upgrade and req.kind == "frames":
        c.send(stream_head(req) + cut)
    else:
        c.send(stream_head(req) + b"%x\r\n%b" % (len(cut) + 1000, cut))


def _truncated_chunked(c: Conn, req: Req) -> bool:
    body = good_body(req)
    half = len(body) // 2
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    c.send(head + b"%x\r\n%b\r\n" % (half, body[:half]) + b"%x\r\n%b" % (100, body[half:]))
    return False


def _invalid_chunk_size(c: Conn, req: Req) -> bool:
    body = good_body(req)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    c.send(head + b"%x\r\n%b\r\nzz\r\nhello\r\n0\r\n\r\n" % (len(body), body))
    c.wait_close(5)
    return False


def _huge_chunk_size(c: Conn, req: Req) -> bool:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    c.send(head + b"ffffffffffffffff\r\n" + b"x" * 4096)
    return False


def _chunk_size_line_too_long(c: Conn, req: Req) -> bool:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    c.send(head + b"0" * 10000 + b"5\r\nhello\r\n0\r\n\r\n")
    c.wait_close(5)
    return False


def _chunk_overrun(c: Conn, req: Req) -> bool:
    body = good_body(req)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    c.send(head + b"%x\r\n%bEXTRA-BYTES\r\n0\r\n\r\n" % (len(body) // 2, body))
    c.wait_close(5)
    return False


def _chunk_extensions_and_trailers(c: Conn, req: Req) -> bool:
    body = good_body(req)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    mid = len(body) // 2
    c.send(
        head
        + b"%x;name=value\r\n%b\r\n" % (mid, body[:mid])
        + b'%X ; x="y"\r\n%b\r\n' % (len(body) - mid, body[mid:])
        + b"0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"
    )
    return req.kind == "json"


def _endless_trailers(c: Conn, req: Req) -> bool:
    body = good_body(req)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    if not c.send(head + b"%x\r\n%b\r\n0\r\n" % (len(body), body)):
        return False
    deadline = time.monotonic() + STALL_LIMIT
    while time.monotonic() < deadline and c.send(b"X-Trailer: more\r\n" * 64):
        pass
    return False


def _invalid_json(c: Conn, req: Req) -> bool:
    if req.kind == "lines":
        bad = lines_body().replace(b"\n", b"\n{not json}\n", 1)
        c.send(stream_head(req, close=True) + chunked(bad))
        return False
    return c.respond("200 OK", b'[{"Id": "c0ffee", "Names": [', close=True)


def _json_line_too_long(c: Conn, req: Req) -> bool:
    c.send(stream_head(req, close=True) + b"%x\r\n%b\r\n" % (10, b'{"status":'))
    piece = b"%x\r\n%b\r\n" % (1 << 20, b"a" * (1 << 20))
    for _ in range(80):  # 80 MB without a newline
        if not c.send(piece):
            break
    return False


def _frame_4gb(c: Conn, req: Req) -> bool:
    payload = frame(1, b"x" * 65536, size=0xFFFFFFFF)
    if req.upgrade:
        c.send(stream_head(req) + payload)
    else:
        c.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            b"Connection: close\r\n\r\n" + payload
        )
    return False


def _bad_stream_id(c: Conn, req: Req) -> bool:
    body = frame(1, b"fine\n") + frame(9, b"what stream is this?\n")
    if req.upgrade:
        c.send(stream_head(req) + body)
        c.wait_close(5)
    else:
        c.send(stream_head(req) + chunked(body))
    return False


def _reset_mid_frame(c: Conn, req: Req) -> bool:
    body = good_body(req)
    _framed_start(c, req, body + body[:5])
    time.sleep(0.05)  # let the client read what came before the reset
    c.reset()
    return False


def _stall_mid_body(c: Conn, req: Req) -> bool:
    body = good_body(req)
    _framed_start(c, req, body + body[:5])
    c.wait_close()
    return False


def _pause_mid_chunk(c: Conn, req: Req) -> bool:
    """A well-formed stream that pauses `delay` seconds (1.0 by default) in the middle of
    a chunk's size line, then in the middle of its data: a busy daemon may."""
    delay = float(c.server.params.get("delay", 1.0))
    body = good_body(req)
    half = len(body) // 2
    size = b"%x" % half
    for part in (stream_head(req) + size[:1], size[1:] + b"\r\n" + body[: half // 2]):
        if not c.send(part):
            return False
        time.sleep(delay)
    return c.send(body[half // 2 : half] + b"\r\n" + chunked(body[half:]))


def _stall_head(c: Conn, req: Req) -> bool:
    c.wait_close()
    return False


def _stall_head_part(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    c.wait_close()
    return False


def _huge_header(c: Conn, req: Req) -> bool:
    c.server.sent = 0
    if not c.send(b"HTTP/1.1 200 OK\r\nX-Huge: "):
        return False
    piece = b"a" * (1 << 20)
    for _ in range(100):  # 100 MB, one header line
        if not c.send(piece):
            break
    c.send(b"\r\nContent-Length: 2\r\n\r\n[]")
    return False


def _body_shorter_than_length(c: Conn, req: Req) -> bool:
    body = good_body(req)
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
           % (len(body) + 100, body))  # fmt: skip
    return False


def _length_shorter_than_body(c: Conn, req: Req) -> bool:
    body = good_body(req)
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
           % (len(body) - 7, body))  # fmt: skip
    c.wait_close(10)
    return False


def _bad_content_length(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2x\r\n\r\n[]")
    c.wait_close(5)
    return False


def _unicode_content_length(c: Conn, req: Req) -> bool:
    # U+00B2 SUPERSCRIPT TWO: str.isdigit() says yes, int() says no.
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \xb2\r\n\r\n[]")
    c.wait_close(5)
    return False


def _conflicting_content_length(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
           b"Content-Length: 40\r\n\r\n[]" + b" " * 38)  # fmt: skip
    c.wait_close(5)
    return False


def _http10_close(c: Conn, req: Req) -> bool:
    kind = b"application/vnd.docker.raw-stream" if req.kind == "frames" else b"application/json"
    c.send(b"HTTP/1.0 200 OK\r\nContent-Type: %b\r\n\r\n%b" % (kind, good_body(req)))
    return False


def _upgrade_refused_200(c: Conn, req: Req) -> bool:
    c.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
        b"Connection: close\r\n\r\n" + good_body(req)
    )
    return False


def _upgrade_refused_404(c: Conn, req: Req) -> bool:
    return c.respond("404 Not Found", b'{"message": "No such container: fault"}\n', close=True)


def _redirect(c: Conn, req: Req) -> bool:
    return c.respond(
        "301 Moved Permanently",
        b'<a href="/v1.41/images/victim/json">Moved Permanently</a>.\n',
        content_type="text/html; charset=utf-8",
        extra="Location: /v1.41/images/victim/json\r\n",
    )


def _garbage_status(c: Conn, req: Req) -> bool:
    c.send(b"SPDY/9 purple monkey dishwasher\r\nContent-Length: 2\r\n\r\n[]")
    c.wait_close(5)
    return False


def _http2_status(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/2 200\r\ncontent-length: 2\r\n\r\n[]")
    c.wait_close(5)
    return False


def _unicode_status(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 \xb200 OK\r\nContent-Length: 2\r\n\r\n[]")
    c.wait_close(5)
    return False


def _no_terminator(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n")
    return False


def _bare_lf_head(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2\n\n[]")
    return False


def _header_no_colon(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nThisLineHasNoColon\r\n"
           b"Content-Length: 2\r\n\r\n[]")  # fmt: skip
    c.wait_close(5)
    return False


def _text_error_500(c: Conn, req: Req) -> bool:
    return c.respond("500 Internal Server Error", b"kaboom: disk on fire\n", "text/plain")


def _json_error_404(c: Conn, req: Req) -> bool:
    return c.respond("404 Not Found", b'{"message": "No such container: fault"}\n')


def _bad_json_error_500(c: Conn, req: Req) -> bool:
    return c.respond("500 Internal Server Error", b'{"message": "half a', "application/json")


def _continue_100(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: b\r\n\r\n")
    return _good(c, req)


def _interim_flood(c: Conn, req: Req) -> bool:
    deadline = time.monotonic() + STALL_LIMIT
    while time.monotonic() < deadline and c.send(b"HTTP/1.1 100 Continue\r\n\r\n" * 100):
        pass
    return False


def _unexpected_101(c: Conn, req: Req) -> bool:
    c.send(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n[]")
    c.wait_close(5)
    return False


def _close_after_each(c: Conn, req: Req) -> bool:
    """A keep-alive answer (no Connection: close), then the server closes anyway."""
    _good(c, req)
    return False


def _eof_no_response(c: Conn, req: Req) -> bool:
    return False


def _reset_no_response(c: Conn, req: Req) -> bool:
    c.reset()
    return False


def _slowloris(c: Conn, req: Req) -> bool:
    """A well-formed answer, one byte per `delay` seconds (0.1 by default)."""
    delay = float(c.server.params.get("delay", 0.1))
    body = b"[]" if req.kind == "json" else good_body(req)  # ~40 bytes: ~4 s at 0.1 s a byte
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
    for i in range(len(data)):
        if not c.send(data[i : i + 1]):
            return False
        time.sleep(delay)
    return True


def _slowloris_endless_head(c: Conn, req: Req) -> bool:
    """Header lines forever, one byte per 10 ms: only a deadline ends this."""
    c.send(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Slow: y\r\n"
    deadline = time.monotonic() + STALL_LIMIT
    i = 0
    while time.monotonic() < deadline and c.send(line[i % len(line) : i % len(line) + 1]):
        i += 1
        time.sleep(0.01)
    return False


def _answer_early(c: Conn, req: Req) -> bool:
    """Refuse a request with a body before reading any of it, then keep the connection
    open without reading (until the client closes it): its upload cannot finish. With
    `read`: answer 200 at once instead, a JSON stream, and go on reading the body (as a
    full-duplex server may); its last line says how many bytes came."""
    if c.server.params.get("read"):
        c.send(stream_head(req))
        if not c.read_body(req):
            return False
        c.send(chunked(json.dumps({"status": f"read {len(req.body)} bytes"}).encode() + b"\n"))
        return True
    c.respond("400 Bad Request", b'{"message": "refused before reading the body"}')
    watcher = select.poll()
    watcher.register(c.sock, select.POLLRDHUP)
    watcher.poll(STALL_LIMIT * 1000)
    return False


def _script(c: Conn, req: Req) -> bool:
    """Send the bytes given as the `data` parameter (base64), then close."""
    c.send(base64.b64decode(c.server.params["data"]))
    return False


def _echo(c: Conn, req: Req) -> bool:
    """Check the request is well-formed; echo it back (400 with the reasons if not)."""
    problems = list(req.problems) + check_request(req)
    if problems:
        return c.respond("400 Bad Request", json.dumps({"message": "; ".join(problems)}).encode())
    if req.kind == "frames" and req.upgrade:
        c.send(stream_head(req))
        return False
    echo: dict[str, Any] = {"method": req.method, "target": req.target, "headers": req.headers}
    ctype = (req.header("content-type") or "").split(";")[0]
    echo["body"] = json.loads(req.body) if ctype == "application/json" else None
    if req.kind == "lines":
        c.send(stream_head(req) + chunked(json.dumps({"Echo": echo}).encode() + b"\n"))
        return True
    status = "201 Created" if req.method == "POST" else "200 OK"
    return c.respond(
        status, json.dumps({"Id": "0123456789ab", "Warnings": [], "Echo": echo}).encode()
    )


Behaviour = Callable[[Conn, Req], bool]

BEHAVIOURS: dict[str, Behaviour] = {
    "good": _good,
    "echo": _echo,
    "truncated_chunked": _truncated_chunked,
    "invalid_chunk_size": _invalid_chunk_size,
    "huge_chunk_size": _huge_chunk_size,
    "chunk_size_line_too_long": _chunk_size_line_too_long,
    "chunk_overrun": _chunk_overrun,
    "chunk_extensions_and_trailers": _chunk_extensions_and_trailers,
    "endless_trailers": _endless_trailers,
    "invalid_json": _invalid_json,
    "json_line_too_long": _json_line_too_long,
    "frame_4gb": _frame_4gb,
    "bad_stream_id": _bad_stream_id,
    "reset_mid_frame": _reset_mid_frame,
    "stall_mid_body": _stall_mid_body,
    "stall_head": _stall_head,
    "pause_mid_chunk": _pause_mid_chunk,
    "stall_head_part": _stall_head_part,
    "huge_header": _huge_header,
    "body_shorter_than_length": _body_shorter_than_length,
    "length_shorter_than_body": _length_shorter_than_body,
    "bad_content_length": _bad_content_length,
    "unicode_content_length": _unicode_content_length,
    "conflicting_content_length": _conflicting_content_length,
    "http10_close": _http10_close,
    "upgrade_refused_200": _upgrade_refused_200,
    "upgrade_refused_404": _upgrade_refused_404,
    "redirect": _redirect,
    "garbage_status": _garbage_status,
    "http2_status": _http2_status,
    "unicode_status": _unicode_status,
    "no_terminator": _no_terminator,
    "bare_lf_head": _bare_lf_head,
    "header_no_colon": _header_no_colon,
    "text_error_500": _text_error_500,
    "json_error_404": _json_error_404,
    "bad_json_error_500": _bad_json_error_500,
    "continue_100": _continue_100,
    "interim_flood": _interim_flood,
    "unexpected_101": _unexpected_101,
    "close_after_each": _close_after_each,
    "eof_no_response": _eof_no_response,
    "reset_no_response": _reset_no_response,
    "slowloris": _slowloris,
    "slowloris_endless_head": _slowloris_endless_head,
    "script": _script,
    "answer_early": _answer_early,
    "ws": websocket_upgrade,
}
