"""A hostile HTTP/1.1 "daemon" on 127.0.0.1 for the reliability and security suites.

It runs in a process of its own (so its sockets and threads never blur the leak
checks of the process under test) and answers like dockerd, except that every
request other than the negotiation's GET /_ping and GET /version and the TTY
probe (GET /containers/{id}/json) is answered by the *behaviour* currently set:
a well-formed answer, or one of the faults in `BEHAVIOURS`.

The answer's content follows the request, as dockerd's would:
  - JSON streams (events, stats, build, image create/push): JSON lines, chunked;
  - container output (logs, attach, exec start): raw-stream frames, chunked, or
    raw after a 101 upgrade when the client asked to upgrade;
  - anything else: one JSON document with a Content-Length.
The faults then break that answer's framing in their own way.

Control (from the test process, never through the client under test) is HTTP on
the same port under /_fault/: set the behaviour, read the requests received,
count open connections. `FaultServer` is the test-side handle; the server exits
when its stdin closes, so it never outlives the test run.

Run by hand: python tests/faultserver.py  (prints the port, serves until EOF on stdin)
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["BEHAVIOURS", "FaultServer", "frame"]

API = "1.41"
VERSION_BODY = json.dumps(
    {"ApiVersion": API, "MinAPIVersion": "1.12", "Version": "20.10-fault", "Os": "linux"}
).encode()
# The "docker29" persona: Docker Engine 29.0 as released, refusing clients below API 1.44.
DOCKER29_MIN = "1.44"
DOCKER29_VERSION_BODY = json.dumps(
    {"ApiVersion": "1.52", "MinAPIVersion": DOCKER29_MIN, "Version": "29.0.0", "Os": "linux"}
).encode()
# Personas newer than the API the client models (1.56): "next" still takes 1.56,
# "next_strict" refuses anything below 1.58.
NEXT_PERSONAS = {"next": "1.44", "next_strict": "1.58"}
PERSONA_API = {"": API, "docker29": "1.52", "next": "1.60", "next_strict": "1.60"}
JSON_DOC = [{"Id": "c0ffee", "Names": ["/fault"], "State": "running"}]
EVENTS = [{"status": "start", "id": f"c{i}", "time": 1700000000 + i} for i in range(3)]
OUTPUT = [(1, b"out1\n"), (2, b"err1\n"), (1, b"out2\n")]
STALL_LIMIT = 120.0  # a stalling behaviour gives up after this long


def frame(stream: int, data: bytes, size: int | None = None) -> bytes:
    """One raw-stream frame: 8-byte header (stream id, big-endian size), then data."""
    return struct.pack(">BxxxL", stream, len(data) if size is None else size) + data


def frames_body() -> bytes:
    """The well-formed container output every frame-kind answer carries."""
    return b"".join(frame(s, d) for s, d in OUTPUT)


def lines_body() -> bytes:
    """The well-formed JSON stream every line-kind answer carries."""
    return b"".join(json.dumps(e).encode() + b"\n" for e in EVENTS)


def chunked(body: bytes, pieces: int = 3) -> bytes:
    """`body` as a complete chunked transfer coding, in a few chunks."""
    step = max(1, -(-len(body) // pieces))
    out = b"".join(
        b"%x\r\n%b\r\n" % (len(body[i : i + step]), body[i : i + step])
        for i in range(0, len(body), step)
    )
    return out + b"0\r\n\r\n"


# -- requests ------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9!#$&'*+.^_`|~-]+")
_TARGET = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass
class Req:
    """One request as received, with what makes it malformed (if anything)."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    problems: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def upgrade(self) -> bool:
        return "upgrade" in (self.header("connection") or "").lower()

    @property
    def kind(self) -> str:
        """What dockerd would answer: "lines" (JSON stream), "frames" (output) or "json"."""
        path = re.sub(r"^/v[0-9.]+", "", self.path)
        if re.fullmatch(
            r"/(events|build|images/create|images/[^?]*/push|containers/[^/]+/stats)", path
        ):
            return "lines"
        if re.fullmatch(r"/(containers/[^/]+/(logs|attach)|exec/[^/]+/start)", path):
            return "frames"
        return "json"

    def record(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "target": self.target,
            "headers": self.headers,
            "body": self.body.decode("latin-1"),
            "problems": self.problems,
        }


class Conn:
    """One accepted connection: a read buffer and the helpers behaviours write with."""

    def __init__(self, sock: socket.socket, server: Server) -> None:
        self.sock = sock
        self.server = server
        self.buffer = bytearray()

    def fill(self, timeout: float | None = None) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, OSError):
            return False
        if not data:
            return False
        self.buffer += data
        return True

    def read_request(self, early: bool = False) -> Req | None:
        """The next request, its body read too unless `early` (see _answer_early)."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if self.buffer[:1] == b"\x16":  # a TLS ClientHello: answered as Go's HTTP server does
                self.send(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400 Bad Request")
                return None
            if len(self.buffer) > 1 << 20 or not self.fill():
                return None
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        problems: list[str] = []
        if len(parts) != 3:
            problems.append(f"request line {lines[0]!r}")
            parts = [*parts, "", "", ""][:3]
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not _TOKEN.fullmatch(name):
                problems.append(f"header line {line!r}")
            if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
                problems.append(f"control character in header {name!r}")
            headers.append((name, value.strip()))
        req = Req(method, target, version, headers, problems=problems)
        if early and not req.path.startswith("/_fault/"):
            return req
        return req if self.read_body(req) else None

    def read_body(self, req: Req) -> bool:
        """Read the request's body into it (False: the client closed first)."""
        length = req.header("content-length")
        if (req.header("transfer-encoding") or "").lower() == "chunked":
            if length is not None:
                req.problems.append("both Content-Length and chunked")
            body = self._read_chunked()
            if body is None:
                return False
            req.body = body
        elif length is not None:
            if not length.isdigit():
                req.problems.append(f"Content-Length {length!r}")
                return True
            while len(self.buffer) < int(length):
                if not self.fill():
                    return False
            req.body = bytes(self.buffer[: int(length)])
            del self.buffer[: int(length)]
        elif req.method in ("POST", "PUT") and not req.upgrade:
            req.problems.append(f"{req.method} without a body length")
        return True

    def _read_line(self) -> bytes | None:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if not self.fill():
                return None
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self._read_line()
            if line is None:
                return None
            size = int(line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                if not self.fill():
                    return None
            body += self.buffer[:size]
            del self.buffer[: size + 2]
            if size == 0:
                return bytes(body)

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.server.sent += len(data)
        return True

    def respond(
        self,
        status: str,
        body: bytes = b"",
        content_type: str = "application/json",
        extra: str = "",
        close: bool = False,
    ) -> bool:
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
        head += f"Content-Length: {len(body)}\r\n"
        if close:
            head += "Connection: close\r\n"
        return self.send(head.encode("latin-1") + b"\r\n" + body)

    def wait_close(self, limit: float = STALL_LIMIT) -> None:
        """Stall: read (and drop) whatever comes until the client closes."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            self.sock.settimeout(0.5)
            try:
                if not self.sock.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# -- the answers ---------------------------------------------------------------------


def good_body(req: Req) -> bytes:
    if req.kind == "lines":
        return lines_body()
    if req.kind == "frames":
        return frames_body()
    return json.dumps(JSON_DOC).encode()


def stream_head(req: Req, close: bool = False) -> bytes:
    """The head of a well-formed streaming answer (101 when asked to upgrade)."""
    if req.kind == "frames" and req.upgrade:
        return (
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        )
    kind = b"application/vnd.docker.raw-stream" if req.kind == "frames" else b"application/json"
    extra = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Type: %b\r\n%bTransfer-Encoding: chunked\r\n\r\n" % (
        kind,
        extra,
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


def echo_stdin(c: Conn) -> None:
    """After an upgrade: send back each piece of stdin as a stdout frame, until EOF."""
    if c.buffer:
        c.send(frame(1, bytes(c.buffer)))
        c.buffer.clear()
    while True:
        c.sock.settimeout(STALL_LIMIT)
        try:
            data = c.sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        c.send(frame(1, data))


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
    echo = {"method": req.method, "target": req.target, "headers": req.headers}
    ctype = (req.header("content-type") or "").split(";")[0]
    echo["body"] = json.loads(req.body) if ctype == "application/json" else None
    if req.kind == "lines":
        c.send(stream_head(req) + chunked(json.dumps({"Echo": echo}).encode() + b"\n"))
        return True
    status = "201 Created" if req.method == "POST" else "200 OK"
    return c.respond(
        status, json.dumps({"Id": "0123456789ab", "Warnings": [], "Echo": echo}).encode()
    )


# -- websocket personas (GET /containers/{id}/attach/ws), chosen by the `ws` param --------

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_accept(key: str) -> str:
    """The Sec-WebSocket-Accept for `key` (RFC 6455)."""
    import hashlib

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


def _ws(c: Conn, req: Req) -> bool:
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in JSON body")


def check_request(req: Req) -> list[str]:
    """Why a request is not one a careful client may send (empty when it is fine)."""
    problems: list[str] = []
    if not _TOKEN.fullmatch(req.method) or req.method.upper() != req.method:
        problems.append(f"method {req.method!r}")
    if req.version != "HTTP/1.1":
        problems.append(f"version {req.version!r}")
    if not _TARGET.fullmatch(req.target) or _PCT.search(req.target):
        problems.append(f"target {req.target!r} has characters outside RFC 3986")
    if not re.match(r"/v1\.[0-9]+/", req.target):
        problems.append(f"target {req.target!r} is not versioned")
    for segment in req.path.split("/")[1:]:
        decoded = unquote(segment)
        if segment in ("", ".", "..") or decoded in (".", ".."):
            problems.append(f"path segment {segment!r}")
        if any(ch in decoded for ch in "/?#\\") or any(ord(ch) < 33 for ch in decoded):
            problems.append(f"path segment {segment!r} decodes to {decoded!r}")
    try:
        parse_qsl(urlsplit(req.target).query, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        problems.append(f"query: {exc}")
    hosts = [v for k, v in req.headers if k.lower() == "host"]
    if len(hosts) != 1:
        problems.append(f"{len(hosts)} Host headers")
    names = [k.lower() for k, _ in req.headers]
    if len(set(names)) != len(names):
        problems.append(f"repeated headers in {names}")
    ctype = (req.header("content-type") or "").split(";")[0]
    if ctype == "application/json":
        try:
            json.loads(req.body, parse_constant=_reject_constant)
        except ValueError as exc:
            problems.append(f"JSON body: {exc}")
    return problems


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
    "ws": _ws,
}


# -- the server ----------------------------------------------------------------------


class Server:
    """Accepts connections and answers each request with the current behaviour."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port: int = self.listener.getsockname()[1]
        self.behaviour = "good"
        self.params: dict[str, Any] = {}
        self.also_version = False  # apply the behaviour to GET /version too
        self.tty = False
        self.persona = ""  # "" (dockerd 20.10), "docker29" or one of NEXT_PERSONAS
        self.requests: list[dict[str, Any]] = []
        self.ws_keys: list[str] = []  # the websocket keys received
        self.ws_replies: list[str] = []  # the client's answers to our close frames
        self.accepted = 0
        self.open = 0
        self.sent = 0
        self.lock = threading.Lock()

    def serve_forever(self) -> None:
        while True:
            sock, _ = self.listener.accept()
            with self.lock:
                self.accepted += 1
                self.open += 1
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        conn = Conn(sock, self)
        try:
            while self._one(conn):
                pass
        except Exception as exc:  # a bug here must show, not hang a test
            print(f"faultserver: {exc!r}", file=sys.stderr, flush=True)
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            with self.lock:
                self.open -= 1

    def _one(self, conn: Conn) -> bool:
        req = conn.read_request(early=self.behaviour == "answer_early")
        if req is None:
            return False
        if req.path.startswith("/_fault/"):
            return self._control(conn, req)
        with self.lock:
            self.requests.append(req.record())
            behaviour, also_version, persona = self.behaviour, self.also_version, self.persona
        path = re.sub(r"^/v[0-9.]+", "", req.path)
        if path == "/_ping" and not also_version:  # as dockerd answers it: its version too
            extra = f"Api-Version: {PERSONA_API[persona]}\r\n"
            return conn.respond("200 OK", b"OK", "text/plain; charset=utf-8", extra)
        if persona == "docker29":
            refused = _docker29_refusal(req.path)
            if refused:
                return conn.respond("400 Bad Request", refused)
            if path == "/version" and not also_version:
                return conn.respond("200 OK", DOCKER29_VERSION_BODY)
        if persona in NEXT_PERSONAS:
            refused = _docker29_refusal(req.path, NEXT_PERSONAS[persona])
            if refused:
                return conn.respond("400 Bad Request", refused)
            if path == "/version" and not also_version:
                body = {"ApiVersion": "1.60", "MinAPIVersion": NEXT_PERSONAS[persona]}
                return conn.respond("200 OK", json.dumps(body).encode())
        if path == "/version" and not also_version:
            return conn.respond("200 OK", VERSION_BODY)
        if re.fullmatch(r"/containers/[^/]+/json", path) and behaviour not in ("echo",):
            config = {"Id": "c0ffee", "Config": {"Tty": self.tty}, "State": {"Running": True}}
            return conn.respond("200 OK", json.dumps(config).encode())
        return BEHAVIOURS[behaviour](conn, req)

    def _control(self, conn: Conn, req: Req) -> bool:
        parts = req.path.split("/")[2:]
        reply: Any = None
        with self.lock:
            if parts[0] == "set":
                settings = json.loads(req.body)
                if settings["behaviour"] not in BEHAVIOURS:
                    return conn.respond("404 Not Found", b'{"message": "no such behaviour"}')
                self.behaviour = settings["behaviour"]
                self.params = settings.get("params", {})
                self.also_version = settings.get("version", False)
                self.tty = settings.get("tty", False)
                self.persona = settings.get("persona", "")
                self.requests.clear()
                self.ws_keys.clear()
                self.ws_replies.clear()
            elif parts[0] == "requests":
                reply = self.requests
            elif parts[0] == "websocket":
                reply = {"keys": self.ws_keys, "replies": self.ws_replies}
            elif parts[0] == "stats":
                reply = {"accepted": self.accepted, "open": self.open - 1, "sent": self.sent}
        return conn.respond("200 OK", json.dumps(reply).encode())


def _docker29_refusal(path: str, minimum: str = DOCKER29_MIN) -> bytes:
    """dockerd 29's answer to a request on an API version below its minimum (else b"")."""
    match = re.match(r"/v([0-9]+)\.([0-9]+)/", path)
    low = tuple(int(part) for part in minimum.split("."))
    if match is None or (int(match[1]), int(match[2])) >= low:
        return b""
    message = (
        f"client version {match[1]}.{match[2]} is too old. Minimum supported API version is "
        f"{minimum}, please upgrade your client to a newer version"
    )
    return json.dumps({"message": message}).encode()


def main() -> None:
    server = Server()
    print(server.port, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test process closes our stdin (or dies)


# -- the test-side handle ------------------------------------------------------------


class FaultServer:
    """Starts the fault server in a child process and controls it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"tcp://127.0.0.1:{self.port}"

    def _control(self, path: str, body: Any = None) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request("POST" if data else "GET", "/_fault/" + path, body=data)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                raise AssertionError(f"fault server: {response.status} {payload!r}")
            return json.loads(payload)
        finally:
            conn.close()

    def set(
        self,
        behaviour: str,
        *,
        version: bool = False,
        tty: bool = False,
        persona: str = "",
        **params: Any,
    ) -> None:
        """Answer from now on with `behaviour` (and forget the requests seen so far).

        persona="docker29" answers as Docker Engine 29.0: API 1.52, nothing below 1.44;
        "next" as a daemon of API 1.60 taking 1.44 up, "next_strict" 1.58 up.
        """
        settings = {"behaviour": behaviour, "version": version, "tty": tty, "params": params}
        self._control("set", {**settings, "persona": persona})

    def requests(self) -> list[dict[str, Any]]:
        """The requests received since the last `set` (control requests excluded)."""
        return self._control("requests")  # type: ignore[no-any-return]

    def websocket(self) -> dict[str, list[str]]:
        """Since the last `set`: the websocket keys received, and the client's answers to
        our close frames ("opcode:payload hex:masked", or "none" if it closed without)."""
        return self._control("websocket")  # type: ignore[no-any-return]

    def stats(self) -> dict[str, int]:
        """accepted (connections ever), open (now, besides the asking one), sent (bytes)."""
        return self._control("stats")  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the server process."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    main()
